"""What a target supplies: stages with a name, inputs, a run step and a teardown.

Inputs are fingerprinted to decide whether a finished stage must run again, so they must be
JSON-serialisable and must not contain secrets (hash a secret if a change of it matters).
Outputs are journaled and shown: they must not contain secrets either. A stage that works in
steps a kill must not repeat (a rolling update) journals its progress as it goes and reads it
back on the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geobot.pipeline.model import Note, PipelineEvent


@dataclass
class StageContext:
    """Per-run data handed to each stage. Collaborators come through stage constructors."""

    workdir: Path
    outputs: dict[str, dict[str, Any]]
    emit: Callable[[object], None]
    approve: Callable[[str], bool]
    stage: str = ""
    progress: dict[str, Any] = field(default_factory=dict)  # each stage's last journaled progress
    record_progress: Callable[[str, Any], None] = lambda stage, value: None

    def checkpoint(self, value: Any) -> None:
        """Journal this stage's progress now (JSON, no secrets), before the next step runs."""
        self.progress[self.stage] = value
        self.record_progress(self.stage, value)

    def last_progress(self) -> Any:
        """What this stage journaled last, in this run or an earlier one; None if nothing."""
        return self.progress.get(self.stage)

    def note(self, text: str, level: str = "info") -> None:
        self.emit(Note(self.stage, text, level))  # type: ignore[arg-type]

    def output_of(self, stage: str) -> Mapping[str, Any]:
        return self.outputs.get(stage, {})


class Stage:
    """Base class: override `run`, and `inputs`/`teardown` when the stage has them."""

    name: str = ""
    description: str = ""
    always_run: bool = False

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return {}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        raise NotImplementedError

    def preview(self, ctx: StageContext) -> str | None:
        """What running would change, computed without changing anything (for `geobot plan`)."""
        return None

    def teardown(self, ctx: StageContext) -> None:
        return None


Emit = Callable[[PipelineEvent], None]
