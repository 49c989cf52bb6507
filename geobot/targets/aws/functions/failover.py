"""The failover state machine, pure so that every transition is tested without AWS.

The post switched on one failed probe, switched back on one success, and wrote `err` when both
regions failed. Here a region must fail `failover_after` checks in a row to lose traffic, the
primary must pass `failback_after` checks in a row to win it back (never, in manual mode), and
when no region is healthy the active one is kept: callers keep a region that may recover rather
than a value no bot answers to. A region geobot holds out of rotation for a rolling update
(`held`) wins no failback, and a failover goes to it only when no other region passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Counters:
    """Consecutive check results of one region; one of the two is always zero."""

    failures: int = 0
    successes: int = 0

    def record(self, healthy: bool) -> Counters:
        """Count this check and reset the opposite streak."""
        if healthy:
            return Counters(failures=0, successes=self.successes + 1)
        return Counters(failures=self.failures + 1, successes=0)


@dataclass(frozen=True)
class State:
    """The region map's item for one Connect region. `version` guards conditional writes.

    `held`: the region a rolling update has taken out of rotation (geobot writes it and clears
    it); one attribute, so the map holds at most one region out at a time.
    """

    active: str
    changed_at: str
    counters: Mapping[str, Counters] = field(default_factory=dict)
    all_down: bool = False
    version: int = 0
    held: str | None = None


@dataclass(frozen=True)
class Policy:
    """Thresholds in checks (invocations), not probes, and the failback mode."""

    regions: Sequence[str]
    failover_after: int
    failback_after: int
    failback: str = "auto"

    @property
    def primary(self) -> str:
        """The region traffic fails back to."""
        return self.regions[0]


@dataclass(frozen=True)
class Transition:
    """The new state and what happened, for the log line and the metrics."""

    state: State
    event: str  # "stay", "failover", "failback" or "all_down"


def initial(policy: Policy, now: str) -> State:
    """The state before the first check: the primary is active."""
    return State(active=policy.primary, changed_at=now)


def advance(state: State, healthy: Mapping[str, bool], policy: Policy, now: str) -> Transition:
    """Apply one check's per-region results to `state`."""
    counters = {
        region: state.counters.get(region, Counters()).record(healthy[region])
        for region in policy.regions
    }
    active = state.active if state.active in policy.regions else policy.primary
    moved = replace(state, counters=counters, all_down=False)
    if not any(healthy.values()):
        return Transition(replace(moved, active=active, all_down=True), "all_down")
    if counters[active].failures >= policy.failover_after:
        target = _healthiest(counters, policy.regions, exclude=active, held=state.held)
        return Transition(replace(moved, active=target, changed_at=now), "failover")
    if (
        policy.failback == "auto"
        and active != policy.primary
        and state.held != policy.primary
        and counters[policy.primary].successes >= policy.failback_after
    ):
        return Transition(replace(moved, active=policy.primary, changed_at=now), "failback")
    return Transition(replace(moved, active=active), "stay")


def _healthiest(
    counters: Mapping[str, Counters], regions: Sequence[str], exclude: str, held: str | None
) -> str:
    """The region passing the longest streak now, earliest configured first on a tie; the held
    region only when no other passes (callers on a passing bot mid-update beat a failing one).

    Some region other than `exclude` passes: `advance` handled "none passes" before.
    """
    candidates = [r for r in regions if r != exclude and counters[r].successes > 0]
    preferred = [r for r in candidates if r != held] or candidates
    return max(preferred, key=lambda r: counters[r].successes)
