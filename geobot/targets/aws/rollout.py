"""The AWS target's rolling update: the region map is the rotation, a health-check run the gate.

Callers reach the bot of the region the region map names `active`; the region check reads it on
every call. A region is out of rotation while the map `held`s it (one attribute: the map itself
holds at most one region out). Taking a region out writes the hold, and if callers are on it
sends them to another region the last health-check run saw pass, in the same conditional write
the health checks make; the region check must then answer another region. Putting it back
clears the hold and, for the region callers were on when the rollout began (`home`), sends them
back, confirmed by the region check as well.

Why a hold, not timing: with aws.failback = "auto" the health check sends callers back to the
primary once it has passed `failback_after` runs in a row, and the primary's streak is usually
that long already, so the next scheduled run (within about 30 s with two regions) would undo a
move off it, while a region's update (building its locale) takes minutes. The health checks
respect the hold (functions/failover.py): no failback to a held region, and a failover to it
only when no other region passes (a bot mid-update, which Lex switches between versions
atomically, beats one that fails). A standby has no callers to move, but it is held all the
same: after a failover the standby is the primary, which failback would pick. Health checks
deployed by an older geobot neither respect nor keep the hold until the functions stage, which
runs after publish, updates them; their outcome has no `held`, and the rollout warns.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from geobot.config import Config
from geobot.targets.aws.callers import Callers, send
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.functions.failover import State
from geobot.targets.aws.lambdas import run_health_check

IN_FLIGHT = 5.0
"""The drain, in seconds. Lex moves an alias to another version between two turns, never within one,
so nothing has to finish before the update but the turns that reached the region as its callers
moved: a turn is answered within the 5 s the health check allows a probe (LEX_CLIENT_CONFIG: 2 s to
connect, 3 s to read) or counts as failed. Calls already connected keep talking to the region's
alias; each of their turns is answered whole by the old version or by the new one."""


class HealthChecks:
    """The deployed health checks (`checks`: the functions stage's `health_checks`), run now."""

    def __init__(self, session: AwsSession, checks: Mapping[str, Any], poll: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session, self.checks, self.poll, self.sleep = session, checks, poll, sleep

    def run(self, avoid: str | None = None) -> dict[str, Any]:
        """One run of the first region's check other than `avoid`'s: every check probes every region."""
        return run_health_check(self.session, self.checks, next(r for r in self.checks if r != avoid))

    def passes(self, region: str, runs: int) -> str | None:
        """None once a run sees the region's probes pass (the intent and its confidence, as online judges);
        else why not after `runs` runs `poll` s apart: as many as would fail callers over away from it."""
        for run in range(runs):
            if run:
                self.sleep(self.poll)
            outcome = self.run(avoid=region)
            if outcome["healthy"].get(region):
                return None
        reasons = outcome["failures"].get(region) or ["no probe passed"]
        return f"its bot fails the health check's probes in {runs} runs: {reasons[0]}"


class RegionMapRotation:
    """The driver's rotation; `home`: the region callers were on when the rollout began (journaled, so a
    resumed rollout still knows it), else the active region of the first run `serving` makes."""

    def __init__(self, checks: HealthChecks, callers: Callers, home: str | None, warn: Callable[[str], None]) -> None:
        self.checks, self.callers, self.home, self.warn = checks, callers, home, warn
        self.healthy: list[str] = []
        self.warned = False

    def serving(self) -> Sequence[str]:
        """The regions a health-check run, made now, sees pass."""
        outcome = self.checks.run()
        self.home = self.home or outcome["active"]
        self.healthy = [region for region, ok in outcome["healthy"].items() if ok]
        if "held" not in outcome and not self.warned:
            self.warned = True
            self.warn("the deployed health checks predate the region map's hold (the functions stage updates them "
                      "after this one): until then an automatic failback could send callers to the region being "
                      "updated, before its check")
        return self.healthy

    def standby_first(self, regions: Sequence[str]) -> list[str]:
        """Callers' region last, so they move to a region already updated and checked."""
        return sorted(regions, key=lambda region: region == self.home)

    def take_out(self, region: str) -> None:
        """Hold the region; callers on it go to another region the last run saw pass (a standby has none)."""
        other = next(r for r in self.healthy if r != region)

        def out(state: State) -> State:
            return dataclasses.replace(send(state, other) if state.active == region else state, held=region)

        self._change(f"take {region} out of rotation in the region map", region, out)
        self.callers.wait(lambda answer: answer != region, "moved them")

    def put_back(self, region: str) -> None:
        """Release the hold; callers go back to the region if it was theirs when the rollout began."""
        home = region == self.home

        def back(state: State) -> State:
            return dataclasses.replace(send(state, region) if home else state,
                                       held=None if state.held == region else state.held)

        self._change(f"put {region} back in rotation in the region map", region, back)
        if home:
            self.callers.wait(lambda answer: answer == region, "moved them back")

    def is_out(self, region: str) -> bool:
        state = self.callers.read()
        return state is not None and state.held == region

    def _change(self, action: str, region: str, change: Callable[[State], State]) -> None:
        """The health checks wrote the item already (the run `serving` made did); the default is a formality."""
        self.callers.change(action, State(self.home or region, datetime.now(UTC).isoformat()), change)


def preview(config: Config) -> str:
    """The plan's line for the publish stage: which mode runs when a serving deployment gets a new model."""
    if config.update == "all-at-once":
        return ("update: all at once: every region's alias moves to its new version together, checked only by the "
                "online stage (speed over caution)")
    return (f"update: rolling, one region at a time, callers' region last: the region map holds the region out of "
            f"rotation (its callers, if any, move to another passing region, as the region check confirms), "
            f"{IN_FLIGHT:g} s for turns in flight, its bot is built and its alias moved to the new version, a "
            f"health-check run must see it pass (within aws.failover_after = {config.aws.failover_after} runs), then "
            "the hold is released and its callers return before the next region; the version it served before stays "
            "until it passes (--all-at-once: all together)")
