"""The failover state machine on its own: hysteresis, failback, manual mode, all down, flapping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from geobot.targets.aws.functions.failover import Policy, State, advance, initial

A, B = "us-east-1", "us-west-2"


def play(checks: Iterable[tuple[bool, bool]], failback: str = "auto") -> tuple[State, list[str]]:
    """Feed (primary healthy, secondary healthy) checks; return the end state and events."""
    policy = Policy(regions=(A, B), failover_after=3, failback_after=2, failback=failback)
    state, events = initial(policy, "t0"), []
    for n, (a, b) in enumerate(checks, start=1):
        step = advance(state, {A: a, B: b}, policy, f"t{n}")
        state = step.state
        events.append(step.event)
    return state, events


def test_failover_only_after_n_consecutive_failures() -> None:
    state, events = play([(False, True)] * 2)
    assert state.active == A and events == ["stay", "stay"]
    state, events = play([(False, True)] * 3)
    assert state.active == B and events[-1] == "failover" and state.changed_at == "t3"


def test_failback_after_m_consecutive_primary_successes() -> None:
    state, events = play([(False, True)] * 3 + [(True, True)])
    assert state.active == B
    state, events = play([(False, True)] * 3 + [(True, True)] * 2)
    assert state.active == A and events[-1] == "failback" and state.changed_at == "t5"


def test_manual_mode_never_fails_back() -> None:
    state, events = play([(False, True)] * 3 + [(True, True)] * 50, failback="manual")
    assert state.active == B and events.count("failback") == 0


def test_manual_mode_still_fails_over_away_from_a_failing_secondary() -> None:
    state, _ = play([(False, True)] * 3 + [(True, False)] * 3, failback="manual")
    assert state.active == A


def test_all_down_keeps_the_active_region_and_flags_it() -> None:
    state, events = play([(False, False)] * 5)
    assert state.active == A and state.all_down and set(events) == {"all_down"}
    assert state.counters[A].failures == 5


def test_all_down_after_failover_keeps_the_last_healthy_region() -> None:
    state, events = play([(False, True)] * 3 + [(False, False)] * 4)
    assert state.active == B and state.all_down and events[-1] == "all_down"


def test_recovery_clears_the_all_down_flag() -> None:
    state, events = play([(False, False)] * 2 + [(True, True)])
    assert not state.all_down and events[-1] == "stay"


def test_failover_picks_the_region_passing_longest_of_three() -> None:
    c = "eu-west-1"
    policy = Policy(regions=(A, B, c), failover_after=2, failback_after=2)
    state = initial(policy, "t0")
    for a, b, cc in [(True, False, True), (False, True, True), (False, True, True)]:
        state = advance(state, {A: a, B: b, c: cc}, policy, "t").state
    assert state.active == c


def test_flapping_primary_never_loses_traffic() -> None:
    state, events = play([(False, True), (False, True), (True, True)] * 10)
    assert state.active == A and set(events) == {"stay"}


def test_flapping_primary_does_not_win_traffic_back() -> None:
    state, events = play([(False, True)] * 3 + [(True, True), (False, True)] * 10)
    assert state.active == B and events.count("failover") == 1 and "failback" not in events


def test_an_unknown_active_value_is_replaced_by_the_primary() -> None:
    policy = Policy(regions=(A, B), failover_after=3, failback_after=2)
    step = advance(State(active="err", changed_at="t0"), {A: True, B: True}, policy, "t1")
    assert step.state.active == A


def test_a_held_primary_wins_no_failback_until_the_hold_is_released() -> None:
    policy = Policy(regions=(A, B), failover_after=3, failback_after=2)
    state = replace(initial(policy, "t0"), active=B, held=A)
    for n in range(1, 11):
        state = advance(state, {A: True, B: True}, policy, f"t{n}").state
    assert state.active == B and state.held == A
    released = advance(replace(state, held=None), {A: True, B: True}, policy, "t11")
    assert released.event == "failback" and released.state.active == A


def test_a_failover_goes_to_the_held_region_only_when_no_other_passes() -> None:
    c = "eu-west-1"
    policy = Policy(regions=(A, B, c), failover_after=1, failback_after=2)
    held_b = replace(initial(policy, "t0"), held=B)
    assert advance(held_b, {A: False, B: True, c: True}, policy, "t1").state.active == c
    assert advance(held_b, {A: False, B: True, c: False}, policy, "t1").state.active == B
