"""Publishing and unpublishing one region's Lex V2 bot, call by call (botocore Stubber)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.targets.aws.clients import WaitFailed
from geobot.targets.aws.lex import DESCRIPTION, Bot, bots_of, prune, publish, unpublish

from .conftest import Stubbed

REGION = "us-west-2"
BOT = Bot(REGION, "BOTWEST001", "en_US", "live")
IDS = {"botId": BOT.bot_id}
DRAFT = {**IDS, "botVersion": "DRAFT", "localeId": "en_US"}
WHEN = datetime(2026, 11, 23, tzinfo=UTC)
LOCALE = {"enabled": True}


def lex(stubbed: Stubbed) -> Any:
    return stubbed.session.api("lexv2-models", REGION)


def expect(stubbed: Stubbed, operation: str, params: dict[str, Any], response: dict[str, Any] | None = None) -> None:
    stubbed.expect("lexv2-models", REGION, operation, params, response)


def expect_build(stubbed: Stubbed, *statuses: str) -> None:
    expect(stubbed, "build_bot_locale", DRAFT, {**DRAFT, "botLocaleStatus": "Building", "lastBuildSubmittedDateTime": WHEN})
    for status in statuses:
        expect(stubbed, "describe_bot_locale", DRAFT, {**DRAFT, "botLocaleStatus": status})


def expect_version(stubbed: Stubbed, number: str) -> None:
    expect(stubbed, "create_bot_version",
           {**IDS, "description": DESCRIPTION, "botVersionLocaleSpecification": {"en_US": {"sourceBotVersion": "DRAFT"}}},
           {**IDS, "botVersion": number, "botStatus": "Creating"})
    expect(stubbed, "describe_bot_version", {**IDS, "botVersion": number}, {**IDS, "botVersion": number, "botStatus": "Available"})


def aliases(*summaries: tuple[str, str, str]) -> dict[str, Any]:
    return {**IDS, "botAliasSummaries": [{"botAliasId": i, "botAliasName": n, "botVersion": v, "botAliasStatus": "Available"}
                                         for i, n, v in summaries]}


def versions(*numbers: str) -> dict[str, Any]:
    return {**IDS, "botVersionSummaries": [{"botVersion": n, "botStatus": "Available"} for n in numbers]}


def expect_alias_moved(stubbed: Stubbed, number: str) -> None:
    expect(stubbed, "update_bot_alias", {**IDS, "botAliasId": "ALIASW0001", "botAliasName": "live", "botVersion": number,
                                         "description": DESCRIPTION, "botAliasLocaleSettings": {"en_US": LOCALE}},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Updating"})
    expect(stubbed, "describe_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Available"})


def test_the_first_publish_builds_versions_and_creates_the_alias(stubbed: Stubbed) -> None:
    expect_build(stubbed, "Building", "ReadyExpressTesting", "Built")
    expect_version(stubbed, "1")
    expect(stubbed, "list_bot_aliases", IDS, aliases(("TSTALIASID", "TestBotAlias", "DRAFT")))
    expect(stubbed, "create_bot_alias", {**IDS, "botAliasName": "live", "botVersion": "1", "description": DESCRIPTION,
                                         "botAliasLocaleSettings": {"en_US": LOCALE}},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Creating"})
    expect(stubbed, "describe_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Available"})
    expect(stubbed, "list_bot_versions", IDS, versions("1"))
    notes: list[str] = []
    published = publish(lex(stubbed), BOT, notes.append)
    assert (published.alias_id, published.version, published.deleted_versions) == ("ALIASW0001", "1", ())
    assert notes[-1] == "us-west-2: alias live (ALIASW0001) → version 1"


def test_a_later_publish_moves_the_same_alias_and_deletes_versions_no_alias_uses(stubbed: Stubbed) -> None:
    expect_build(stubbed, "Built")
    expect_version(stubbed, "4")
    expect(stubbed, "list_bot_aliases", IDS, {**aliases(("TSTALIASID", "TestBotAlias", "DRAFT")), "nextToken": "page2"})
    expect(stubbed, "list_bot_aliases", {**IDS, "nextToken": "page2"},
           aliases(("ALIASW0001", "live", "3"), ("PINNED0001", "someone-elses", "2")))
    expect_alias_moved(stubbed, "4")
    expect(stubbed, "list_bot_versions", IDS, versions("DRAFT", "1", "2", "3", "4"))
    for number in ("1", "3"):
        expect(stubbed, "delete_bot_version", {**IDS, "botVersion": number},
               {**IDS, "botVersion": number, "botStatus": "Deleting"})
    published = publish(lex(stubbed), BOT, lambda text: None)
    assert (published.alias_id, published.version, published.deleted_versions) == ("ALIASW0001", "4", ("1", "3"))


def test_a_publish_for_a_rolling_update_keeps_the_version_the_alias_served_until_prune(stubbed: Stubbed) -> None:
    expect_build(stubbed, "Built")
    expect_version(stubbed, "4")
    expect(stubbed, "list_bot_aliases", IDS, aliases(("ALIASW0001", "live", "3")))
    expect_alias_moved(stubbed, "4")
    published = publish(lex(stubbed), BOT, lambda text: None, prune=False)
    assert (published.version, published.deleted_versions) == ("4", ())
    assert "ListBotVersions" not in [call[2] for call in stubbed.calls]

    expect(stubbed, "list_bot_aliases", IDS, aliases(("ALIASW0001", "live", "4"), ("PINNED0001", "someone-elses", "2")))
    expect(stubbed, "list_bot_versions", IDS, versions("DRAFT", "2", "3", "4"))
    expect(stubbed, "delete_bot_version", {**IDS, "botVersion": "3"}, {**IDS, "botVersion": "3", "botStatus": "Deleting"})
    assert prune(lex(stubbed), BOT) == ("3",)


def test_a_locale_that_fails_to_build_says_why_and_nothing_is_versioned(stubbed: Stubbed) -> None:
    expect_build(stubbed, "Building")
    expect(stubbed, "describe_bot_locale", DRAFT,
           {**DRAFT, "botLocaleStatus": "Failed", "failureReasons": ["Intent Help: utterance 'help' is duplicated"]})
    with pytest.raises(WaitFailed) as raised:
        publish(lex(stubbed), BOT, lambda text: None)
    assert raised.value.message == (
        "us-west-2: the bot locale en_US did not build: Intent Help: utterance 'help' is duplicated")
    assert "[bot] model" in raised.value.hint


def test_a_build_still_running_when_the_waiter_gives_up_names_the_region(stubbed: Stubbed) -> None:
    expect_build(stubbed, "Building", "Building", "Building")
    with pytest.raises(WaitFailed, match=r"^us-west-2: the bot locale en_US did not build: Building$"):
        publish(lex(stubbed), BOT, lambda text: None)


def test_a_denied_build_names_the_iam_action_and_the_region(stubbed: Stubbed) -> None:
    stubbed.fail("lexv2-models", REGION, "build_bot_locale", "AccessDeniedException", 403, DRAFT,
                 "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lex:BuildBotLocale")
    with pytest.raises(CloudError) as raised:
        publish(lex(stubbed), BOT, lambda text: None)
    assert raised.value.message == "us-west-2: permission denied to build the bot locale: missing lex:BuildBotLocale"
    assert raised.value.hint == "allow lex:BuildBotLocale to the identity geobot runs as (its IAM policy)"


def test_unpublish_deletes_the_alias_and_waits_until_it_is_gone(stubbed: Stubbed) -> None:
    expect(stubbed, "list_bot_aliases", IDS, aliases(("TSTALIASID", "TestBotAlias", "DRAFT"), ("ALIASW0001", "live", "4")))
    expect(stubbed, "delete_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Deleting"})
    expect(stubbed, "describe_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Deleting"})
    stubbed.fail("lexv2-models", REGION, "describe_bot_alias", "ResourceNotFoundException", 404,
                 {**IDS, "botAliasId": "ALIASW0001"})
    slept: list[float] = []
    assert unpublish(lex(stubbed), BOT, poll=5, sleep=slept.append) == "ALIASW0001"
    assert slept == [5]


def test_unpublish_gives_up_on_an_alias_that_stays(stubbed: Stubbed) -> None:
    expect(stubbed, "list_bot_aliases", IDS, aliases(("ALIASW0001", "live", "4")))
    expect(stubbed, "delete_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
           {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Deleting"})
    for _ in range(2):
        expect(stubbed, "describe_bot_alias", {**IDS, "botAliasId": "ALIASW0001"},
               {**IDS, "botAliasId": "ALIASW0001", "botAliasStatus": "Deleting"})
    with pytest.raises(WaitFailed, match=r"still being deleted after 10 s"):
        unpublish(lex(stubbed), BOT, poll=5, attempts=2, sleep=lambda s: None)


@pytest.mark.parametrize("listing", ["no alias", "no bot"])
def test_unpublish_of_what_is_not_there_is_done(stubbed: Stubbed, listing: str) -> None:
    if listing == "no bot":
        stubbed.fail("lexv2-models", REGION, "list_bot_aliases", "ResourceNotFoundException", 404, IDS)
    else:
        expect(stubbed, "list_bot_aliases", IDS, aliases(("TSTALIASID", "TestBotAlias", "DRAFT")))
    assert unpublish(lex(stubbed), BOT, sleep=lambda s: None) is None


def test_bots_are_read_from_the_configurations_output() -> None:
    outputs = {"bots": {REGION: {"bot_id": "BOTWEST001", "bot_name": "geobot-bot-usw2", "locale_id": "en_US",
                                 "alias_name": "live", "alias_id": None, "alias_arn": None}}}
    assert bots_of(outputs) == {REGION: BOT}
    assert bots_of({}) == {}
