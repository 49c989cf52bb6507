"""Carries out a rollout step by step through a target's rotation and updater, journaling each.

The rotation takes a region out of rotation and puts it back, each confirmed by the router
(or Traffic Manager) before it returns; the updater replaces a region's code and runs its deep
health check. A region is taken out only while another one serves, and only after the one
before it is back, so at most one region is ever out. A region that fails its check halts the
rollout and stays out: the others keep serving the version they ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from geobot.errors import CloudError
from geobot.rollout.machine import Rollout, Step

POLL_SECONDS = 0.2
STRANDED_PHASES = ("out", "drained", "updated", "failed")  # the record says out of rotation


class Rotation(Protocol):
    def take_out(self, region: str) -> None:
        """Take the region out of rotation; return once the router confirms it."""
        ...

    def put_back(self, region: str) -> None:
        """Put the region back; return once the router reports it serving."""
        ...

    def is_out(self, region: str) -> bool: ...

    def serving(self) -> Sequence[str]:
        """The regions serving now (Online at the router)."""
        ...


class Updater(Protocol):
    def update(self, region: str) -> None:
        """Give the region the new code and settings (a no-op if it has them already)."""
        ...

    def check(self, region: str) -> str | None:
        """Its deep health check on the new version: None when it passes, else why not."""
        ...


class RolloutHalted(CloudError):
    """A region failed its health check after its update; it stays out of rotation."""

    def __init__(self, region: str, why: str, rollback: str) -> None:
        super().__init__(f"rolling update halted at region {region}: {why}; {region} stays out of rotation, "
                         "the other regions keep serving the version they ran", rollback)
        self.region = region


@dataclass
class Driver:
    rotation: Rotation
    updater: Updater
    drain: float  # seconds a region stays out before its update: cached DNS answers expire
    checkpoint: Callable[[Rollout], None]
    note: Callable[[str], None]
    rollback: str  # the hint of a halted rollout: how to go back to the previous version
    settle: float = 30.0  # seconds another region may take to come Online before one is taken out
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def run(self, rollout: Rollout) -> Rollout:
        """Update every region of `rollout`, resuming the one a previous run left out of rotation."""
        if rollout.current is not None and rollout.phase in STRANDED_PHASES and not self.rotation.is_out(rollout.current):
            rollout = self._save(rollout.back_in())
        while (step := rollout.next_step(self.clock(), self.drain)).action != "done":
            rollout = self._save(self._act(rollout, step).advance(step, self.clock()))
        return rollout

    def _act(self, rollout: Rollout, step: Step) -> Rollout:
        region = step.region
        assert region is not None
        if step.action == "take-out":
            self._others_serve(region)
            rollout = self._save(rollout.leaving(region))
            self.rotation.take_out(region)
            self.note(f"{region}: out of rotation; waiting {self.drain:g} s for cached answers and requests in flight")
        elif step.action == "drain":
            self.sleep(step.wait)
        elif step.action == "update":
            self.updater.update(region)
        elif step.action == "check":
            why = self.updater.check(region)
            if why is not None:
                self._save(rollout.failed(why))
                raise RolloutHalted(region, why, self.rollback)
        elif step.action == "put-back":
            self.rotation.put_back(region)
            self.note(f"{region}: updated and back in rotation")
        return rollout

    def _others_serve(self, region: str) -> None:
        deadline = self.clock() + self.settle
        while not [r for r in self.rotation.serving() if r != region]:
            if self.clock() >= deadline:
                raise CloudError(f"region {region} cannot be taken out of rotation: no other region is Online, "
                                 "so nothing would serve during its update",
                                 "bring the other regions back (`geobot status` says why they are not Online), "
                                 "or accept an outage with `geobot deploy --all-at-once`")
            self.sleep(POLL_SECONDS)

    def _save(self, rollout: Rollout) -> Rollout:
        self.checkpoint(rollout)
        return rollout
