"""The aws drill: the health check's drill hook until callers move, then back (Stubber, moto)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import CloudError, InputError
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.drill import Drill
from geobot.targets.aws.functions.failover import State
from geobot.targets.aws.functions.regionmap import RegionMap
from geobot.targets.aws.variables import render_variables
from tests.conftest import Clock

from .conftest import TABLE, Stubbed
from .fakes import ALIAS_IDS, PRIMARY, SECONDARY, alias_arn, expect_invoke, health_outcome, outputs

HEALTHY = {PRIMARY: True, SECONDARY: True}
DRILLED = {PRIMARY: False, SECONDARY: True}
CHECKER = "geobot-health-check-usw2"
CALLER = {"Details": {"Parameters": {"connectRegion": PRIMARY}}}


def aws_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, env or {}, {"target": "aws"})


def deployed(config: Config) -> dict[str, Any]:
    return {"functions": outputs(render_variables(config, Path("/state/functions.zip"), ALIAS_IDS))}


def callers_reach(stubbed: Stubbed, region: str) -> None:
    expect_invoke(stubbed, PRIMARY, "geobot-region-check", CALLER,
                  {"lexRegion": region, "botAliasArn": alias_arn(region), "source": "table"})


def runs(stubbed: Stubbed, event: dict[str, Any], healthy: dict[str, bool], *actives: str) -> None:
    for active in actives:
        expect_invoke(stubbed, SECONDARY, CHECKER, event, health_outcome(healthy, active=active))


def drill(config: Config, stubbed: Stubbed, session: AwsSession | None = None) -> tuple[Drill, list[str], Clock]:
    notes: list[str] = []
    clock = Clock()
    return Drill(config, deployed(config), session or stubbed.session, notes.append, clock, clock.sleep), notes, clock


def test_a_drill_fails_the_active_region_until_callers_move_and_then_lets_it_win_them_back(stubbed: Stubbed) -> None:
    callers_reach(stubbed, PRIMARY)
    runs(stubbed, {"drill": {"fail_region": PRIMARY}}, DRILLED, PRIMARY, PRIMARY, SECONDARY)
    callers_reach(stubbed, PRIMARY)  # the region check's cache
    callers_reach(stubbed, SECONDARY)
    runs(stubbed, {}, HEALTHY, *[SECONDARY] * 4, PRIMARY)
    runner, notes, _ = drill(aws_config(), stubbed)
    report = runner.run()
    assert report == {
        "schema_version": 1, "target": "aws", "region": PRIMARY, "checker": SECONDARY, "to": SECONDARY,
        "failover": {"runs": 3, "seconds": 0.0, "callers_moved_s": 1.0},
        "failback": {"mode": "auto", "runs": 5, "seconds": 0.0},
        "on_schedule": {"failover_s": 90.0, "failback_s": 150.0, "checks_a_minute": 2, "post_failover_s": 315.0},
    }
    assert notes[0] == "run 1 (us-east-1 failing): callers on us-east-1 (stay)"
    assert "callers now reach us-west-2; mending us-east-1" in notes


def test_with_manual_failback_the_drill_sets_the_region_map_back_itself(stubbed: Stubbed, aws: Any) -> None:
    config = aws_config({"GEOBOT_AWS_FAILBACK": "manual", "GEOBOT_AWS_FAILOVER_AFTER": "1"})
    region_map = RegionMap(aws, TABLE)
    region_map.update(PRIMARY, State(SECONDARY, "2026-11-23T10:00:00+00:00"), lambda state: state)
    callers_reach(stubbed, PRIMARY)
    runs(stubbed, {"drill": {"fail_region": PRIMARY}}, DRILLED, SECONDARY)
    callers_reach(stubbed, SECONDARY)
    report = drill(config, stubbed)[0].run()
    assert report["failback"] == {"mode": "manual", "runs": 0, "seconds": 0.0}
    stored = region_map.read(PRIMARY, consistent=True)
    assert stored is not None and stored.active == PRIMARY and stored.version == 2


def test_a_region_callers_do_not_reach_is_not_drilled(stubbed: Stubbed) -> None:
    callers_reach(stubbed, PRIMARY)
    with pytest.raises(InputError, match="callers reach us-east-1 now, so failing us-west-2 would move nobody"):
        drill(aws_config(), stubbed)[0].run(SECONDARY)


def test_a_drill_that_moves_nobody_stops_with_the_checks_log(stubbed: Stubbed) -> None:
    callers_reach(stubbed, PRIMARY)
    runs(stubbed, {"drill": {"fail_region": PRIMARY}}, DRILLED, *[PRIMARY] * 8)
    with pytest.raises(CloudError) as raised:
        drill(aws_config(), stubbed)[0].run()
    assert raised.value.message == "8 health-check runs with us-east-1 failing did not move the callers"
    assert "aws logs tail /aws/lambda/geobot-health-check-usw2 --region us-west-2" in raised.value.hint


def test_nothing_to_drill_before_a_deploy() -> None:
    with pytest.raises(InputError, match="no deployed health check"):
        Drill(aws_config(), {}, AwsSession(boto3.Session()), lambda text: None)
