"""The planner decides which stages run from the journal record alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot.pipeline.planner import decide, fingerprint, plan_destroy
from geobot.pipeline.stage import Stage, StageContext


class Recorded(Stage):
    def __init__(self, name: str, inputs: dict, always: bool = False) -> None:
        self.name = name
        self._inputs = inputs
        self.always_run = always

    def inputs(self, ctx: StageContext) -> dict:
        return self._inputs


def context() -> StageContext:
    return StageContext(Path("."), {}, lambda event: None, lambda question: False)


@pytest.mark.parametrize(
    ("record", "action", "reason"),
    [
        ({}, "run", "new"),
        ({"status": "running"}, "run", "unfinished"),
        ({"status": "failed"}, "run", "unfinished"),
        ({"status": "interrupted"}, "run", "unfinished"),
        ({"status": "destroyed"}, "run", "new"),
        ({"status": "successful", "fingerprint": "stale"}, "run", "changed"),
        ({"status": "successful", "fingerprint": fingerprint({"a": 1})}, "skip", "unchanged"),
    ],
)
def test_a_stage_runs_unless_it_finished_with_the_same_inputs(record: dict, action: str, reason: str) -> None:
    step = decide(Recorded("infra", {"a": 1}), record, context())
    assert (step.action, step.reason) == (action, reason)


def test_an_always_run_stage_runs_even_when_unchanged() -> None:
    record = {"status": "successful", "fingerprint": fingerprint({})}
    assert decide(Recorded("health", {}, always=True), record, context()).reason == "always"


def test_fingerprints_ignore_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_destroy_plans_teardowns_in_reverse_and_skips_what_is_gone() -> None:
    stages = [Recorded("one", {}), Recorded("two", {}), Recorded("three", {})]
    records = {"one": {"status": "successful"}, "two": {"status": "destroying"}, "three": {"status": "destroyed"}}
    plan = plan_destroy(stages, records)
    assert [(s.stage, s.action, s.reason) for s in plan.steps] == [
        ("three", "skip", "destroyed"),
        ("two", "run", "unfinished"),
        ("one", "run", "deployed"),
    ]
