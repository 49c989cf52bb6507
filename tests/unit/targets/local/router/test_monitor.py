"""The endpoint monitor follows Traffic Manager's status rules, driven by results and a fake clock."""

from __future__ import annotations

from pathlib import Path

from geobot.targets.local.router.monitor import Monitor, Status, Transition
from geobot.targets.local.router.settings import Endpoint, Probe


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def started(probe: Probe, *endpoints: Endpoint, present: frozenset[str] = frozenset()) -> tuple[Monitor, Clock]:
    clock = Clock()
    monitor = Monitor(probe, clock)
    monitor.sync(probe, endpoints, lambda path: path in present)
    return monitor, clock


WEST = Endpoint(name="west", url="http://127.0.0.1:1")


def test_a_new_endpoint_is_checking_until_its_first_success() -> None:
    monitor, _ = started(Probe(tolerated_failures=1), WEST)
    assert monitor.states["west"].status == Status.CHECKING
    assert monitor.record("west", 503, 0.0) == []
    assert monitor.states["west"].status == Status.CHECKING
    assert monitor.record("west", 200, 12.0) == [Transition("west", Status.CHECKING, Status.ONLINE, "probe answered 200")]


def test_degraded_exactly_after_tolerated_plus_one_consecutive_failures() -> None:
    monitor, _ = started(Probe(tolerated_failures=2), WEST)
    monitor.record("west", 200, 5.0)
    after = [monitor.record("west", None, 0.0, "ConnectionRefused")[:1] for _ in range(3)]
    assert after[:2] == [[], []]
    assert after[2][0].after == Status.DEGRADED
    assert after[2][0].reason == "3 consecutive failures, last: ConnectionRefused"
    assert monitor.states["west"].consecutive_failures == 3


def test_a_success_in_between_resets_the_failure_count() -> None:
    monitor, _ = started(Probe(tolerated_failures=1), WEST)
    for status in (200, 500, 200, 500):
        monitor.record("west", status, 5.0)
    assert monitor.states["west"].status == Status.ONLINE
    assert monitor.states["west"].consecutive_failures == 1


def test_redirects_and_unexpected_codes_fail_unless_listed() -> None:
    strict, _ = started(Probe(tolerated_failures=0), WEST)
    strict.record("west", 302, 1.0)
    ranged, _ = started(Probe(tolerated_failures=0, expected_status=((200, 299), (301, 302))), WEST)
    ranged.record("west", 302, 1.0)
    assert (strict.states["west"].status, ranged.states["west"].status) == (Status.DEGRADED, Status.ONLINE)


def test_one_success_brings_a_degraded_endpoint_back_online() -> None:
    monitor, _ = started(Probe(tolerated_failures=0), WEST)
    monitor.record("west", 503, 1.0)
    assert monitor.states["west"].status == Status.DEGRADED
    assert monitor.record("west", 200, 1.0)[0].after == Status.ONLINE


def test_hold_down_keeps_it_degraded_for_that_long_after_it_went_degraded() -> None:
    monitor, clock = started(Probe(tolerated_failures=0, hold_down=30), WEST)
    monitor.record("west", 200, 1.0)
    monitor.record("west", 503, 1.0)
    degraded_at = clock.now
    clock.now = degraded_at + 29.9
    assert monitor.record("west", 200, 1.0) == []
    assert monitor.states["west"].status == Status.DEGRADED
    clock.now = degraded_at + 30
    assert monitor.record("west", 200, 1.0)[0].after == Status.ONLINE
    assert monitor.states["west"].since == degraded_at + 30


def test_latency_is_an_average_of_successful_probes_only() -> None:
    monitor, _ = started(Probe(tolerated_failures=5), WEST)
    monitor.record("west", 200, 10.0)
    monitor.record("west", 200, 20.0)
    monitor.record("west", None, 900.0, "timeout")
    assert monitor.states["west"].latency_ms == 13.0  # 10 + 0.3 * (20 - 10)


def test_disabled_endpoints_are_not_probed_and_ignore_late_results() -> None:
    monitor, _ = started(Probe(), WEST, Endpoint(name="east", url="http://127.0.0.1:2", enabled=False))
    assert monitor.states["east"].status == Status.DISABLED
    assert monitor.probed() == ["west"]
    assert monitor.record("east", 200, 1.0) == [] and monitor.states["east"].status == Status.DISABLED


def test_stopped_while_its_pidfile_is_absent_then_checking_again(tmp_path: Path) -> None:
    pidfile = tmp_path / "bot-west.json"
    west = Endpoint(name="west", url="http://127.0.0.1:1", pidfile=pidfile)
    monitor, _ = started(Probe(tolerated_failures=0), west)
    assert monitor.states["west"].status == Status.STOPPED and monitor.probed() == []
    changes = monitor.sync(Probe(), (west,), lambda path: path == str(pidfile))
    assert [(c.before, c.after) for c in changes] == [(Status.STOPPED, Status.CHECKING)]


def test_a_pidfile_whose_process_died_is_not_stopped_but_degrades() -> None:
    west = Endpoint(name="west", url="http://127.0.0.1:1", pidfile=Path("/run/bot-west.json"))
    monitor, _ = started(Probe(tolerated_failures=0), west, present=frozenset({"/run/bot-west.json"}))
    monitor.record("west", None, 0.0, "ClientConnectorError")
    assert monitor.states["west"].status == Status.DEGRADED


def test_sync_adds_and_removes_endpoints_and_keeps_the_others_state() -> None:
    monitor, _ = started(Probe(tolerated_failures=0), WEST)
    monitor.record("west", 200, 3.0)
    east = Endpoint(name="east", url="http://127.0.0.1:2")
    added = monitor.sync(Probe(), (WEST, east), lambda _: True)
    assert added == [Transition("east", None, Status.CHECKING, "monitoring started")]
    monitor.sync(Probe(), (east,), lambda _: True)
    assert list(monitor.states) == ["east"] and monitor.record("west", 200, 1.0) == []
