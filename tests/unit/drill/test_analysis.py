"""Every number of the analysis, computed from a router log and user records written by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from geobot.drill.analysis import Mark, analyse, fault_windows, requests
from geobot.drill.users import TurnRecord

T0 = 1000.0
KC, SEA = "koreacentral", "southeastasia"
PREFIX = "drill-abc-"
MARKS = [Mark(T0 + 5, "inject", "SIGKILL"), Mark(T0 + 12, "clear", "start")]


def request(start: float, client: str, endpoint: str | None, status: int, *, attempts: list[str] | None = None,
            ms: float = 40.0) -> dict[str, Any]:
    """A request line as the router writes it: `time` is when it ended."""
    return {"time": T0 + start + ms / 1000, "event": "request", "client": client, "method": "POST",
            "path": "/api/messages", "endpoint": endpoint, "status": status, "ms": ms,
            "attempts": attempts if attempts is not None else ([endpoint] if endpoint else []), "error": None}


def monitor(at: float, endpoint: str, before: str, after: str) -> dict[str, Any]:
    return {"time": T0 + at, "event": "monitor", "endpoint": endpoint, "from": before, "to": after, "reason": "probe"}


A, B = PREFIX + "000", PREFIX + "001"
LOG = [
    request(1.0, A, KC, 200), request(2.0, B, KC, 200), request(3.5, A, KC, 200),
    request(5.5, A, KC, 502), request(6.5, B, KC, 502),
    request(6.0, "someone-else", KC, 502),  # not this drill's user
    request(7.0, A, SEA, 200, attempts=[KC, SEA]),  # retried: it was sent to the broken region first
    monitor(7.5, KC, "Online", "Degraded"),
    monitor(7.6, SEA, "Online", "Online"),  # another region: never a switch of the drilled one
    request(8.0, B, SEA, 200), request(8.3, A, KC, 502, ms=1200),  # a slow failure, started at 8.3
    request(9.0, B, SEA, 200), request(10.0, A, SEA, 200),
    request(13.0, B, SEA, 200), monitor(13.2, KC, "Degraded", "Online"), request(14.0, A, KC, 200),
    request(19.5, B, KC, 200),
]


def turn(user: str, start: float, status: int | None, verdict: str = "ok", conversation: int = 0) -> TurnRecord:
    return TurnRecord(user, conversation, "book", "hi", T0 + start, 0.04, KC, status, None if status == 200 else "HTTP",
                      verdict)  # type: ignore[arg-type]


TURNS = [
    turn(A, 1.0, 200), turn(A, 3.5, 200), turn(A, 5.5, 502, "failed"), turn(A, 7.0, 200), turn(A, 8.3, 502, "failed"),
    turn(A, 10.0, 200, "lost"), turn(A, 14.0, 200, conversation=1),
    turn(B, 2.0, 200), turn(B, 6.5, 502, "failed"), turn(B, 8.0, 200), turn(B, 9.0, 200), turn(B, 13.0, 200),
    turn(B, 19.5, 200),
]


def measure(log: list[dict[str, Any]] = LOG, turns: list[TurnRecord] = TURNS, marks: list[Mark] = MARKS):
    return analyse(log, turns, marks, region=KC, regions=[KC, SEA], prefix=PREFIX, started=T0, ended=T0 + 20)


def test_detection_is_the_first_monitor_event_leaving_online_after_the_fault() -> None:
    m = measure()
    assert m.detection == pytest.approx(2.5) and m.detection_reason == "probe"


def test_recovery_is_the_start_of_the_last_request_sent_to_the_region_while_broken() -> None:
    m = measure()
    assert m.last_sent_at == pytest.approx(T0 + 8.3)  # its `time` is 9.5: it started 1.2 s earlier
    assert m.moved_off and m.recovery == pytest.approx(3.3)


def test_no_recovery_when_traffic_never_left_the_region() -> None:
    stuck = [e for e in LOG if not (e["event"] == "request" and e["endpoint"] == SEA and e["time"] > T0 + 8.3)]
    m = measure(stuck)
    assert not m.moved_off and m.recovery is None


def test_recovery_is_zero_when_no_request_went_to_the_region_after_the_fault() -> None:
    elsewhere = [e for e in LOG if not (e["event"] == "request" and KC in e["attempts"] and T0 + 5 <= e["time"] < T0 + 12)]
    m = measure(elsewhere)
    assert m.last_sent_at is None and m.recovery == 0.0


def test_failures_lost_states_and_conversations_are_counted() -> None:
    m = measure()
    assert (m.turns, m.failed_turns, m.failed_requests) == (13, 3, 3)
    assert (m.lost_turns, m.conversations, m.lost_conversations) == (1, 3, 1)


def test_failback_to_online_and_to_traffic() -> None:
    m = measure()
    assert m.failback_online == pytest.approx(1.2)
    assert m.failback_traffic == pytest.approx(2.0)


def test_failback_is_zero_when_the_region_was_already_online_when_cleared() -> None:
    log = [*LOG, monitor(11.0, KC, "Degraded", "Online")]
    m = measure(sorted(log, key=lambda e: e["time"]))
    assert m.failback_online == 0.0


def test_switches_count_only_changes_between_serving_and_not() -> None:
    log = [*LOG, monitor(15.0, KC, "Online", "Degraded"), monitor(16.0, KC, "Degraded", "CheckingEndpoint"),
           monitor(16.5, KC, "CheckingEndpoint", "Online"), monitor(0.2, KC, None, "CheckingEndpoint")]
    m = measure(log)
    assert [(s.time - T0, s.after) for s in m.switches] == [
        (pytest.approx(7.5), "Degraded"), (pytest.approx(13.2), "Online"),
        (pytest.approx(15.0), "Degraded"), (pytest.approx(16.0), "CheckingEndpoint")]
    assert m.shortest_out == pytest.approx(1.0)


def test_no_detection_and_no_switch_when_the_monitor_never_moved() -> None:
    m = measure([e for e in LOG if e["event"] == "request"])
    assert m.detection is None and m.switches == () and m.failback_online is None and m.shortest_out is None


def test_the_timeline_counts_each_request_in_the_second_it_started() -> None:
    m = measure()
    assert len(m.timeline[KC]) == 20
    assert m.timeline[KC][:4] == [0, 1, 1, 1]
    assert m.timeline["failed"][5] == 1 and m.timeline["failed"][6] == 1 and m.timeline["failed"][8] == 1
    assert m.timeline[SEA][7] == 1 and m.timeline[SEA][8] == 1  # the retried request was served by SEA
    assert sum(m.timeline[KC]) == 5 and sum(m.timeline[SEA]) == 5 and sum(m.timeline["failed"]) == 3


def test_phases_give_requests_per_second_by_region_and_failures() -> None:
    m = measure()
    assert m.phases["before"] == {KC: pytest.approx(3 / 5), SEA: 0.0, "failed": 0}
    assert m.phases["fault"] == {KC: 0.0, SEA: pytest.approx(4 / 7), "failed": 3}
    assert m.phases["after"] == {KC: pytest.approx(2 / 8), SEA: pytest.approx(1 / 8), "failed": 0}


def test_the_users_and_the_router_log_agree() -> None:
    agreement = measure().agreement
    assert agreement.agrees and (agreement.client_turns, agreement.router_requests) == (13, 13)


def test_a_status_the_router_did_not_log_is_a_mismatch() -> None:
    turns = [dataclasses.replace(t, status=504) if t.started == T0 + 6.5 else t for t in TURNS]
    agreement = measure(turns=turns).agreement
    assert agreement.mismatches == 1 and not agreement.agrees


def test_a_turn_the_router_never_saw_is_a_mismatch() -> None:
    agreement = measure(turns=[*TURNS, turn(B, 19.8, None, "failed")]).agreement
    assert agreement.mismatches == 1 and agreement.client_turns == 14 and not agreement.agrees


def test_only_this_drills_requests_count() -> None:
    assert {r.client for r in requests(LOG, PREFIX)} == {A, B}


def test_flap_windows_are_the_on_phases() -> None:
    marks = [Mark(5, "inject"), Mark(9, "flap-off"), Mark(10, "flap-on"), Mark(14, "clear")]
    assert fault_windows(marks) == [(5, 9), (10, 14)]


def test_a_request_between_flaps_was_not_sent_to_a_broken_region() -> None:
    marks = [Mark(T0 + 5, "inject"), Mark(T0 + 8.2, "flap-off"), Mark(T0 + 9.5, "flap-on"), Mark(T0 + 12, "clear")]
    m = measure(marks=marks)
    assert m.last_sent_at == pytest.approx(T0 + 7.0)  # the one at 8.3 went in the pause
