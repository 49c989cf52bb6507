"""`python -m geobot.bot --vault-url URL --region NAME [--app SPEC] [--host H] [--port N]`: run one region's bot.

Each flag falls back to the environment: GEOBOT_BOT_VAULT_URL, GEOBOT_BOT_REGION (then App
Service's REGION_NAME), GEOBOT_BOT_APP (default: the sample bot; forms in
`geobot.bot.appspec`), GEOBOT_BOT_HOST, and PORT (then App Service's WEBSITES_PORT). Exits 2
on a bad command line; everything else (vault, language, store) is reported by /api/health.
Traces: APPLICATIONINSIGHTS_CONNECTION_STRING or GEOBOT_BOT_SPANS (`geobot.bot.telemetry`).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from geobot.bot.appspec import SAMPLE
from geobot.bot.settings import REGION_NAME


def _region(value: str) -> str:
    region = re.sub(r"\s+", "", value).lower()
    if not REGION_NAME.fullmatch(region):
        raise argparse.ArgumentTypeError(f"{value!r}: a region is 1-60 of a-z, 0-9 and '-', starting alphanumeric")
    return region


def _parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m geobot.bot", description="Run one region's bot: the sample, or the one --app names, with geobot's health, ACME and drill routes.")
    parser.add_argument("--vault-url", default=env.get("GEOBOT_BOT_VAULT_URL"),
                        help="https://<name>.vault.azure.net or file:///abs/path (GEOBOT_BOT_VAULT_URL)")
    parser.add_argument("--region", type=_region, default=env.get("GEOBOT_BOT_REGION") or env.get("REGION_NAME"),
                        help="this bot's region name (GEOBOT_BOT_REGION)")
    parser.add_argument("--app", default=env.get("GEOBOT_BOT_APP") or SAMPLE,
                        help=f"the bot: package.module:factory or a directory (GEOBOT_BOT_APP; default {SAMPLE})")
    parser.add_argument("--host", default=env.get("GEOBOT_BOT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PORT") or env.get("WEBSITES_PORT") or 3978))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.vault_url:
        parser.error("--vault-url (or GEOBOT_BOT_VAULT_URL) is required")
    if not args.region:
        parser.error("--region (or GEOBOT_BOT_REGION) is required")
    region = args.region
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {region} %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("azure").setLevel(logging.WARNING)  # the SDKs log every request (and telemetry's) at INFO

    from aiohttp import web  # imported here so `--help` and flag errors stay instant

    from geobot.bot.app import create_app
    from geobot.bot.telemetry import configure

    telemetry = configure(region)  # before the app exists
    logging.getLogger("geobot.bot").info("region %s: %s", region, telemetry.description)
    web.run_app(create_app(args.vault_url, region, app=args.app, telemetry=telemetry), host=args.host, port=args.port,
                print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
