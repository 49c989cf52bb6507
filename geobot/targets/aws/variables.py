"""geobot.toml and its [bot] model → the variables of `terraform/aws`, and what the aws target cannot deploy.

The shape parallels `terraform/local`'s and `terraform/azure`'s (deployment, global_region,
names, one `regions` entry per bot region with the names `geobot/naming.py` derives); the rest
is the AWS target's own: the health check's probe and policy from `[aws]`, the Lex V2 bot
the converter (`geobot.nlu.lexv2`) makes of the model, and the two things later stages hand
back (the published alias ids and the functions' zip). No variable holds a secret, so
`geobot plan` can print all of them. The model itself is checked by `geobot.nlu.fit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import ConfigError
from geobot.nlu.lexv2 import LexBot, to_lex
from geobot.nlu.model import load_model


def lex_bot(config: Config) -> LexBot:
    """The Lex V2 bot of every region: the configured model, converted."""
    return to_lex(load_model(config.bot.model))


def expected_intent(config: Config, bot: LexBot) -> str | None:
    """aws.expected_intent as Lex names it (it may be given as the model's name), or None if no intent has it."""
    wanted = config.aws.expected_intent
    return next((lex for lex, original in bot.intent_names.items() if wanted in (lex, original)), None)


def lex_variable(bot: LexBot) -> dict[str, Any]:
    """var.lex: the intents with their samples as written, the slot types and the slots (keyed by their
    names, which are unique within the bot)."""
    return {
        "intents": bot.utterances(),
        "slot_types": {t.name: {"resolution": t.resolution,
                                "values": [{"value": v, "synonyms": list(s)} for v, s in t.values]}
                       for t in bot.slot_types},
        "slots": {slot.name: {"intent": intent.name, "slot_type": slot.slot_type, "priority": slot.priority}
                  for intent in bot.intents for slot in intent.slots},
        "locale_id": bot.locale_id,
    }


def render_variables(config: Config, functions_zip: Path, alias_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`alias_ids` empty: the first apply (bots, table, Lex role); given: everything that calls a bot too."""
    aws = config.aws
    bot = lex_bot(config)
    return {
        "deployment": config.name,
        "global_region": config.global_region,
        "names": config.resource_names(),
        "regions": {
            region: {"priority": index + 1, "names": config.region_resource_names(region)}
            for index, region in enumerate(config.regions)
        },
        "probe": {
            "utterance": aws.test_utterance,
            "expected_intent": expected_intent(config, bot) or aws.expected_intent,
            "min_confidence": aws.min_confidence,
            "probes": aws.probes,
            "failover_after": aws.failover_after,
            "failback_after": aws.failback_after,
            "failback": aws.failback,
        },
        "lex": lex_variable(bot),
        "bot_alias_ids": dict(alias_ids or {}),
        "functions_zip": str(functions_zip),
        "connect_instance_id": aws.connect_instance_id,
    }


def impossible(config: Config) -> list[ConfigError]:
    """What deploy must refuse (exit 2) before anything exists; `geobot plan` shows the same."""
    bot = lex_bot(config)
    if expected_intent(config, bot) is not None:
        return []
    return [ConfigError(
        "aws.expected_intent", config.aws.expected_intent, f"is not an intent of {config.bot.model.name}, so every probe fails",
        f"use one of {', '.join(bot.intent_names.values())}, with a test_utterance of that intent")]
