"""The aws target as the commands see it: status from the region map (moto), summary, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import ConfigError, InputError
from geobot.pipeline.journal import Journal
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.functions.failover import Counters, State
from geobot.targets.aws.functions.regionmap import RegionMap
from geobot.targets.aws.target import AwsTarget
from geobot.targets.aws.variables import render_variables

from .conftest import TABLE
from .fakes import ALIAS_IDS, PRIMARY, SECONDARY, Terraform, alias_arn, outputs


def aws_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, env or {}, {"target": "aws"})


def target(config: Config | None = None) -> AwsTarget:
    return AwsTarget(config or aws_config(), Terraform([]), True, {},  # type: ignore[arg-type]
                     session=lambda: AwsSession(boto3.Session()))


def journal(directory: Path, **stages: dict[str, Any]) -> Journal:
    record = Journal(directory, "geobot", "aws")
    record.load()
    for name, values in stages.items():
        record.record(name, status="successful", outputs=values, error=None)
    return record


def published() -> dict[str, Any]:
    return outputs(render_variables(aws_config(), Path("/state/functions.zip"), ALIAS_IDS))


def test_status_reads_where_callers_go_and_how_close_each_region_is_to_a_change(aws: Any, tmp_path: Path) -> None:
    state = State(active=SECONDARY, changed_at="2026-11-23T10:00:00+00:00",
                  counters={PRIMARY: Counters(failures=0, successes=2), SECONDARY: Counters(failures=0, successes=9)})
    RegionMap(aws, TABLE).update(PRIMARY, state, lambda current: current)
    report = target().status(journal(tmp_path, functions=published()))
    assert report == {
        "active": SECONDARY, "changed_at": "2026-11-23T10:00:00+00:00", "all_down": False,
        "regions": {PRIMARY: {"priority": 1, "health": "passing (2 in a row)", "monitor_status": "standby"},
                    SECONDARY: {"priority": 2, "health": "passing (9 in a row)", "monitor_status": "active"}},
    }


def test_status_before_the_first_health_check_says_so(aws: Any, tmp_path: Path) -> None:
    report = target().status(journal(tmp_path, functions=published()))
    assert report == {"regions": {PRIMARY: {"priority": 1, "health": "not checked yet"},
                                  SECONDARY: {"priority": 2, "health": "not checked yet"}}}


def test_status_of_a_halted_rollout_names_the_region_held_out_of_rotation_and_how_to_resume(
        aws: Any, tmp_path: Path) -> None:
    RegionMap(aws, TABLE).update(PRIMARY, State(active=PRIMARY, changed_at="t0", held=SECONDARY), lambda state: state)
    record = journal(tmp_path, functions=published())
    record.record("publish", status="failed", progress={
        "regions": [SECONDARY, PRIMARY], "done": [], "current": SECONDARY, "phase": "failed", "out_at": 0.0,
        "error": "its bot fails the health check's probes in 3 runs: confidence 0.5 below 0.8"})
    report = target().status(record)
    assert report["update"] == ("rolling update unfinished: region us-west-2 is out of rotation at step failed (its "
                                "bot fails the health check's probes in 3 runs: confidence 0.5 below 0.8); "
                                "`geobot deploy` resumes it")
    assert [row["monitor_status"] for row in report["regions"].values()] == [
        "active", "held out of rotation (rolling update)"]


def test_status_shows_what_the_journal_knows_when_the_table_cannot_be_read(aws: Any, tmp_path: Path) -> None:
    aws.delete_table(TableName=TABLE)
    report = target().status(journal(tmp_path, functions=published()))
    assert report["problem"].startswith("us-east-1: cannot read the region map: not found (ResourceNotFoundException")
    assert list(report["regions"]) == [PRIMARY, SECONDARY]


def test_status_of_nothing_deployed_is_empty(tmp_path: Path) -> None:
    assert target().status(journal(tmp_path)) == {}


def test_summary_names_the_region_callers_reach_and_the_connect_flow() -> None:
    config = aws_config({"GEOBOT_AWS_CONNECT_INSTANCE_ID": "0b3e1f2a-1111-4a2b-9c3d-123456789abc"})
    functions = outputs(render_variables(config, Path("/state/functions.zip"), ALIAS_IDS))
    summary = target(config).summary({
        "functions": functions, "online": {"regions": {PRIMARY: "healthy", SECONDARY: "healthy"}, "active": PRIMARY},
        "smoke": {"region": PRIMARY, "alias_arn": alias_arn(PRIMARY), "heard": "'book a table' as BookTable"}})
    assert summary == {
        "active": "us-east-1 (heard 'book a table' as BookTable)",
        "regions": "us-east-1 healthy, us-west-2 healthy",
        "region_check": "geobot-region-check in us-east-1",
        "connect": "flow flow-1 in instance 0b3e1f2a-1111-4a2b-9c3d-123456789abc",
        "next": "geobot status; geobot destroy",
    }
    assert target().summary({"functions": published()})["connect"].startswith("no instance (aws.connect_instance_id)")


def test_there_is_no_certificate_to_manage(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the aws target has no certificate"):
        target().certificates(journal(tmp_path), lambda text: None)


def test_chat_says_how_to_talk_to_the_deployed_bot_instead(tmp_path: Path) -> None:
    deployed = journal(tmp_path, bots=published(), smoke={"region": SECONDARY, "alias_arn": alias_arn(SECONDARY)})
    with pytest.raises(InputError) as raised:
        target().chat_endpoint(deployed)
    assert raised.value.hint == ("ask it directly: aws lexv2-runtime recognize-text --region us-west-2 --bot-id BOTWEST001 "
                                 "--bot-alias-id ALIASW0001 --locale-id en_US --session-id me --text \"book a table\"")


def test_validate_refuses_what_the_bot_cannot_recognize_before_anything_exists(tmp_path: Path) -> None:
    toml = tmp_path / "geobot.toml"
    toml.write_text('target = "aws"\n[aws]\nexpected_intent = "OrderFlowers"\n')
    with pytest.raises(ConfigError, match="aws.expected_intent"):
        target(configuration.load(toml, {}, {})).validate(tmp_path / "state")
    assert not (tmp_path / "state").exists()
