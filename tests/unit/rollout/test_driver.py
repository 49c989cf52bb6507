"""The driver acts on the record's steps through a rotation and an updater, journaling each."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from geobot.errors import CloudError
from geobot.rollout.driver import Driver, RolloutHalted
from geobot.rollout.machine import Rollout


@dataclass
class Clock:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Router:
    """A rotation that records who was out, and when; `online` regions serve unless out."""

    online: set[str]
    out: set[str] = field(default_factory=set)
    most_out: int = 0
    log: list[str] = field(default_factory=list)

    def take_out(self, region: str) -> None:
        self.out.add(region)
        self.most_out = max(self.most_out, len(self.out))
        self.log.append(f"out {region}")

    def put_back(self, region: str) -> None:
        self.out.discard(region)
        self.log.append(f"in {region}")

    def is_out(self, region: str) -> bool:
        return region in self.out

    def serving(self) -> list[str]:
        return sorted(self.online - self.out)


@dataclass
class Bots:
    broken: set[str] = field(default_factory=set)
    updated: list[str] = field(default_factory=list)

    def update(self, region: str) -> None:
        self.updated.append(region)

    def check(self, region: str) -> str | None:
        return "health check answers 503" if region in self.broken else None


def driver(router: Router, bots: Bots, clock: Clock, journal: list[Rollout]) -> Driver:
    return Driver(router, bots, 10.0, journal.append, lambda text: None, rollback="deploy the previous code",
                  settle=5.0, clock=clock, sleep=clock.sleep)


def test_every_region_is_updated_one_at_a_time_after_its_drain() -> None:
    router, bots, clock, journal = Router({"a", "b", "c"}), Bots(), Clock(), []
    done = driver(router, bots, clock, journal).run(Rollout.begin(["a", "b", "c"], None))
    assert done.done == ("a", "b", "c") and done.current is None
    assert bots.updated == ["a", "b", "c"]
    assert router.log == ["out a", "in a", "out b", "in b", "out c", "in c"]
    assert router.most_out == 1 and clock.slept == [10.0, 10.0, 10.0]


def test_a_region_failing_its_check_halts_the_rollout_and_stays_out() -> None:
    router, bots, clock, journal = Router({"a", "b", "c"}), Bots(broken={"b"}), Clock(), []
    with pytest.raises(RolloutHalted) as halted:
        driver(router, bots, clock, journal).run(Rollout.begin(["a", "b", "c"], None))
    assert halted.value.region == "b" and "stays out of rotation" in halted.value.message
    assert halted.value.hint == "deploy the previous code"
    assert router.out == {"b"} and bots.updated == ["a", "b"]
    assert journal[-1].current == "b" and journal[-1].phase == "failed" and journal[-1].error


def test_the_next_run_resumes_the_failed_region_first() -> None:
    router, clock, journal = Router({"a", "b"}, out={"b"}), Clock(), []
    failed = Rollout(("a", "b"), done=("a",), current="b", phase="failed", out_at=clock.now, error="503")
    bots = Bots()
    done = driver(router, bots, clock, journal).run(Rollout.begin([], failed.record()))
    assert bots.updated == ["b"] and router.log == ["in b"] and done.done == ("b",)


def test_a_killed_drain_waits_only_its_remainder() -> None:
    router, bots, clock, journal = Router({"a", "b"}, out={"a"}), Bots(), Clock(), []
    killed = Rollout(("a", "b"), current="a", phase="out", out_at=clock.now - 7.0)
    driver(router, bots, clock, journal).run(Rollout.begin(["b"], killed.record()))
    assert clock.slept[0] == pytest.approx(3.0)
    assert router.log[:2] == ["in a", "out b"] and router.most_out == 1


def test_a_region_put_back_behind_the_rollouts_back_leaves_and_drains_again() -> None:
    router, bots, clock, journal = Router({"a", "b"}), Bots(), Clock(), []
    stranded = Rollout(("a",), current="a", phase="drained", out_at=clock.now - 60)
    driver(router, bots, clock, journal).run(Rollout.begin([], stranded.record()))
    assert router.log == ["out a", "in a"] and clock.slept == [10.0]


def test_every_step_is_journaled_before_the_next_one() -> None:
    router, bots, clock, journal = Router({"a", "b"}), Bots(), Clock(), []
    driver(router, bots, clock, journal).run(Rollout.begin(["a"], None))
    assert [(r.current, r.phase) for r in journal] == [
        ("a", "leaving"), ("a", "out"), ("a", "drained"), ("a", "updated"), ("a", "returning"), (None, None)]


def test_no_region_is_taken_out_while_no_other_serves() -> None:
    router, bots, clock, journal = Router({"a"}), Bots(), Clock(), []
    with pytest.raises(CloudError, match="no other region is Online"):
        driver(router, bots, clock, journal).run(Rollout.begin(["a", "b"], None))
    assert router.out == set() and bots.updated == [] and journal == []
