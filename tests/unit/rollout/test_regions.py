"""Which regions a stage updates at once and which one at a time, with a fake rotation and update."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geobot.pipeline.stage import StageContext
from geobot.rollout.machine import Rollout
from geobot.rollout.regions import Rolling, update_regions

from .test_driver import Bots, Clock, Router


class Stage:
    """A stage's side of it: what it gave at once, what was released; `journal`: each checkpoint as written."""

    def __init__(self, tmp_path: Path, progress: Any = None) -> None:
        self.given: list[list[str]] = []
        self.released: list[str] = []
        self.journal: list[Any] = []
        self.ctx = StageContext(tmp_path, {}, lambda event: None, bool, stage="s",
                                progress={"s": progress} if progress else {},
                                record_progress=lambda stage, value: self.journal.append(json.loads(json.dumps(value))))

    def give(self, regions: Sequence[str]) -> None:
        self.given.append(list(regions))

    def means(self, router: Router, bots: Bots) -> Rolling:
        clock = Clock()
        return Rolling(router, drain=lambda: 10.0, check=bots.check, release=self.released.append, rollback="back",
                       settle=0.0, update=bots.update, order=lambda regions: list(reversed(regions)),
                       journal=lambda: {"more": True}, clock=clock, sleep=clock.sleep)


def test_regions_with_nothing_yet_get_it_at_once_and_serving_ones_one_at_a_time_in_the_targets_order(
        tmp_path: Path) -> None:
    stage, router, bots = Stage(tmp_path), Router({"a", "b", "c"}), Bots()
    done = update_regions(stage.ctx, "rolling", ["a", "b", "c"], {"a": "v1", "b": "v1"}, "v2", stage.give, "code",
                          lambda: stage.means(router, bots))
    assert stage.given == [["c"]] and bots.updated == ["b", "a"] and router.most_out == 1
    assert done == {"have": {"a": "v2", "b": "v2", "c": "v2"}, "update": {"mode": "rolling", "regions": ["a", "b"]}}
    assert stage.journal[0] == {**Rollout(("b", "a"), current="b", phase="leaving").record(),
                                "have": {"a": "v1", "b": "v1", "c": "v2"}, "more": True}
    assert stage.journal[-1] is None


def test_a_region_a_killed_run_left_out_is_updated_with_the_others_and_released_when_all_at_once(
        tmp_path: Path) -> None:
    killed = {**Rollout(("a", "b"), current="a", phase="drained", out_at=0.0).record(), "have": {"a": "v1", "b": "v1"}}
    stage, router, bots = Stage(tmp_path, killed), Router({"b"}, out={"a"}), Bots()
    done = update_regions(stage.ctx, "all-at-once", ["a", "b"], {"a": "v1", "b": "v1"}, "v2", stage.give, "code",
                          lambda: stage.means(router, bots))
    assert stage.given == [["a", "b"]] and stage.released == ["a"] and bots.updated == []
    assert done["update"] == {"mode": "all-at-once", "regions": ["a", "b"]} and stage.journal == [None]


def test_nothing_changed_asks_no_rotation(tmp_path: Path) -> None:
    stage = Stage(tmp_path)

    def no_rotation() -> Rolling:
        raise AssertionError("the rotation was asked although no region changed")

    done = update_regions(stage.ctx, "rolling", ["a", "b"], {"a": "v2", "b": "v2"}, "v2", stage.give, "code",
                          no_rotation)
    assert done == {"have": {"a": "v2", "b": "v2"}} and stage.given == [["a", "b"]]
