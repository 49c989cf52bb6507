"""The publish stage's first step: each intent's samples with {slot} references and its slot priorities,
set with UpdateIntent (botocore Stubber: the exact calls, parameters checked against Lex's API model)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.nlu.lexv2 import LexBot, to_lex
from geobot.nlu.model import load_model
from geobot.targets.aws.intents import arrange, intent_ids
from geobot.targets.aws.lex import Bot
from geobot.targets.aws.variables import lex_variable
from tests.models import fixture_model

from .conftest import Stubbed
from .fakes import intent_ids as assigned

REGION = "us-west-2"
BOT = Bot(REGION, "BOTWEST001", "en_US", "live")
DRAFT = {"botId": BOT.bot_id, "botVersion": "DRAFT", "localeId": "en_US"}
WHEN = datetime(2026, 11, 23, tzinfo=UTC)
HOOKS = {"dialogCodeHook": {"enabled": False}, "fulfillmentCodeHook": {"enabled": False, "active": True},
         "description": "set by hand"}  # what Lex describes beyond the samples: sent back unchanged


def places() -> tuple[LexBot, dict[str, Any]]:
    model = to_lex(load_model(fixture_model("7.0.0")))
    return model, assigned(lex_variable(model))


def describe(stubbed: Stubbed, name: str, ids: dict[str, Any], samples: list[str], priorities: list[dict[str, Any]]) -> dict[str, Any]:
    where = {**DRAFT, "intentId": ids[name]["intent_id"]}
    answer = {**where, **HOOKS, "intentName": name, "sampleUtterances": [{"utterance": s} for s in samples],
              "creationDateTime": WHEN, "lastUpdatedDateTime": WHEN, **({"slotPriorities": priorities} if priorities else {})}
    stubbed.expect("lexv2-models", REGION, "describe_intent", where, answer)
    return where


def priorities(model: LexBot, ids: dict[str, Any], name: str) -> list[dict[str, Any]]:
    (intent,) = [i for i in model.intents if i.name == name]
    return [{"priority": s.priority, "slotId": ids[name]["slots"][s.name]} for s in intent.slots]


def test_slotted_intents_get_their_references_and_priorities_and_keep_everything_else(stubbed: Stubbed) -> None:
    model, ids = places()
    for intent in model.intents:
        where = describe(stubbed, intent.name, ids, list(intent.utterances), [])  # as Terraform created it
        if intent.slots:
            stubbed.expect("lexv2-models", REGION, "update_intent", {
                **where, **HOOKS, "intentName": intent.name,
                "sampleUtterances": [{"utterance": s} for s in intent.samples],
                "slotPriorities": priorities(model, ids, intent.name)}, {**where, "intentName": intent.name})
    updated = arrange(stubbed.session.api("lexv2-models", REGION), BOT, intent_ids({"bots": {REGION: {"intents": ids}}}, REGION), model)
    stubbed.verify()
    assert updated == ("Places_FindPlace", "Places_GetDistance")
    find = priorities(model, ids, "Places_FindPlace")
    assert [p["priority"] for p in find] == [1, 2, 3] and len({p["slotId"] for p in find}) == 3


def test_an_intent_that_has_them_already_is_left_alone(stubbed: Stubbed) -> None:
    model, ids = places()
    for intent in model.intents:
        describe(stubbed, intent.name, ids, list(intent.samples), priorities(model, ids, intent.name))
    assert arrange(stubbed.session.api("lexv2-models", REGION), BOT, intent_ids({"bots": {REGION: {"intents": ids}}}, REGION), model) == ()
    stubbed.verify()


def test_a_slot_the_bots_stage_did_not_output_stops_before_any_update(stubbed: Stubbed) -> None:
    model, ids = places()
    ids["Places_FindPlace"]["slots"].pop("Places_PlaceType")
    with pytest.raises(CloudError, match="us-west-2: the bots stage output no slot Places_PlaceType of the intent Places_FindPlace"):
        arrange(stubbed.session.api("lexv2-models", REGION), BOT, intent_ids({"bots": {REGION: {"intents": ids}}}, REGION), model)
    assert stubbed.calls == []
