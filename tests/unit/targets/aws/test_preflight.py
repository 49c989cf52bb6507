"""Preflight against moto (STS, DynamoDB, Connect) and stubbed Lex V2 name look-ups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import InputError
from geobot.pipeline.stage import StageContext
from geobot.targets.aws.preflight import Preflight
from geobot.terraform.binary import find

from .conftest import Stubbed

INSTANCE = "0b3e1f2a-1111-4a2b-9c3d-123456789abc"


def preflight(stubbed: Stubbed, env: dict[str, str] | None = None) -> Preflight:
    config: Config = configuration.load(None, env or {}, {"target": "aws"})
    return Preflight(config, find({}), stubbed)


def ctx(directory: Path) -> StageContext:
    return StageContext(directory, {}, lambda event: None, lambda question: True)


def bot_names(stubbed: Stubbed, name: str, taken: str | None = None) -> None:
    for region, short in (("us-east-1", "use1"), ("us-west-2", "usw2")):
        found = [{"botId": "SOMEBOT001", "botName": f"{name}-bot-{short}"}] if region == taken else []
        stubbed.expect("lexv2-models", region, "list_bots",
                       {"filters": [{"name": "BotName", "values": [f"{name}-bot-{short}"], "operator": "EQ"}]},
                       {"botSummaries": found})


def test_preflight_proves_the_credentials_and_that_every_name_is_free(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    bot_names(stubbed, "mybot")
    outputs = preflight(stubbed, {"GEOBOT_NAME": "mybot"}).run(ctx(tmp_path))
    assert outputs["account"] == "123456789012" and outputs["partition"] == "aws"
    assert outputs["identity"] == "arn:aws:sts::123456789012:user/moto"
    assert outputs["terraform"].startswith(("terraform ", "tofu "))


def test_a_region_map_table_of_the_same_name_is_refused(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        preflight(stubbed).run(ctx(tmp_path))  # the `aws` fixture made geobot-region-map
    assert raised.value.message == "name: the DynamoDB table geobot-region-map exists already in us-east-1"
    assert "GEOBOT_NAME" in raised.value.hint


def test_a_bot_of_the_same_name_in_any_region_is_refused(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    bot_names(stubbed, "mybot", taken="us-west-2")
    with pytest.raises(InputError, match="^name: the Lex V2 bot mybot-bot-usw2 exists already in us-west-2$"):
        preflight(stubbed, {"GEOBOT_NAME": "mybot"}).run(ctx(tmp_path))


def test_once_terraform_ran_the_names_are_ours_and_not_looked_up(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    (tmp_path / "terraform" / "bots").mkdir(parents=True)
    # the `aws` fixture made geobot-region-map: looked up, it would be refused as taken
    assert preflight(stubbed).run(ctx(tmp_path))["account"] == "123456789012"


def test_a_connect_instance_that_does_not_exist_in_the_primary_is_bad_input(aws: Any, stubbed: Stubbed,
                                                                             tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        preflight(stubbed, {"GEOBOT_AWS_CONNECT_INSTANCE_ID": INSTANCE}).run(ctx(tmp_path))
    assert raised.value.message == f"aws.connect_instance_id: no Amazon Connect instance {INSTANCE} in us-east-1"
    assert "aws connect list-instances --region us-east-1" in raised.value.hint


def test_an_active_connect_instance_is_named_in_the_outputs(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    created = boto3.client("connect", region_name="us-east-1").create_instance(
        IdentityManagementType="CONNECT_MANAGED", InstanceAlias="callcentre", InboundCallsEnabled=True,
        OutboundCallsEnabled=False)
    bot_names(stubbed, "mybot")
    outputs = preflight(stubbed, {"GEOBOT_NAME": "mybot", "GEOBOT_AWS_CONNECT_INSTANCE_ID": created["Id"]}).run(ctx(tmp_path))
    assert outputs["connect_instance"] == "callcentre"


def test_plan_says_offline_what_deploy_would_refuse(tmp_path: Path) -> None:
    toml = tmp_path / "geobot.toml"
    toml.write_text('target = "aws"\n[aws]\nexpected_intent = "OrderFlowers"\n')
    stage = Preflight(configuration.load(toml, {}, {}), find({}), lambda: pytest.fail("plan must not reach AWS"))
    text = stage.preview(ctx(tmp_path))
    assert text is not None and text.startswith("deploy will refuse: aws.expected_intent = 'OrderFlowers': is not an intent")
