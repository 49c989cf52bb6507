"""The drill hook: faults injected into this region on purpose, to measure failover.

It exists only when the vault holds `geobot-drill-key`; its contract is in the `geobot.bot`
docstring. Faults stay until `clear` and apply to every request but the hook's own.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

DRILL_PATH = "/api/drill"
KEY_HEADER = "X-Geobot-Drill-Key"
CRASH_EXIT_CODE = 70
MAX_SLOW_MS = 600_000
log = logging.getLogger("geobot.bot.drill")


@dataclass
class Faults:
    """What the drill has broken in this region."""

    health: bool = False
    nlu_down: bool = False
    store_down: bool = False
    slow_ms: int = 0

    def as_json(self) -> dict:
        return {"health": self.health, "nlu-down": self.nlu_down, "store-down": self.store_down, "slow": self.slow_ms}

    def apply(self, fault: str, ms: object) -> None:
        """Set one fault; raises ValueError for an unknown fault or a bad `ms`."""
        if fault == "clear":
            self.health, self.nlu_down, self.store_down, self.slow_ms = False, False, False, 0
        elif fault == "health":
            self.health = True
        elif fault == "nlu-down":
            self.nlu_down = True
        elif fault == "store-down":
            self.store_down = True
        elif fault == "slow":
            if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= MAX_SLOW_MS:
                raise ValueError(f"'slow' needs \"ms\": an integer in 0..{MAX_SLOW_MS}")
            self.slow_ms = ms
        else:
            raise ValueError("fault must be one of health, nlu-down, store-down, slow, crash, clear")


def drill_handler(key: str, faults: Faults, region: str, on_change: Callable[[], None]):
    """The aiohttp handler for GET/POST /api/drill, bound to this region's key and faults."""

    async def handle(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), key.encode()):
            return web.json_response({"error": f"missing or wrong {KEY_HEADER}"}, status=401)
        if request.method == "GET":
            return web.json_response({"region": region, "faults": faults.as_json()})
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("fault"), str):
            return web.json_response({"error": 'body must be JSON {"fault": "...", "ms": N}'}, status=400)
        fault = body["fault"]
        if fault != "crash":
            try:
                faults.apply(fault, body.get("ms"))
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
        on_change()
        log.warning("drill fault %s injected in region %s", fault, region)
        response = web.json_response({"region": region, "fault": fault, "faults": faults.as_json()})
        if fault == "crash":
            await response.prepare(request)
            await response.write_eof()
            logging.shutdown()
            os._exit(CRASH_EXIT_CODE)  # a crash, not a shutdown: no cleanup, like a dying host
        return response

    return handle
