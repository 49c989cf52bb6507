"""The probe loop: GET each monitored endpoint's health path every `interval` seconds.

Probes use their own session that opens a new connection each time, as Traffic Manager's
probes do, so they neither queue behind user traffic nor ride a pooled connection that hides
a dead listener. Redirects are not followed: a 3xx fails unless `expected_status` allows it.
An endpoint that (re)enters CheckingEndpoint is probed at once via `wake`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp

from geobot.targets.local.router.monitor import Monitor, Transition
from geobot.targets.local.router.settings import RouterSettings


async def probe(session: aiohttp.ClientSession, url: str, timeout: float) -> tuple[int | None, float, str | None]:
    """(HTTP status or None, milliseconds until the status line, error if there was no status)."""
    started = time.perf_counter()
    try:
        async with session.get(url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            return response.status, (time.perf_counter() - started) * 1000, None
    except TimeoutError:
        return None, 0.0, f"no answer within {timeout:g} s"
    except aiohttp.ClientError as e:
        return None, 0.0, f"{type(e).__name__}: {e}"


class Prober:
    """Feeds the monitor: one probe per monitored endpoint per interval, all endpoints at once."""

    def __init__(self, monitor: Monitor, settings: Callable[[], RouterSettings],
                 report: Callable[[list[Transition]], None]) -> None:
        self._monitor = monitor
        self._settings = settings
        self._report = report
        self.wake = asyncio.Event()

    async def run(self) -> None:
        """Probe every monitored endpoint, concurrently, once per interval, until cancelled."""
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
            while True:
                started = time.monotonic()
                self.wake.clear()
                await self.round(session)
                interval = self._settings().probe.interval
                try:
                    await asyncio.wait_for(self.wake.wait(), max(0.0, started + interval - time.monotonic()))
                except TimeoutError:
                    pass

    async def round(self, session: aiohttp.ClientSession) -> None:
        """One probe of each monitored endpoint; results reach the monitor as they are recorded."""
        settings = self._settings()
        endpoints = [e for name in self._monitor.probed() if (e := settings.endpoint(name)) is not None]
        timeout = settings.probe.timeout
        results = await asyncio.gather(*(probe(session, e.url + settings.probe.path, timeout) for e in endpoints))
        for endpoint, (status, ms, error) in zip(endpoints, results):
            self._report(self._monitor.record(endpoint.name, status, ms, error))
