"""How an Azure stage gives every region something new: one region at a time once it serves.

The code stage (a zip) and the language stage (a model) both change what a serving region
runs; `geobot.rollout.regions` decides which regions get it at once and which one at a time.
Here a region leaves rotation by its Traffic Manager endpoint or Front Door origin, is drained,
updated, its deep health checked, and comes back, unless `update = "all-at-once"`, nothing is
Online or there is one region. A web app Terraform replaced has nothing yet and gets it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from geobot.config import Config
from geobot.pipeline.stage import StageContext
from geobot.rollout import regions as rolling
from geobot.targets.azure.clients import AzureClients
from geobot.targets.azure.rollout import IN_FLIGHT, HealthCheck, drain_seconds
from geobot.targets.local.rollout import check_seconds


def update_regions(ctx: StageContext, config: Config, clients: AzureClients, regions: Sequence[str],
                   have: Mapping[str, str], wanted: str, give: Callable[[Sequence[str]], Any], what: str,
                   version: str | None = None) -> dict[str, Any]:
    """`geobot.rollout.regions.update_regions` through Traffic Manager or Front Door; `version`: what an
    updated region's health check must report."""

    def means() -> rolling.Rolling:
        rotation = clients.rotation(config.azure.online_timeout, float(config.probe.interval))
        probe = config.probe
        check = HealthCheck(clients, probe.path, check_seconds(probe.interval, probe.timeout, probe.tolerated_failures),
                            version)
        return rolling.Rolling(rotation, drain=rotation.drain, check=check.check, release=rotation.enable,
                               rollback=rolling.rollback_hint(what), settle=float(config.azure.online_timeout))

    return rolling.update_regions(ctx, config.update, regions, have, wanted, give, what, means)


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
