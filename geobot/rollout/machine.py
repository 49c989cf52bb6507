"""The rollout as a pure state machine: a journaled record in, the next step out.

One region at a time goes leaving → out → drained → updated → returning → done. The record
says which region is out of rotation, since when, and how far its update got, so a run that
was killed resumes that region first and only then takes the next one out: two regions are
never out of rotation at once. Nothing here sleeps, probes or writes; `driver` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

Phase = Literal["leaving", "out", "drained", "updated", "returning", "failed"]
Action = Literal["take-out", "drain", "update", "check", "put-back", "done"]
PHASES: tuple[Phase, ...] = get_args(Phase)
_ACTION: dict[Phase, Action] = {"leaving": "take-out", "out": "drain", "drained": "update", "updated": "check",
                                "returning": "put-back", "failed": "update"}


@dataclass(frozen=True)
class Step:
    action: Action
    region: str | None = None
    wait: float = 0.0  # drain: seconds still to wait


@dataclass(frozen=True)
class Rollout:
    """What the journal keeps: the regions to update in order, those done, the one out of rotation."""

    regions: tuple[str, ...]
    done: tuple[str, ...] = ()
    current: str | None = None
    phase: Phase | None = None
    out_at: float | None = None  # Unix time the rotation confirmed the region out
    error: str | None = None

    @classmethod
    def begin(cls, changed: Iterable[str], previous: Mapping[str, Any] | None) -> Rollout:
        """A new rollout of `changed`; a region a killed or failed run left out of rotation comes first."""
        interrupted = cls.load(previous)
        if interrupted is None or interrupted.current is None:
            return cls(tuple(changed))
        first = interrupted.current
        return cls((first, *(r for r in changed if r != first)), current=first, phase=interrupted.phase,
                   out_at=interrupted.out_at, error=interrupted.error)

    @classmethod
    def load(cls, record: Mapping[str, Any] | None) -> Rollout | None:
        if not record:
            return None
        phase = record.get("phase")
        return cls(tuple(record.get("regions", ())), tuple(record.get("done", ())), record.get("current"),
                   phase if phase in PHASES else None, record.get("out_at"), record.get("error"))

    def record(self) -> dict[str, Any]:
        return {"regions": list(self.regions), "done": list(self.done), "current": self.current,
                "phase": self.phase, "out_at": self.out_at, "error": self.error}

    @property
    def in_progress(self) -> bool:
        return self.current is not None

    def next_step(self, now: float, drain: float) -> Step:
        """What to do now; `drain` is how long a region stays out before its update."""
        if self.current is None:
            pending = [r for r in self.regions if r not in self.done]
            return Step("take-out", pending[0]) if pending else Step("done")
        action = _ACTION[self.phase or "leaving"]
        if action == "drain":
            return Step("drain", self.current, max(0.0, (self.out_at or now) + drain - now))
        return Step(action, self.current)

    def advance(self, step: Step, now: float) -> Rollout:
        """The record once `step` succeeded."""
        match step.action:
            case "take-out":
                return replace(self, current=step.region, phase="out", out_at=now, error=None)
            case "drain":
                return replace(self, phase="drained")
            case "update":
                return replace(self, phase="updated")
            case "check":
                return replace(self, phase="returning")
            case "put-back":
                return replace(self, done=(*self.done, step.region), current=None, phase=None, out_at=None)
        return self

    def leaving(self, region: str) -> Rollout:
        """Recorded before the region is taken out, so a kill in between still finds it."""
        return replace(self, current=region, phase="leaving", out_at=None, error=None)

    def back_in(self) -> Rollout:
        """The region was found in rotation although the record says out (something put it back):
        it leaves again and its clients' answers must expire again."""
        return replace(self, phase="leaving", out_at=None)

    def failed(self, error: str) -> Rollout:
        return replace(self, phase="failed", error=error)


def unfinished(record: Mapping[str, Any] | None) -> str | None:
    """What `geobot status` says of a rolling update a run left unfinished: which region is out, and why."""
    rollout = Rollout.load(record)
    if rollout is None or rollout.current is None:
        return None
    why = f" ({rollout.error})" if rollout.error else ""
    return (f"rolling update unfinished: region {rollout.current} is out of rotation at step {rollout.phase}{why}; "
            "`geobot deploy` resumes it")


Mode = Literal["rolling", "all-at-once"]


def choose_mode(setting: str, changed: Sequence[str], stranded: str | None, regions: int,
                serving: Sequence[str] | None) -> tuple[Mode | None, str]:
    """How this deploy updates its regions, and why; None when there is nothing to update.

    `changed`: running regions whose code or settings changed; `stranded`: the region a
    previous run left out of rotation; `serving`: the regions Online now (None: no router).
    """
    if not changed and stranded is None:
        return None, "no running region's code or settings changed"
    if serving is None:
        return "all-at-once", "the router does not answer, so nothing is being served"
    if setting == "all-at-once":
        return "all-at-once", "update = all-at-once: every changed region restarts together"
    if regions < 2:
        return "all-at-once", "one region only: nothing else could serve while it restarts"
    if stranded is not None:
        return "rolling", f"resuming at region {stranded}, which a previous run left out of rotation"
    if not serving:
        return "all-at-once", "no region is Online, so there is no traffic to keep"
    return "rolling", "one region at a time"
