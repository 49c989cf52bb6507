"""`geobot status` on aws: the region map's item, read from its write replica as the functions do.

The item holds the region callers are sent to now, the region a rolling update holds out of
rotation, and every region's run of passed or failed health checks, so it answers both "where
do calls go" and "how close is a failover or a failback", without running a check (which would
count as one). Nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from geobot.config import Config
from geobot.errors import GeobotError
from geobot.targets.aws.callers import Callers
from geobot.targets.aws.clients import AwsSession


def aws_status(config: Config, outputs: Mapping[str, Mapping[str, Any]],
               session: Callable[[], AwsSession]) -> dict[str, Any]:
    applied = outputs.get("functions") or outputs.get("bots") or {}
    if not applied.get("region_map"):
        return {}
    order = list(applied.get("regions") or config.regions)
    report: dict[str, Any] = {"regions": {r: {"priority": i + 1, "health": "not checked yet"} for i, r in enumerate(order)}}
    try:
        state = Callers(session(), applied).read()
    except GeobotError as exc:  # what the journal says is still worth showing
        report["problem"] = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
        return report
    if state is None:
        return report
    report |= {"active": state.active, "changed_at": state.changed_at, "all_down": state.all_down}
    for region, row in report["regions"].items():
        counters = state.counters.get(region)
        row["monitor_status"] = ("held out of rotation (rolling update)" if region == state.held
                                 else "active" if region == state.active else "standby")
        if counters is not None:
            row["health"] = (f"passing ({counters.successes} in a row)" if counters.successes
                             else f"failing ({counters.failures} in a row)")
    return report

