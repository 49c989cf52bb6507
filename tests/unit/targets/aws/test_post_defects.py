"""One test per defect of the AWS post's functions, each showing ours does not have it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geobot.targets.aws.functions import SCHEDULE_EXPRESSION, settings
from geobot.targets.aws.functions.health_check import HealthCheck
from geobot.targets.aws.functions.region_check import RegionCheck
from geobot.targets.aws.functions.regionmap import RegionMap

from .conftest import (
    INTENT,
    PRIMARY,
    SECONDARY,
    TABLE,
    Lex,
    environment,
    lex_reply,
    run,
)

Build = Callable[..., tuple[HealthCheck, Lex]]


def test_function_compared_with_string(aws: Any) -> None:
    """`getCurrentPrimaryRegion != region` was always true; we compare the stored value."""
    aws.put_item(
        TableName=TABLE,
        Item={
            "connectRegion": {"S": PRIMARY},
            "lexRegion": {"S": SECONDARY},
            "version": {"N": "1"},
        },
    )
    check = RegionCheck(settings.region_check(environment()), RegionMap(aws, TABLE), PRIMARY)
    assert (
        check.answer({"Details": {"Parameters": {"connectRegion": PRIMARY}}})["lexRegion"]
        == SECONDARY
    )


def test_exact_reply_text_check(health: Build) -> None:
    """A reworded prompt is no outage: only the intent and its confidence count."""
    check, lex = health()
    lex.expect(PRIMARY, lex_reply(INTENT, 0.9, text="Which flowers would you like today?"))
    lex.expect(SECONDARY, lex_reply(INTENT, 0.9, text="Anything at all"))
    assert check.run({}, "req")["healthy"] == {PRIMARY: True, SECONDARY: True}


def test_lex_v1_runtime(health: Build) -> None:
    """The post used the retired `lex-runtime` (PostText/PutSession); we use only Lex V2."""
    _, lex = health()
    assert sorted(set(lex.services)) == ["dynamodb", "lexv2-runtime"]
    assert sorted(lex.stubs) == [PRIMARY, SECONDARY]


def test_one_failed_probe_flips_the_region(health: Build) -> None:
    check, lex = health(GEOBOT_FAILOVER_AFTER="3")
    assert run(check, lex, False, True)["active"] == PRIMARY
    assert run(check, lex, False, True)["active"] == PRIMARY


def test_flips_back_on_one_success(health: Build) -> None:
    check, lex = health(GEOBOT_FAILOVER_AFTER="1", GEOBOT_FAILBACK_AFTER="3")
    assert run(check, lex, False, True)["active"] == SECONDARY
    assert run(check, lex, True, True)["active"] == SECONDARY
    assert run(check, lex, True, True)["active"] == SECONDARY
    assert run(check, lex, True, True)["active"] == PRIMARY


def test_writes_err_when_both_fail(health: Build, aws: Any) -> None:
    check, lex = health()
    run(check, lex, False, False)
    item = aws.get_item(TableName=TABLE, Key={"connectRegion": {"S": PRIMARY}})["Item"]
    assert item["lexRegion"] == {"S": PRIMARY}


def test_detects_failures_only_every_five_minutes(health: Build) -> None:
    """Checked every minute with several probes; the default failover is three checks."""
    assert SCHEDULE_EXPRESSION == "rate(1 minute)"
    check, _ = health(GEOBOT_PROBES="", GEOBOT_FAILOVER_AFTER="")
    assert (check._settings.probes, check._settings.failover_after) == (3, 3)
