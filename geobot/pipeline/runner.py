"""Execute a plan, journaling every stage before and after it runs.

Each step is decided again just before it runs, because an earlier stage's outputs are
inputs of later ones. A failure is journaled as `failed` and raised as StageFailed with the
command that resumes; Ctrl-C is journaled as `interrupted`. Bad input (InputError) keeps its
exit code 2 only while this run has applied nothing: once a stage that changes things has run,
the deployment is half done, and the answer is exit 1 with the command that resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from geobot.errors import GeobotError, InputError, Interrupted, StageFailed
from geobot.pipeline.journal import Journal
from geobot.pipeline.model import Note, Plan, StageErrored, StageFinished, StageSkipped, StageStarted
from geobot.pipeline.planner import decide, fingerprint, plan_deploy, plan_destroy
from geobot.pipeline.stage import Stage, StageContext


class Runner:
    def __init__(self, journal: Journal, emit: Callable[[object], None], resume_command: Callable[[str], str]) -> None:
        self.journal = journal
        self.emit = emit
        self.resume_command = resume_command
        self.applied = False

    def context(self, approve: Callable[[str], bool]) -> StageContext:
        stages = self.journal.load()["stages"]
        progress = {name: record["progress"] for name, record in stages.items() if record.get("progress") is not None}
        return StageContext(self.journal.directory, self.journal.outputs(), self.emit, approve, progress=progress,
                            record_progress=lambda stage, value: self.journal.record(stage, progress=value))

    def plan(self, command: str, stages: Sequence[Stage], ctx: StageContext) -> Plan:
        records = self.journal.load()["stages"]
        return plan_deploy(stages, records, ctx) if command == "deploy" else plan_destroy(stages, records)

    def _announce_previous_run(self) -> None:
        holder = self.journal.previous_holder
        if holder is not None:
            self.emit(Note("", f"the previous run, {holder.describe()}, ended without finishing; resuming", "warning"))

    def deploy(self, stages: Sequence[Stage], ctx: StageContext) -> dict[str, dict[str, Any]]:
        self._announce_previous_run()
        for stage in stages:
            ctx.stage = stage.name
            step = decide(stage, self.journal.stage(stage.name), ctx)
            if step.action == "skip":
                self.emit(StageSkipped(stage.name, step.reason))
                continue
            digest = fingerprint(stage.inputs(ctx))
            outputs = self._execute(stage, "deploy", step.reason, lambda: dict(stage.run(ctx)), "running")
            self.applied = self.applied or not stage.always_run
            self.journal.record(stage.name, status="successful", fingerprint=digest, outputs=outputs, error=None)
            ctx.outputs[stage.name] = outputs
        return ctx.outputs

    def destroy(self, stages: Sequence[Stage], ctx: StageContext) -> None:
        self._announce_previous_run()
        for step in plan_destroy(stages, self.journal.load()["stages"]).steps:
            stage = next(s for s in stages if s.name == step.stage)
            ctx.stage = stage.name
            if step.action == "skip":
                self.emit(StageSkipped(stage.name, step.reason))
                continue
            self._execute(stage, "destroy", step.reason, lambda: stage.teardown(ctx) or {}, "destroying")
            self.applied = True
            self.journal.record(stage.name, status="destroyed", outputs={}, error=None)
            ctx.outputs.pop(stage.name, None)

    def _execute(self, stage: Stage, command: str, reason: str, body: Callable[[], Any], status: str) -> Any:
        started = time.monotonic()
        self.journal.record(stage.name, status=status, started_at=time.time(), error=None)
        self.emit(StageStarted(stage.name, command, reason))
        try:
            result = body()
        except KeyboardInterrupt:
            self.journal.record(stage.name, status="interrupted", error="interrupted by the user")
            self.emit(StageErrored(stage.name, time.monotonic() - started, "interrupted"))
            raise Interrupted(
                f"interrupted during stage {stage.name}",
                f"run `{self.resume_command(command)}` to resume from stage {stage.name}",
            ) from None
        except InputError as exc:
            if not self.applied:
                self.journal.record(stage.name, status="failed", error=exc.message)
                self.emit(StageErrored(stage.name, time.monotonic() - started, exc.message))
                raise
            self._failed(stage, command, started, exc)
        except Exception as exc:
            self._failed(stage, command, started, exc)
        self.emit(StageFinished(stage.name, time.monotonic() - started, result if isinstance(result, dict) else {}))
        return result

    def _failed(self, stage: Stage, command: str, started: float, exc: Exception) -> NoReturn:
        error = StageFailed(stage.name, exc, self.resume_command(command))
        self.journal.record(stage.name, status="failed", error=error.message)
        cause = exc.message if isinstance(exc, GeobotError) else f"{type(exc).__name__}: {exc}"
        self.emit(StageErrored(stage.name, time.monotonic() - started, cause))
        if isinstance(exc, GeobotError) and exc.hint:
            error.hint = f"{exc.hint}; then run `{self.resume_command(command)}` to resume from stage {stage.name}"
        raise error from exc
