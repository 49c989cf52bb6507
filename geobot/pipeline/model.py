"""Plans and progress events: data only, so they can be printed, compared and tested."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["run", "skip"]
Reason = Literal["new", "changed", "unfinished", "unchanged", "always", "deployed", "destroyed"]


@dataclass(frozen=True)
class Step:
    stage: str
    description: str
    action: Action
    reason: Reason


@dataclass(frozen=True)
class Plan:
    command: Literal["deploy", "destroy"]
    steps: tuple[Step, ...]

    @property
    def to_run(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action == "run")


@dataclass(frozen=True)
class StageStarted:
    stage: str
    command: str
    reason: str


@dataclass(frozen=True)
class StageSkipped:
    stage: str
    reason: str


@dataclass(frozen=True)
class StageFinished:
    stage: str
    elapsed: float
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StageErrored:
    stage: str
    elapsed: float
    error: str


@dataclass(frozen=True)
class Note:
    """Something a stage wants the user to know (a warning, a URL, a next step)."""

    stage: str
    text: str
    level: Literal["info", "warning"] = "info"


PipelineEvent = StageStarted | StageSkipped | StageFinished | StageErrored | Note
