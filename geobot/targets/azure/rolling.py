"""How an Azure stage gives every region something new: one region at a time once it serves.

The code stage (a zip) and the language stage (a model) both change what a serving region
runs. Each knows what every region has (`have`: region → the digest or label it got) and what
it wants; a region that has something else serves now, so it is updated through
`geobot.rollout` (its Traffic Manager endpoint or Front Door origin out of rotation, drained,
updated, its deep health checked, back in rotation) unless `update = "all-at-once"`, nothing is Online or there is one region. Regions
that have nothing yet (new, or a web app Terraform replaced) get it at once, in parallel. The
stage's progress journals the rollout and `have`, so a killed run resumes at its region.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from geobot.config import Config
from geobot.pipeline.stage import StageContext
from geobot.rollout.driver import Driver
from geobot.rollout.machine import Rollout, choose_mode
from geobot.targets.azure.clients import AzureClients
from geobot.targets.azure.rollout import IN_FLIGHT, HealthCheck, drain_seconds
from geobot.targets.local.rollout import check_seconds


class _Update:
    """The driver's updater: `give` one region what is wanted, then ask its deep health check."""

    def __init__(self, give: Callable[[Sequence[str]], None], check: HealthCheck) -> None:
        self.give, self.check = give, check.check

    def update(self, region: str) -> None:
        self.give([region])


def have_from(progress: Any, last: Mapping[str, str]) -> dict[str, str]:
    """What each region has: the last successful run's, then what an unfinished rollout gave."""
    return {**last, **((progress or {}).get("have") or {})}


def update_regions(ctx: StageContext, config: Config, clients: AzureClients, regions: Sequence[str],
                   have: Mapping[str, str], wanted: str, give: Callable[[Sequence[str]], Any], what: str,
                   version: str | None = None) -> dict[str, Any]:
    """Give every region `wanted`; `give(regions)` gives it to those at once (in parallel); `version`:
    what an updated region's health check must report. {"have": ..., "update": {mode, regions}}."""
    now = dict(have)
    previous = Rollout.load(ctx.last_progress())
    stranded = previous.current if previous is not None and previous.current in regions else None
    changed = [r for r in regions if now.get(r, wanted) != wanted]
    rotation = clients.rotation(config.azure.online_timeout, float(config.probe.interval))
    serving = rotation.serving() if changed or stranded else []
    mode, why = choose_mode(config.update, changed, stranded, len(regions), serving)
    if mode is not None:
        ctx.note(f"{mode} update of the {what} ({why})")
    rolled = list(dict.fromkeys([*([stranded] if stranded else []), *changed])) if mode == "rolling" else []

    def given(some: Sequence[str]) -> None:
        if some:
            give(some)
            now.update(dict.fromkeys(some, wanted))

    given([r for r in regions if r not in rolled])
    if mode == "rolling":
        probe = config.probe
        check = HealthCheck(clients, probe.path, check_seconds(probe.interval, probe.timeout, probe.tolerated_failures),
                            version)
        resumed = previous.record() if previous is not None and stranded is not None else None
        Driver(rotation, _Update(given, check), rotation.drain(),
               lambda rollout: ctx.checkpoint({**rollout.record(), "have": now}), ctx.note,
               rollback=f"to roll back, run `geobot deploy` with the previous {what}: it updates that region again "
                        f"and puts it back; or fix the new {what} and deploy it",
               settle=float(config.azure.online_timeout)).run(Rollout.begin(changed, resumed))
    elif stranded is not None:
        rotation.enable(stranded)  # updated with the others: the online stage waits for it
    ctx.checkpoint(None)
    return {"have": now, **({"update": {"mode": mode, "regions": rolled or changed}} if mode else {})}


def preview(config: Config, what: str) -> str:
    """The plan's line: which mode runs when a serving deployment gets a new `what`, and the drain."""
    if config.update == "all-at-once":
        return f"update: all at once: every region gets the new {what} together (speed over availability)"
    if config.azure.edge == "frontdoor":
        return (f"update: rolling, one region at a time: its Front Door origin is Disabled until Front Door has "
                f"deployed the change to its edge, + {IN_FLIGHT:g} s for turns in flight, the region gets the new "
                f"{what}, passes its health check (through its own route) and its origin is Enabled again before "
                "the next (--all-at-once: all together)")
    return (f"update: rolling, one region at a time: its Traffic Manager endpoint is Disabled for "
            f"{drain_seconds(config.probe.dns_ttl):g} s (the profile's DNS TTL, probe.dns_ttl "
            f"{config.probe.dns_ttl} s, + {IN_FLIGHT:g} s for turns in flight), the region gets the new {what}, "
            "passes its health check and is Enabled and Online again before the next (--all-at-once: all together)")
