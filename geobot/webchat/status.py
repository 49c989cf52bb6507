"""The status panel's data: `geobot status --output json`, computed off the event loop and shared.

Reading the status asks every bot's health endpoint and the router with blocking calls (up to
two seconds each when something is down), so it runs in a worker thread, and chat turns keep
flowing meanwhile. Pages poll every few seconds; one reading serves every poll within `max_age`
seconds, and polls that arrive during a reading wait for it rather than start another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


class StatusFeed:
    def __init__(self, read: Callable[[], dict[str, Any]], max_age: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._max_age = max_age
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last: tuple[float, dict[str, Any]] | None = None

    async def get(self) -> dict[str, Any]:
        """The latest status; raises what reading it raised (the deployment may be gone)."""
        async with self._lock:
            if self._last is None or self._clock() - self._last[0] > self._max_age:
                self._last = None
                data = await asyncio.to_thread(self._read)
                self._last = (self._clock(), data)
            return self._last[1]
