"""The deep health check Traffic Manager (or the local router) probes: GET /api/health.

It queries the language endpoint and reads+writes the state store, each under its own
timeout, and reports every component: 200 when all pass, 503 naming the failed ones. A
component that is not configured fails; it is never skipped. Results are reused for
`ttl` seconds and concurrent probes share one run, so probes from many locations cost at most
one check per interval; a drill fault invalidates the cached result at once. A check first
lets the services open again what failed to open at start (with backoff).

The `telemetry` component (where spans go and whether the last export was delivered or
refused) is reported but never fails the check: Application Insights being down or refusing
must not make Traffic Manager or Front Door take a healthy region out. The deployer reads it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from geobot.bot.services import DependencyDown, Services
from geobot.bot.telemetry import Exports

CONFIG_COMPONENTS = ("config", "identity", "app")


class HealthCheck:
    def __init__(self, services: Services, ttl: float, telemetry: Exports | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._services = services
        self._telemetry = telemetry or Exports()
        self._ttl = ttl
        self._clock = clock
        self._cached: tuple[float, int, dict] | None = None
        self._running: asyncio.Future | None = None
        self._generation = 0
        self.runs = 0

    def invalidate(self) -> None:
        """Forget the cached result and any run in flight (a fault was just injected)."""
        self._cached = None
        self._running = None
        self._generation += 1

    async def report(self) -> tuple[int, dict]:
        """(HTTP status, body) of the latest check, running one if the cache is stale."""
        now = self._clock()
        if self._cached is not None and now - self._cached[0] < self._ttl:
            return self._cached[1], {**self._cached[2], "cached": True}
        generation = self._generation
        if self._running is None:
            self._running = asyncio.ensure_future(self._check())
        running = self._running
        status, body = await asyncio.shield(running)
        if generation == self._generation:
            self._cached = (now, status, body)
        if self._running is running:
            self._running = None
        return status, {**body, "cached": False}

    async def _check(self) -> tuple[int, dict]:
        self.runs += 1
        services = self._services
        await services.heal(self._clock())
        components: dict[str, dict] = {}
        for name in CONFIG_COMPONENTS:
            if name in services.problems:
                components[name] = {"status": "unhealthy", "reason": services.problems[name]}
        if services.faults.health:
            components["drill"] = {"status": "unhealthy", "reason": "fault injected: health"}
        checks = {"language": services.check_language(), "store": services.check_store()}
        results = await asyncio.gather(*(_timed(check) for check in checks.values()))
        components.update(zip(checks, results, strict=True))
        failed = sorted(name for name, result in components.items() if result["status"] != "healthy")
        components["telemetry"] = self._telemetry.check()  # after `failed`: reported, never failing
        body = {
            "status": "unhealthy" if failed else "healthy",
            "region": services.settings.region,
            "failed": failed,
            "components": components,
            "run": self.runs,
        }
        return (503 if failed else 200), body


async def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = await check
    except DependencyDown as exc:
        return {"status": "unhealthy", "reason": exc.reason, "ms": _ms(started)}
    return {"status": "healthy", "detail": detail, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
