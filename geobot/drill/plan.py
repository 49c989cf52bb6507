"""What a drill will do, decided before any traffic: the fault, the router mode and the timing.

The fault goes in at 25 % of the duration and is cleared at 60 %, leaving the rest to watch
failback (a flap is cleared at the end of its last whole on-phase before 60 %). The window between must be long enough for the router to notice the fault at all
(worst case: interval × (tolerated + 1) + timeout), otherwise the drill could only measure
its own timing; a shorter `--duration` is refused as bad input. Without `--duration` the
drill lasts 30 s, or longer when slow probes or a long DNS TTL need more to show a failover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from geobot.errors import InputError

Fault = Literal["kill", "health", "nlu-down", "store-down", "slow", "flap"]
Mode = Literal["faithful", "retry"]
FAULTS: tuple[Fault, ...] = ("kill", "health", "nlu-down", "store-down", "slow", "flap")
INJECT_AT, CLEAR_AT = 0.25, 0.60
DEFAULT_DURATION = 30.0
MIN_DURATION = 5.0
MAX_USERS = 500


@dataclass(frozen=True)
class Probe:
    """The router's monitor settings in force for the drill (router.json, after the drill's overrides)."""

    interval: float
    timeout: float
    tolerated_failures: int
    dns_ttl: float
    hold_down: float

    @classmethod
    def from_router(cls, router: dict[str, Any], hold_down: float | None = None) -> Probe:
        probe = router.get("probe", {})
        return cls(float(probe.get("interval", 10)), float(probe.get("timeout", 5)),
                   int(probe.get("tolerated_failures", 1)), float(probe.get("dns_ttl", 10)),
                   float(probe.get("hold_down", 0) if hold_down is None else hold_down))

    @property
    def worst_detection(self) -> float:
        """A fault right after a passing probe is seen after tolerated + 1 more, the last timing out."""
        return self.interval * (self.tolerated_failures + 1) + self.timeout

    @property
    def worst_failover(self) -> float:
        """Azure Traffic Manager's worst case with these settings: detection, then the DNS TTL."""
        return self.worst_detection + self.dns_ttl


@dataclass(frozen=True)
class Plan:
    fault: Fault
    region: str
    users: int
    mode: Mode
    probe: Probe
    duration: float
    slow_ms: int | None  # the added latency of a `slow` fault
    flap: tuple[float, float] | None  # seconds on, seconds off, of a `flap` fault

    @property
    def inject_at(self) -> float:
        return self.duration * INJECT_AT

    @property
    def clear_at(self) -> float:
        return self.duration * CLEAR_AT


def flap_cycle(probe: Probe) -> tuple[float, float]:
    """On long enough to be detected with a second to spare, off long enough for a probe to pass."""
    return probe.interval * (probe.tolerated_failures + 2.5), probe.interval * 1.5


def _flapping(probe: Probe, times: int) -> float:
    """How long `times` on-phases with the off-phases between them take."""
    on, off = flap_cycle(probe)
    return times * on + (times - 1) * off


def _holding(window: float) -> float:
    """The whole seconds of a drill whose fault window lasts `window` seconds."""
    return math.ceil(round(window / (CLEAR_AT - INJECT_AT), 6))


def minimum_duration(fault: Fault, probe: Probe) -> float:
    window = _flapping(probe, 2) if fault == "flap" else probe.worst_detection
    return max(MIN_DURATION, _holding(window))


def default_duration(fault: Fault, probe: Probe) -> float:
    """30 s, or long enough for a DNS-faithful failover (or three flaps) before the fault is cleared."""
    needed = _flapping(probe, 3) if fault == "flap" else probe.worst_failover + 2
    return max(DEFAULT_DURATION, minimum_duration(fault, probe), _holding(needed))


def make_plan(fault: Fault, region: str, regions: list[str], users: int, mode: Mode, probe: Probe,
              duration: float | None) -> Plan:
    """Check the options against the deployment; raises InputError (exit 2) naming the option."""
    if len(regions) < 2:
        raise InputError("a drill needs at least two regions to fail over between",
                         "deploy with two or more regions (GEOBOT_REGIONS)")
    if region not in regions:
        raise InputError(f"--region {region}: the deployment has no such region", f"choose one of {', '.join(regions)}")
    if not 1 <= users <= MAX_USERS:
        raise InputError(f"--users {users}: must be between 1 and {MAX_USERS}", "use --users 20")
    shortest = minimum_duration(fault, probe)
    if duration is None:
        duration = default_duration(fault, probe)
    elif duration < shortest:
        raise InputError(f"--duration {duration:g}: too short to detect a fault with probes every {probe.interval:g} s "
                         f"({probe.tolerated_failures} tolerated failures, {probe.timeout:g} s timeout)",
                         f"use --duration {shortest:g} or more")
    slow_ms = int((probe.timeout + 1) * 1000) if fault == "slow" else None
    return Plan(fault, region, users, mode, probe, float(duration), slow_ms, flap_cycle(probe) if fault == "flap" else None)
