"""The Connect instance's list of Lex V2 aliases: added once, removed once, stale entries dropped."""

from __future__ import annotations

from typing import Any

from geobot.targets.aws.connect import associate, disassociate

from .conftest import Stubbed

REGION = "us-east-1"
INSTANCE = "0b3e1f2a-1111-4a2b-9c3d-123456789abc"
EAST = "arn:aws:lex:us-east-1:123456789012:bot-alias/BOTEAST001/ALIASE0001"
WEST = "arn:aws:lex:us-west-2:123456789012:bot-alias/BOTWEST001/ALIASW0001"
OLD_WEST = "arn:aws:lex:us-west-2:123456789012:bot-alias/BOTWEST001/OLDALIAS01"
OTHER = "arn:aws:lex:us-east-1:123456789012:bot-alias/SOMEBOT001/ALIASX0001"
LIST = {"InstanceId": INSTANCE, "LexVersion": "V2"}


def listed(*arns: str, token: str | None = None) -> dict[str, Any]:
    return {"LexBots": [{"LexV2Bot": {"AliasArn": arn}} for arn in arns], **({"NextToken": token} if token else {})}


def connect(stubbed: Stubbed) -> Any:
    return stubbed.session.api("connect", REGION)


def test_associate_adds_only_the_missing_aliases_and_drops_stale_ones_of_our_bots(stubbed: Stubbed) -> None:
    stubbed.expect("connect", REGION, "list_bots", LIST, listed(EAST, OTHER, token="t2"))
    stubbed.expect("connect", REGION, "list_bots", {**LIST, "NextToken": "t2"}, listed(OLD_WEST))
    stubbed.expect("connect", REGION, "associate_bot", {"InstanceId": INSTANCE, "LexV2Bot": {"AliasArn": WEST}})
    stubbed.expect("connect", REGION, "disassociate_bot", {"InstanceId": INSTANCE, "LexV2Bot": {"AliasArn": OLD_WEST}})
    assert associate(connect(stubbed), INSTANCE, [EAST, WEST]) == [f"+{WEST}", f"-{OLD_WEST}"]


def test_associate_twice_changes_nothing_the_second_time(stubbed: Stubbed) -> None:
    stubbed.expect("connect", REGION, "list_bots", LIST, listed(EAST, WEST))
    assert associate(connect(stubbed), INSTANCE, [EAST, WEST]) == []


def test_disassociate_removes_only_what_is_listed_and_leaves_other_bots(stubbed: Stubbed) -> None:
    stubbed.expect("connect", REGION, "list_bots", LIST, listed(WEST, OTHER))
    stubbed.expect("connect", REGION, "disassociate_bot", {"InstanceId": INSTANCE, "LexV2Bot": {"AliasArn": WEST}})
    assert disassociate(connect(stubbed), INSTANCE, [EAST, WEST]) == [WEST]
