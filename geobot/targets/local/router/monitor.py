"""Traffic Manager's endpoint monitor as a pure state machine: results in, statuses out.

The monitor never probes and never sleeps; the probe loop (`probe.py`) feeds it results and
the clock is injected, so every rule here is tested without a network or a wait. Rules:

- CheckingEndpoint until the first success (Online) or until failures reach the threshold;
  like TM, a CheckingEndpoint endpoint still receives traffic.
- Degraded after `tolerated_failures + 1` consecutive failures; one success brings it back,
  but with `hold_down` > 0 not before `hold_down` seconds since it went Degraded.
- Disabled (`enabled: false`) and Stopped (its pidfile is absent: its owner stopped it) are
  not probed; leaving either starts over at CheckingEndpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from geobot.targets.local.router.settings import Endpoint, Probe

EWMA_WEIGHT = 0.3  # share of the newest sample in the latency average


class Status(StrEnum):
    CHECKING = "CheckingEndpoint"
    ONLINE = "Online"
    DEGRADED = "Degraded"
    DISABLED = "Disabled"
    STOPPED = "Stopped"


@dataclass
class EndpointState:
    status: Status
    since: float
    consecutive_failures: int = 0
    latency_ms: float | None = None
    last_probe: float | None = None
    degraded_at: float | None = None


@dataclass(frozen=True)
class Transition:
    endpoint: str
    before: Status | None  # None: the endpoint was just added
    after: Status
    reason: str


class Monitor:
    """Each endpoint's monitor status, changed only by `sync` (settings) and `record` (probes)."""

    def __init__(self, probe: Probe, clock: Callable[[], float] = time.time) -> None:
        self.probe = probe
        self._clock = clock
        self.states: dict[str, EndpointState] = {}

    def sync(self, probe: Probe, endpoints: tuple[Endpoint, ...],
             exists: Callable[[str], bool]) -> list[Transition]:
        """Apply the settings: add and drop endpoints, and mark Disabled or Stopped ones."""
        self.probe = probe
        changes = []
        for name in set(self.states) - {e.name for e in endpoints}:
            del self.states[name]
        for endpoint in endpoints:
            if not endpoint.enabled:
                wanted, reason = Status.DISABLED, "disabled in the settings"
            elif endpoint.pidfile is not None and not exists(str(endpoint.pidfile)):
                wanted, reason = Status.STOPPED, f"pidfile {endpoint.pidfile} is absent"
            else:
                wanted, reason = Status.CHECKING, "monitoring started"
            state = self.states.get(endpoint.name)
            if state is None:
                self.states[endpoint.name] = EndpointState(wanted, self._clock())
                changes.append(Transition(endpoint.name, None, wanted, reason))
            elif wanted != Status.CHECKING or state.status in (Status.DISABLED, Status.STOPPED):
                changes += self._move(endpoint.name, wanted, reason, self._clock())
        return changes

    def probed(self) -> list[str]:
        """The endpoints the probe loop should check now."""
        return [name for name, s in self.states.items() if s.status not in (Status.DISABLED, Status.STOPPED)]

    def record(self, name: str, status: int | None, latency_ms: float, error: str | None = None) -> list[Transition]:
        """One probe result: an HTTP status, or None with the error that prevented one."""
        state = self.states.get(name)
        if state is None or state.status in (Status.DISABLED, Status.STOPPED):
            return []  # removed or switched off while the probe was in flight
        now = self._clock()
        state.last_probe = now
        if status is not None and self.probe.healthy(status):
            state.consecutive_failures = 0
            previous = state.latency_ms
            state.latency_ms = latency_ms if previous is None else previous + EWMA_WEIGHT * (latency_ms - previous)
            held = state.degraded_at is not None and now - state.degraded_at < self.probe.hold_down
            if state.status == Status.DEGRADED and held:
                return []
            return self._move(name, Status.ONLINE, f"probe answered {status}", now)
        state.consecutive_failures += 1
        reason = error or f"probe answered {status}"
        if state.consecutive_failures > self.probe.tolerated_failures:
            failures = state.consecutive_failures
            return self._move(name, Status.DEGRADED, f"{failures} consecutive failures, last: {reason}", now)
        return []

    def _move(self, name: str, status: Status, reason: str, now: float) -> list[Transition]:
        state = self.states[name]
        if state.status == status:
            return []
        before = state.status
        state.status, state.since = status, now
        if status == Status.DEGRADED:
            state.degraded_at = now
        elif status != Status.ONLINE:  # a fresh start forgets past failures and hold-down
            state.consecutive_failures, state.degraded_at = 0, None
        return [Transition(name, before, status, reason)]
