"""The runner journals every stage before and after it runs, so any run can be resumed."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot.errors import ConfigError, Interrupted, StageFailed
from geobot.pipeline.journal import Journal
from geobot.pipeline.model import StageFinished, StageSkipped, StageStarted
from geobot.pipeline.runner import Runner
from geobot.pipeline.stage import Stage, StageContext


class Counting(Stage):
    """A stage that counts its runs and teardowns and can be told to fail once."""

    def __init__(self, name: str, fail_with: BaseException | None = None, inputs: dict | None = None) -> None:
        self.name = name
        self.description = f"the {name} stage"
        self.runs = 0
        self.teardowns = 0
        self.fail_with = fail_with
        self._inputs = inputs or {}

    def inputs(self, ctx: StageContext) -> dict:
        upstream = {} if self.name == "first" else dict(ctx.output_of("first"))
        return {**self._inputs, "upstream": upstream}

    def run(self, ctx: StageContext) -> dict:
        self.runs += 1
        if self.fail_with is not None:
            failure, self.fail_with = self.fail_with, None
            raise failure
        return {"made_by": self.name, "run": self.runs}

    def teardown(self, ctx: StageContext) -> None:
        self.teardowns += 1


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "bot", "bot", "local")


def run(journal: Journal, stages: list[Counting], command: str = "deploy") -> list[object]:
    events: list[object] = []
    runner = Runner(journal, events.append, lambda cmd: f"geobot {cmd}")
    ctx = runner.context(lambda question: True)
    if command == "deploy":
        runner.deploy(stages, ctx)
    else:
        runner.destroy(stages, ctx)
    return events


def test_a_deploy_runs_every_stage_and_journals_its_outputs(journal: Journal) -> None:
    stages = [Counting("first"), Counting("second")]
    events = run(journal, stages)
    assert [type(e) for e in events] == [StageStarted, StageFinished, StageStarted, StageFinished]
    assert journal.stage("second")["status"] == "successful"
    assert Journal(journal.directory, "bot", "local").stage("first")["outputs"] == {"made_by": "first", "run": 1}


def test_a_failed_stage_is_journaled_and_the_rerun_resumes_there(journal: Journal) -> None:
    first, second, third = Counting("first"), Counting("second", RuntimeError("quota exceeded")), Counting("third")
    with pytest.raises(StageFailed) as failed:
        run(journal, [first, second, third])
    assert failed.value.message == "stage second failed: RuntimeError: quota exceeded"
    assert "geobot deploy" in failed.value.hint and "resume from stage second" in failed.value.hint
    assert journal.stage("second")["status"] == "failed"
    assert third.runs == 0

    events = run(journal, [first, second, third])
    assert (first.runs, second.runs, third.runs) == (1, 2, 1)
    assert isinstance(events[0], StageSkipped) and events[0].reason == "unchanged"


def test_an_interrupt_is_journaled_as_interrupted(journal: Journal) -> None:
    with pytest.raises(Interrupted, match="during stage first"):
        run(journal, [Counting("first", KeyboardInterrupt())])
    assert journal.stage("first")["status"] == "interrupted"


def test_bad_input_found_before_anything_is_applied_keeps_its_own_error(journal: Journal) -> None:
    problem = ConfigError("name", "x", "is taken", "choose another")
    with pytest.raises(ConfigError):
        run(journal, [Counting("first", problem)])
    assert journal.stage("first")["status"] == "failed"


def test_bad_input_found_after_a_stage_applied_something_is_a_failure_to_resume(journal: Journal) -> None:
    problem = ConfigError("name", "x", "is taken", "choose another")
    with pytest.raises(StageFailed) as raised:
        run(journal, [Counting("first"), Counting("second", problem)])
    assert raised.value.exit_code == 1
    assert raised.value.hint == "choose another; then run `geobot deploy` to resume from stage second"
    assert journal.stage("second")["status"] == "failed"


def test_a_changed_upstream_output_reruns_the_stages_that_read_it(journal: Journal) -> None:
    first, second = Counting("first"), Counting("second")
    run(journal, [first, second])
    journal.record("first", status="failed")
    run(journal, [first, second])
    assert (first.runs, second.runs) == (2, 2)


def test_destroy_tears_down_in_reverse_and_can_resume(journal: Journal) -> None:
    first, second = Counting("first"), Counting("second")
    run(journal, [first, second])
    first.teardown = lambda ctx: (_ for _ in ()).throw(RuntimeError("still in use"))  # type: ignore[method-assign]
    with pytest.raises(StageFailed, match="stage first failed"):
        run(journal, [first, second], "destroy")
    assert journal.stage("second")["status"] == "destroyed"
    assert journal.stage("first")["status"] == "failed"

    del first.teardown
    events = run(journal, [first, second], "destroy")
    assert [(type(e).__name__, e.stage) for e in events] == [
        ("StageSkipped", "second"),
        ("StageStarted", "first"),
        ("StageFinished", "first"),
    ]
    assert (first.teardowns, second.teardowns) == (1, 1)


def test_the_journal_keeps_the_error_of_a_failed_stage(journal: Journal) -> None:
    with pytest.raises(StageFailed):
        run(journal, [Counting("first", OSError("disk full"))])
    assert journal.stage("first")["error"] == "stage first failed: OSError: disk full"


class Stepping(Stage):
    """Journals its progress after each step and is killed (KeyboardInterrupt) after `kill_after` steps."""

    name = "stepping"
    always_run = True

    def __init__(self, kill_after: int | None = None) -> None:
        self.kill_after = kill_after
        self.resumed_from: object = None

    def run(self, ctx: StageContext) -> dict:
        self.resumed_from = ctx.last_progress()
        start = 0 if self.resumed_from is None else self.resumed_from["step"]
        for step in range(start + 1, 4):
            ctx.checkpoint({"step": step})
            if step == self.kill_after:
                raise KeyboardInterrupt
        return {}


def test_a_stages_progress_is_journaled_as_it_goes_and_read_back_by_the_next_run(journal: Journal) -> None:
    with pytest.raises(Interrupted):
        run(journal, [Stepping(kill_after=2)])
    assert Journal(journal.directory, "bot", "local").stage("stepping")["progress"] == {"step": 2}

    resumed = Stepping()
    run(journal, [resumed])
    assert resumed.resumed_from == {"step": 2}
    assert journal.stage("stepping")["progress"] == {"step": 3}
