"""The rollout's record decides every next step, so a killed run resumes where it was."""

from __future__ import annotations

import pytest

from geobot.rollout.machine import Rollout, Step, choose_mode, unfinished

DRAIN = 10.0


def walk(rollout: Rollout, now: float = 100.0) -> list[tuple[str, str | None]]:
    """Every step to the end, as if each succeeded at once."""
    steps = []
    while (step := rollout.next_step(now, DRAIN)).action != "done":
        steps.append((step.action, step.region))
        if step.action == "take-out":
            rollout = rollout.leaving(step.region)
        rollout = rollout.advance(step, now + (DRAIN if step.action == "drain" else 0))
        now += DRAIN if step.action == "drain" else 0
    return steps


def test_each_region_goes_out_drains_updates_checks_and_returns_before_the_next_leaves() -> None:
    assert walk(Rollout.begin(["a", "b"], None)) == [
        ("take-out", "a"), ("drain", "a"), ("update", "a"), ("check", "a"), ("put-back", "a"),
        ("take-out", "b"), ("drain", "b"), ("update", "b"), ("check", "b"), ("put-back", "b"),
    ]


def test_at_most_one_region_is_ever_out_of_rotation() -> None:
    rollout, now, out = Rollout.begin(["a", "b", "c"], None), 0.0, set()
    while (step := rollout.next_step(now, DRAIN)).action != "done":
        if step.action == "take-out":
            out.add(step.region)
            rollout = rollout.leaving(step.region)
        elif step.action == "put-back":
            out.discard(step.region)
        assert len(out) <= 1
        rollout = rollout.advance(step, now)
        now += step.wait
    assert rollout.done == ("a", "b", "c")


def test_the_drain_waits_only_what_is_left_since_the_region_went_out() -> None:
    out = Rollout(("a",), current="a", phase="out", out_at=100.0)
    assert out.next_step(104.0, DRAIN) == Step("drain", "a", 6.0)
    assert out.next_step(115.0, DRAIN) == Step("drain", "a", 0.0)


@pytest.mark.parametrize(("phase", "first"), [
    ("leaving", "take-out"), ("out", "drain"), ("drained", "update"), ("updated", "check"),
    ("returning", "put-back"), ("failed", "update"),
])
def test_a_resumed_rollout_finishes_the_region_left_out_before_any_other(phase: str, first: str) -> None:
    killed = Rollout(("a", "b", "c"), done=("a",), current="b", phase=phase, out_at=50.0)
    resumed = Rollout.begin(["c"], killed.record())
    assert resumed.regions == ("b", "c") and resumed.current == "b"
    steps = walk(resumed)
    assert steps[0] == (first, "b")
    assert steps.index(("put-back", "b")) < steps.index(("take-out", "c"))


def test_a_finished_rollout_leaves_nothing_to_resume() -> None:
    finished = Rollout(("a", "b"), done=("a", "b"))
    assert Rollout.begin(["c"], finished.record()) == Rollout(("c",))


def test_the_record_survives_the_journal() -> None:
    rollout = Rollout(("a", "b"), done=("a",), current="b", phase="failed", out_at=12.5, error="503")
    assert Rollout.load(rollout.record()) == rollout
    assert Rollout.load(None) is None


def test_a_region_found_back_in_rotation_must_leave_and_drain_again() -> None:
    stranded = Rollout(("a",), current="a", phase="updated", out_at=1.0)
    assert stranded.back_in().next_step(2.0, DRAIN) == Step("take-out", "a")


@pytest.mark.parametrize(("setting", "changed", "stranded", "regions", "serving", "mode"), [
    ("rolling", [], None, 2, ["a", "b"], None),
    ("rolling", ["a"], None, 2, ["a", "b"], "rolling"),
    ("rolling", ["a"], None, 2, None, "all-at-once"),  # no router: nothing is served
    ("all-at-once", ["a", "b"], None, 2, ["a", "b"], "all-at-once"),
    ("rolling", ["a"], None, 1, ["a"], "all-at-once"),  # nothing else could serve
    ("rolling", ["a"], None, 2, [], "all-at-once"),  # no traffic to keep
    ("rolling", [], "b", 2, ["a"], "rolling"),  # a killed rollout resumes even with nothing new
    ("all-at-once", [], "b", 2, ["a"], "all-at-once"),
])
def test_the_mode_follows_the_setting_unless_there_is_nothing_to_keep_serving(
        setting: str, changed: list[str], stranded: str | None, regions: int, serving: list[str] | None,
        mode: str | None) -> None:
    chosen, why = choose_mode(setting, changed, stranded, regions, serving)
    assert chosen == mode and why


def test_status_names_the_region_a_run_left_out_and_why() -> None:
    halted = Rollout(("a", "b")).leaving("a").failed("its health check answers 503")
    assert unfinished(halted.record()) == ("rolling update unfinished: region a is out of rotation at step failed "
                                           "(its health check answers 503); `geobot deploy` resumes it")
    assert unfinished(Rollout(("a", "b"), done=("a", "b")).record()) is None and unfinished(None) is None
