"""Which endpoint a request goes to: Traffic Manager's three methods and a resolver's cache.

Pure: the caller passes the candidates (from the monitor), a random generator and a clock.
`order` ranks the candidates in preference order (retry mode tries them in turn); `answer`
is what DNS-based Traffic Manager gives a client: one endpoint, remembered for `dns_ttl`
seconds even if that endpoint fails meanwhile, because a resolver does not ask again sooner.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from geobot.targets.local.router.monitor import EndpointState, Status
from geobot.targets.local.router.settings import Endpoint

SERVING = (Status.ONLINE, Status.CHECKING)  # TM answers with CheckingEndpoint endpoints too
FALLBACK = (Status.DEGRADED,)  # all enabled, non-stopped endpoints, when none is serving
SWITCH_RATIO, SWITCH_MS = 0.2, 1.0  # performance: a rival must be >20 % and >1 ms faster
CACHE_PURGE_SIZE = 4096


@dataclass(frozen=True)
class Candidate:
    name: str
    priority: int
    weight: int
    latency_ms: float | None


def candidates(endpoints: Iterable[Endpoint], states: Mapping[str, EndpointState]) -> list[Candidate]:
    """The endpoints routing may choose from, in settings order."""
    known = [(e, states[e.name]) for e in endpoints if e.name in states]
    for wanted in (SERVING, SERVING + FALLBACK):
        chosen = [Candidate(e.name, e.priority, e.weight, s.latency_ms) for e, s in known if s.status in wanted]
        if chosen:
            return chosen
    return []


class AnswerCache:
    """A resolver's memory: client -> (endpoint, expiry), expired entries dropped as it grows."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._answers: dict[str, tuple[str, float]] = {}

    def get(self, client: str) -> str | None:
        answer = self._answers.get(client)
        if answer is None or answer[1] <= self._clock():
            return None
        return answer[0]

    def put(self, client: str, endpoint: str, ttl: float) -> None:
        now = self._clock()
        if len(self._answers) >= CACHE_PURGE_SIZE:
            self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
        self._answers[client] = (endpoint, now + ttl)


class Routing:
    """Ranks candidates by method; remembers the performance pick so it does not flap."""

    def __init__(self, rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._rng = rng or random.Random()
        self.cache = AnswerCache(clock)
        self._fastest: str | None = None

    def order(self, method: str, cands: list[Candidate]) -> list[str]:
        """Candidate names, most preferred first."""
        if method == "priority":
            ranked = sorted(cands, key=lambda c: c.priority)
        elif method == "weighted":  # weighted sampling without replacement (Efraimidis-Spirakis)
            ranked = sorted(cands, key=lambda c: self._rng.random() ** (1 / c.weight), reverse=True)
        else:
            ranked = self._by_latency(cands)
        return [c.name for c in ranked]

    def cached(self, client: str, known: set[str]) -> str | None:
        """The endpoint a resolver still remembers for `client`, if it still exists."""
        cached = self.cache.get(client)
        return cached if cached in known else None

    def answer(self, client: str, ttl: float, method: str, cands: list[Candidate], known: set[str]) -> str | None:
        """DNS mode: the cached endpoint while the TTL lasts, whatever its health; else a new pick."""
        cached = self.cached(client, known)
        if cached is not None:
            return cached
        ranked = self.order(method, cands)
        if not ranked:
            return None
        if ttl > 0:
            self.cache.put(client, ranked[0], ttl)
        return ranked[0]

    def _by_latency(self, cands: list[Candidate]) -> list[Candidate]:
        ranked = sorted(cands, key=lambda c: (c.latency_ms is None, c.latency_ms or 0.0))
        current = next((c for c in ranked if c.name == self._fastest), None)
        if ranked and current is not None and not _clearly_faster(ranked[0], current):
            ranked.remove(current)
            ranked.insert(0, current)
        self._fastest = ranked[0].name if ranked else None
        return ranked


def _clearly_faster(rival: Candidate, current: Candidate) -> bool:
    if current.latency_ms is None:
        return rival.latency_ms is not None
    if rival.latency_ms is None:
        return False
    gain = current.latency_ms - rival.latency_ms
    return gain > SWITCH_RATIO * current.latency_ms and gain > SWITCH_MS
