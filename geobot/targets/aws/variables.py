"""geobot.toml and luis/ → the variables of `terraform/aws`, and what the aws target cannot deploy.

The shape parallels `terraform/local`'s and `terraform/azure`'s (deployment, global_region,
names, one `regions` entry per bot region with the names `geobot/naming.py` derives); the rest
is the AWS target's own: the health check's probe and policy from `[aws]`, the Lex V2 bot
translated from the LUIS model, and the two things later stages hand back (the published alias
ids and the functions' zip). No variable holds a secret, so `geobot plan` can print all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import ConfigError, InputError
from geobot.nlu.model import LuisModel, default_model_path, load_model

NONE_INTENT = "None"  # LUIS's catch-all; Lex has its built-in FallbackIntent instead
LEX_NAME = re.compile(r"(?:[0-9A-Za-z][_-]?){1,100}")


def lex_intents(model: LuisModel) -> dict[str, list[str]]:
    """Each intent of the model with its example utterances, in the model's order; None left out."""
    return {intent: [u.text for u in model.utterances if u.intent == intent]
            for intent in model.intents if intent != NONE_INTENT}


def locale_id(culture: str) -> str:
    """LUIS's culture ("en-us") as a Lex locale id ("en_US")."""
    language, _, country = culture.partition("-")
    return f"{language.lower()}_{country.upper()}"


def render_variables(config: Config, functions_zip: Path, alias_ids: Mapping[str, str] | None = None,
                     model: LuisModel | None = None) -> dict[str, Any]:
    """`alias_ids` empty: the first apply (bots, table, Lex role); given: everything that calls a bot too."""
    aws = config.aws
    model = model or load_model(default_model_path())
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
            "expected_intent": aws.expected_intent,
            "min_confidence": aws.min_confidence,
            "probes": aws.probes,
            "failover_after": aws.failover_after,
            "failback_after": aws.failback_after,
            "failback": aws.failback,
        },
        "lex": {"intents": lex_intents(model), "locale_id": locale_id(model.culture)},
        "bot_alias_ids": dict(alias_ids or {}),
        "functions_zip": str(functions_zip),
        "connect_instance_id": aws.connect_instance_id,
    }


def impossible(config: Config, model: LuisModel | None = None) -> list[InputError]:
    """What deploy must refuse (exit 2) before anything exists; `geobot plan` shows the same."""
    model = model or load_model(default_model_path())
    intents = lex_intents(model)
    problems: list[InputError] = []
    for name in intents:
        if not LEX_NAME.fullmatch(name):
            problems.append(InputError(f"{model.path}: intent {name!r} is not a Lex V2 intent name",
                                       "rename it: 1-100 letters and digits, single hyphens or underscores between them"))
    if config.aws.expected_intent not in intents:
        problems.append(ConfigError(
            "aws.expected_intent", config.aws.expected_intent, f"is not an intent of {model.path.name}, so every probe fails",
            f"use one of {', '.join(intents)}, with a test_utterance of that intent"))
    seen: dict[str, str] = {}
    for intent, utterances in intents.items():
        for text in utterances:
            key = text.strip().lower()
            if key in seen:
                problems.append(InputError(f"{model.path}: {text!r} is an example of {seen[key]} and of {intent}",
                                           "keep one: Lex refuses to build a locale with a duplicate utterance"))
            seen.setdefault(key, intent)
    return problems
