"""Routing picks among serving endpoints by Traffic Manager's methods; the answer cache acts like DNS."""

from __future__ import annotations

import random
from collections import Counter

from geobot.targets.local.router.monitor import EndpointState, Status
from geobot.targets.local.router.routing import Candidate, Routing, candidates
from geobot.targets.local.router.settings import Endpoint


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def cand(name: str, latency: float | None = None, priority: int = 1, weight: int = 1) -> Candidate:
    return Candidate(name, priority, weight, latency)


def endpoints(*names: str) -> tuple[Endpoint, ...]:
    return tuple(Endpoint(name=n, url=f"http://127.0.0.1:{i + 1}", priority=i + 1) for i, n in enumerate(names))


def test_only_online_and_checking_endpoints_serve_while_any_do() -> None:
    states = {"a": EndpointState(Status.DEGRADED, 0), "b": EndpointState(Status.CHECKING, 0),
              "c": EndpointState(Status.ONLINE, 0), "d": EndpointState(Status.STOPPED, 0)}
    assert [c.name for c in candidates(endpoints("a", "b", "c", "d"), states)] == ["b", "c"]


def test_when_all_are_degraded_all_enabled_running_ones_are_candidates() -> None:
    states = {"a": EndpointState(Status.DEGRADED, 0), "b": EndpointState(Status.DISABLED, 0),
              "c": EndpointState(Status.DEGRADED, 0), "d": EndpointState(Status.STOPPED, 0)}
    assert [c.name for c in candidates(endpoints("a", "b", "c", "d"), states)] == ["a", "c"]
    assert candidates(endpoints("b", "d"), states) == []


def test_priority_orders_by_lowest_number() -> None:
    ranked = Routing().order("priority", [cand("b", priority=2), cand("c", priority=3), cand("a", priority=1)])
    assert ranked == ["a", "b", "c"]


def test_weighted_is_random_in_proportion_to_weight() -> None:
    routing = Routing(random.Random(7))
    firsts = Counter(routing.order("weighted", [cand("a", weight=1), cand("b", weight=3)])[0] for _ in range(4000))
    assert 0.70 < firsts["b"] / 4000 < 0.80
    assert sorted(routing.order("weighted", [cand("a"), cand("b")])) == ["a", "b"]


def test_performance_prefers_the_lowest_latency_and_unmeasured_last() -> None:
    assert Routing().order("performance", [cand("new"), cand("far", 80.0), cand("near", 20.0)]) == ["near", "far", "new"]


def test_performance_keeps_its_pick_unless_a_rival_is_over_20_percent_and_1_ms_faster() -> None:
    routing = Routing()
    assert routing.order("performance", [cand("a", 10.0), cand("b", 12.0)])[0] == "a"
    assert routing.order("performance", [cand("a", 10.0), cand("b", 8.5)])[0] == "a"  # 15 % faster: stay
    assert routing.order("performance", [cand("a", 4.0), cand("b", 3.0)])[0] == "a"  # 25 % but only 1 ms: stay
    assert routing.order("performance", [cand("a", 10.0), cand("b", 7.9)]) == ["b", "a"]  # 21 % and 2.1 ms
    assert routing.order("performance", [cand("a", 7.0), cand("b", 7.9)])[0] == "b"  # now b is the one kept


def test_performance_moves_on_when_its_pick_stops_serving() -> None:
    routing = Routing()
    routing.order("performance", [cand("a", 5.0), cand("b", 50.0)])
    assert routing.order("performance", [cand("b", 50.0)]) == ["b"]


def test_a_client_keeps_its_answer_until_the_ttl_expires_even_if_that_endpoint_degrades() -> None:
    clock = Clock()
    routing = Routing(clock=clock)
    both, known = [cand("a", priority=1), cand("b", priority=2)], {"a", "b"}
    assert routing.answer("alice", 10, "priority", both, known) == "a"
    clock.now = 9.9  # a went Degraded: only b is a candidate now, but alice's resolver still holds a
    assert routing.answer("alice", 10, "priority", [cand("b", priority=2)], known) == "a"
    assert routing.answer("bob", 10, "priority", [cand("b", priority=2)], known) == "b"
    clock.now = 10.0
    assert routing.answer("alice", 10, "priority", [cand("b", priority=2)], known) == "b"


def test_a_zero_ttl_or_a_removed_endpoint_means_asking_again() -> None:
    routing = Routing(clock=Clock())
    assert routing.answer("alice", 0, "priority", [cand("a")], {"a"}) == "a"
    assert routing.answer("alice", 0, "priority", [cand("b")], {"a", "b"}) == "b"
    routing.answer("carol", 60, "priority", [cand("a")], {"a"})
    assert routing.answer("carol", 60, "priority", [cand("b")], {"b"}) == "b"
    assert routing.answer("dave", 60, "priority", [], {"a"}) is None


def test_retry_mode_ranks_per_request_without_a_cache() -> None:
    routing = Routing(clock=Clock())
    assert routing.order("priority", [cand("a", priority=1), cand("b", priority=2)]) == ["a", "b"]
    assert routing.order("priority", [cand("b", priority=2)]) == ["b"]
