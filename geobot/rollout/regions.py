"""How a stage gives every region something new: one region at a time once it serves.

A stage (Azure's code and language, AWS's publish) knows what every region has (`have`:
region → the digest or label it got) and what it wants. A region that has something else
serves now, so it is updated through the driver (out of rotation, drained, updated, checked,
back in rotation) unless `update = "all-at-once"`, nothing serves or there is one region.
Regions that have nothing yet (new, or replaced) get it at once, in parallel. The stage's
progress journals the rollout and `have`, so a killed run resumes at its region.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geobot.pipeline.stage import StageContext
from geobot.rollout.driver import Driver, Rotation
from geobot.rollout.machine import Rollout, choose_mode


@dataclass(frozen=True)
class Rolling:
    """A target's means of rolling one stage: its rotation, how it updates and checks one region."""

    rotation: Rotation
    drain: Callable[[], float]  # asked only when a rollout runs (Azure reads the profile's TTL)
    check: Callable[[str], str | None]
    release: Callable[[str], None]  # a region a previous run left out, updated with the others: back in rotation
    rollback: str  # the hint of a halted rollout
    settle: float  # seconds another region may take to serve before one is taken out
    update: Callable[[str], None] | None = None  # one region's update; None: the stage's `give` of that region
    order: Callable[[Sequence[str]], Sequence[str]] = tuple  # the order the changed regions go in
    journal: Callable[[], Mapping[str, Any]] = dict  # what else the stage's progress keeps
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


def rollback_hint(what: str) -> str:
    return (f"to roll back, run `geobot deploy` with the previous {what}: it updates that region again and puts it "
            f"back; or fix the new {what} and deploy it")


def have_from(progress: Any, last: Mapping[str, str]) -> dict[str, str]:
    """What each region has: the last successful run's, then what an unfinished rollout gave."""
    return {**last, **((progress or {}).get("have") or {})}


def update_regions(ctx: StageContext, setting: str, regions: Sequence[str], have: Mapping[str, str], wanted: str,
                   give: Callable[[Sequence[str]], Any], what: str,
                   rolling: Callable[[], Rolling | None]) -> dict[str, Any]:
    """Give every region `wanted`; `give(regions)` gives it to those at once (in parallel); `rolling()`: the
    target's means, None when nothing could serve. {"have": ..., "update": {mode, regions}}."""
    now = dict(have)
    previous = Rollout.load(ctx.last_progress())
    stranded = previous.current if previous is not None and previous.current in regions else None
    changed = [r for r in regions if now.get(r, wanted) != wanted]
    means = rolling() if changed or stranded else None
    mode, why = choose_mode(setting, changed, stranded, len(regions), None if means is None else means.rotation.serving())
    if mode is not None:
        ctx.note(f"{mode} update of the {what} ({why})")
    rolled = list(dict.fromkeys([*([stranded] if stranded else []), *changed])) if mode == "rolling" else []

    def given(some: Sequence[str]) -> None:
        if some:
            give(some)
            now.update(dict.fromkeys(some, wanted))

    given([r for r in regions if r not in rolled])
    if mode == "rolling" and means is not None:

        def update(region: str) -> None:
            (means.update or (lambda one: give([one])))(region)
            now[region] = wanted

        resumed = previous.record() if previous is not None and stranded is not None else None
        Driver(means.rotation, _Update(update, means.check), means.drain(),
               lambda rollout: ctx.checkpoint({**rollout.record(), "have": now, **means.journal()}), ctx.note,
               means.rollback, means.settle, means.clock, means.sleep).run(Rollout.begin(means.order(changed), resumed))
    elif stranded is not None and means is not None:
        means.release(stranded)  # updated with the others
    ctx.checkpoint(None)
    return {"have": now, **({"update": {"mode": mode, "regions": rolled or changed}} if mode else {})}


@dataclass(frozen=True)
class _Update:
    """The driver's updater."""

    update: Callable[[str], None]
    check: Callable[[str], str | None]
