"""Each intent's sample utterances and slot priorities in DRAFT: the step Terraform cannot do.

An intent's slot priorities name its slots' ids, and a slot needs its intent's id: a cycle in
Terraform. A {Slot} reference in a sample utterance names a slot that exists only after its
intent. So Terraform creates the intents with their samples as written and the slots after
them, and ignores both fields from then on; this module, run by the publish stage before it
builds, gives every intent the converter's samples (with {Slot} references) and its slots'
priorities. UpdateIntent replaces the whole intent, so every other field Lex describes is sent
back as it is. An intent that already has both is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geobot.errors import CloudError
from geobot.nlu.lexv2 import LexBot, LexIntent
from geobot.targets.aws.clients import Api
from geobot.targets.aws.lex import DRAFT, Bot


@dataclass(frozen=True)
class IntentIds:
    """One intent as `terraform/aws` outputs it (`bots[region].intents`)."""

    intent_id: str
    slots: Mapping[str, str]  # slot name → slot id


def intent_ids(outputs: Mapping[str, Any], region: str) -> dict[str, IntentIds]:
    """`region`'s intents in the `bots` output of terraform/aws."""
    intents = ((outputs.get("bots") or {}).get(region) or {}).get("intents") or {}
    return {name: IntentIds(i["intent_id"], dict(i.get("slots") or {})) for name, i in intents.items()}


def arrange(lex: Api, bot: Bot, ids: Mapping[str, IntentIds], model: LexBot) -> tuple[str, ...]:
    """Set each intent's samples and slot priorities where DRAFT differs; returns the intents updated."""
    updatable = set(lex.client.meta.service_model.operation_model("UpdateIntent").input_shape.members)
    slots = {intent.name: _priorities(bot.region, _ids(bot.region, ids, intent), intent) for intent in model.intents}
    updated = []
    for intent in model.intents:  # every id is known: nothing is half updated for want of one
        where = {"botId": bot.bot_id, "botVersion": DRAFT, "localeId": bot.locale_id, "intentId": ids[intent.name].intent_id}
        current = lex.call("describe_intent", f"read the intent {intent.name}", **where)
        wanted = {"sampleUtterances": [{"utterance": sample} for sample in intent.samples],
                  "slotPriorities": slots[intent.name]}
        if all((current.get(key) or []) == value for key, value in wanted.items()):
            continue
        kept = {key: value for key, value in current.items() if key in updatable}
        lex.call("update_intent", f"set the samples and slot priorities of the intent {intent.name}",
                 **{**kept, **where, **wanted})
        updated.append(intent.name)
    return tuple(updated)


def _ids(region: str, ids: Mapping[str, IntentIds], intent: LexIntent) -> IntentIds:
    if intent.name not in ids:
        raise CloudError(f"{region}: the bots stage output no intent {intent.name}",
                         "run `geobot deploy` again: the bots stage creates it")
    return ids[intent.name]


def _priorities(region: str, ids: IntentIds, intent: LexIntent) -> list[dict[str, Any]]:
    missing = [slot.name for slot in intent.slots if slot.name not in ids.slots]
    if missing:
        raise CloudError(f"{region}: the bots stage output no slot {', '.join(missing)} of the intent {intent.name}",
                         "run `geobot deploy` again: the bots stage creates it")
    return [{"priority": slot.priority, "slotId": ids.slots[slot.name]} for slot in intent.slots]
