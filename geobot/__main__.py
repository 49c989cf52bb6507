"""`python -m geobot` runs the command line."""

from geobot.cli.app import main

raise SystemExit(main())
