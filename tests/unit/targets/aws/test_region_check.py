"""The region check: answers from the table through a short cache, never a dead value."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from geobot.targets.aws.functions import region_check, settings
from geobot.targets.aws.functions.region_check import RegionCheck
from geobot.targets.aws.functions.regionmap import RegionMap

from .conftest import ALIASES, PRIMARY, SECONDARY, TABLE, environment


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def set_active(aws: Any, region: str, connect_region: str = PRIMARY) -> None:
    aws.put_item(
        TableName=TABLE,
        Item={
            "connectRegion": {"S": connect_region},
            "lexRegion": {"S": region},
            "version": {"N": "1"},
        },
    )


def checker(client: Any, clock: Clock, logs: list[str] | None = None) -> RegionCheck:
    config = settings.region_check(environment(GEOBOT_CACHE_SECONDS="5"))
    sink = logs.append if logs is not None else lambda line: None
    return RegionCheck(config, RegionMap(client, TABLE), PRIMARY, clock, sink)


def contact(connect_region: str | None = None) -> dict[str, Any]:
    """An Amazon Connect contact-flow event, optionally with the flow's region parameter."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {"InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/abc"},
            "Parameters": {"connectRegion": connect_region} if connect_region else {},
        },
    }


def test_answers_the_active_region_and_its_alias_arn(aws: Any) -> None:
    set_active(aws, SECONDARY)
    assert checker(aws, Clock()).answer(contact()) == {
        "lexRegion": SECONDARY,
        "botAliasArn": ALIASES[SECONDARY],
        "source": "table",
    }


def test_cache_hit_within_the_window_and_miss_after(aws: Any) -> None:
    clock = Clock()
    set_active(aws, PRIMARY)
    check = checker(aws, clock)
    assert check.answer(contact())["source"] == "table"
    set_active(aws, SECONDARY)
    clock.now += 4.9
    assert check.answer(contact()) == {
        "lexRegion": PRIMARY,
        "botAliasArn": ALIASES[PRIMARY],
        "source": "cache",
    }
    clock.now += 0.1
    assert check.answer(contact())["lexRegion"] == SECONDARY


def test_the_cache_is_per_connect_region(aws: Any) -> None:
    set_active(aws, PRIMARY, connect_region=PRIMARY)
    set_active(aws, PRIMARY, connect_region=SECONDARY)
    check = checker(aws, Clock())
    check.answer(contact(PRIMARY))
    assert check.answer(contact(SECONDARY))["source"] == "table"


def test_connect_region_comes_from_the_instance_arn_without_a_parameter(aws: Any) -> None:
    set_active(aws, SECONDARY, connect_region="us-east-1")
    event = contact()
    event["Details"]["ContactData"]["InstanceARN"] = "arn:aws:connect:us-east-1:1:instance/x"
    assert checker(aws, Clock()).answer(event)["lexRegion"] == SECONDARY


def test_missing_item_answers_the_primary(aws: Any) -> None:
    assert checker(aws, Clock()).answer(contact())["lexRegion"] == PRIMARY


class Unreachable:
    """A DynamoDB client whose network is gone."""

    def get_item(self, **kwargs: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


def test_unreachable_table_without_cache_answers_the_primary() -> None:
    logs: list[str] = []
    answer = checker(Unreachable(), Clock(), logs).answer(contact())
    assert answer == {"lexRegion": PRIMARY, "botAliasArn": ALIASES[PRIMARY], "source": "fallback"}
    assert "table unreachable" in json.loads(logs[0])["problem"]


def test_unreachable_table_answers_the_last_cached_value(aws: Any) -> None:
    set_active(aws, SECONDARY)
    client = boto3.client("dynamodb", region_name=PRIMARY)
    stub = Stubber(client)
    clock = Clock()
    check = checker(client, clock)
    stub.add_response(
        "get_item", aws.get_item(TableName=TABLE, Key={"connectRegion": {"S": PRIMARY}})
    )
    stub.add_client_error(
        "get_item", service_error_code="InternalServerError", http_status_code=500
    )
    with stub:
        assert check.answer(contact())["source"] == "table"
        clock.now += 60
        assert check.answer(contact()) == {
            "lexRegion": SECONDARY,
            "botAliasArn": ALIASES[SECONDARY],
            "source": "fallback",
        }
    stub.assert_no_pending_responses()


def test_handler_reads_its_configuration_once(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(region_check, "_instance", None)
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    set_active(aws, SECONDARY)
    assert region_check.handler(contact(), None)["lexRegion"] == SECONDARY
    first = region_check._instance
    region_check.handler(contact(), None)
    assert region_check._instance is first is not None
