"""Decide which stages run. Pure: reads the journal record, runs nothing.

A stage runs when it never ran (new), did not finish (unfinished), or its inputs changed
since it finished (changed); a stage marked `always_run` (health checks, process
supervision) runs every time. Teardown plans list every stage that is not yet destroyed,
in reverse order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from geobot.pipeline.model import Plan, Step
from geobot.pipeline.stage import Stage, StageContext


def fingerprint(inputs: Mapping[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def decide(stage: Stage, record: Mapping[str, Any], ctx: StageContext) -> Step:
    if stage.always_run:
        return Step(stage.name, stage.description, "run", "always")
    status = record.get("status")
    if status is None or status in ("destroyed", "pending"):
        return Step(stage.name, stage.description, "run", "new")
    if status != "successful":
        return Step(stage.name, stage.description, "run", "unfinished")
    if record.get("fingerprint") != fingerprint(stage.inputs(ctx)):
        return Step(stage.name, stage.description, "run", "changed")
    return Step(stage.name, stage.description, "skip", "unchanged")


def plan_deploy(stages: Sequence[Stage], records: Mapping[str, Mapping[str, Any]], ctx: StageContext) -> Plan:
    return Plan("deploy", tuple(decide(s, records.get(s.name, {}), ctx) for s in stages))


def plan_destroy(stages: Sequence[Stage], records: Mapping[str, Mapping[str, Any]]) -> Plan:
    steps = []
    for stage in reversed(stages):
        status = records.get(stage.name, {}).get("status")
        if status in (None, "destroyed"):
            steps.append(Step(stage.name, stage.description, "skip", "destroyed"))
        else:
            steps.append(Step(stage.name, stage.description, "run", "unfinished" if status == "destroying" else "deployed"))
    return Plan("destroy", tuple(steps))
