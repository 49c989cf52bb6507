"""`python -m geobot.targets.local.router --config /abs/router.json`: run the local router.

Exits 2 with one line on stderr for a bad command line or an invalid router.json, 1 with one
line if a listener cannot be bound, and 0 after SIGTERM or SIGINT (logging `stop`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn

from geobot.errors import ConfigError
from geobot.targets.local.router.settings import RouterSettings, load


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")  # one line, no usage block


async def serve(config: Path, settings: RouterSettings) -> int:
    """Run until SIGTERM or SIGINT; the exit code."""
    from geobot.targets.local.router.server import Router  # aiohttp and httptools load only once the config is valid

    router = Router(config, settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await router.start()
    except OSError as e:
        await router.stop()
        print(f"router: cannot listen on {settings.listen}: {e.strerror or e}", file=sys.stderr)
        return 1
    await stopping.wait()
    await router.stop()
    return 0


def _run(main: Coroutine[Any, Any, int]) -> int:
    """On uvloop where it exists (not on Windows): measured, it takes a sixth off the CPU per request."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m geobot.targets.local.router", description="Run geobot's local Traffic Manager.")
    parser.add_argument("--config", type=Path, required=True, help="absolute path of router.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each monitor change to stderr")
    args = parser.parse_args(argv)
    try:
        settings = load(args.config.absolute())
    except ConfigError as e:
        print(f"router: {e.message} ({e.hint})", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s router %(levelname)s %(message)s")
    try:
        return _run(serve(args.config.absolute(), settings))
    except OSError as e:  # the log file cannot be created
        print(f"router: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
