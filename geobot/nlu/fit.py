"""Whether a model fits a target: what would stop the deploy, and what the target drops.

`check` is what `geobot plan` and `geobot deploy` run before anything is applied. A problem
(the file is malformed, or the target's service would refuse it) stops the run with every
problem listed at once (ModelError, exit 2). What a target cannot carry is not a problem but
a warning, one line per kind, so nothing is dropped silently: the local recognizer, CLU's
LUIS import (Microsoft's migration guide: no patterns, phrase lists or pattern.any entities)
and Lex V2 (no patterns, phrase lists or regex slots; only some prebuilt types) each differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geobot.nlu.lexv2 import BUILT_IN_SLOT_TYPES, NONE_INTENT, problems, to_lex
from geobot.nlu.model import Findings, LuisModel, load_model, read_json

LOCAL_PREBUILTS = frozenset({"number"})
CLU_PREBUILTS = frozenset({"age", "datetimeV2", "dimension", "email", "geographyV2", "money", "number", "ordinal",
                           "ordinalV2", "percentage", "personName", "phonenumber", "temperature", "url"})
SERVICE = {"local": "the local recognizer", "azure": "CLU", "aws": "Lex V2"}


@dataclass(frozen=True)
class Fit:
    model: LuisModel
    warnings: tuple[str, ...]


def check(path: Path, target: str) -> Fit:
    """Read the model and check it for `target`; raises ModelError naming every problem."""
    model = load_model(path)
    if target == "aws":
        found = Findings(path, read_json(path)[0])
        _lex_problems(found, model)
        found.check()
    return Fit(model, tuple(f"{path.name}: {w}" for w in dropped(model, target)))


def dropped(model: LuisModel, target: str) -> list[str]:
    """One line per kind of thing in the model that `target` does not carry."""
    service = SERVICE[target]
    if target == "azure" and model.kind == "clu":
        return []  # imported as it is
    lines = []
    if model.patterns:
        lines.append(f"{service} has no patterns: {_some(repr(p.text) for p in model.patterns)} dropped")
    if model.phraselists:
        lines.append(f"{service} has no phrase lists: {_some(map(repr, model.phraselists))} dropped")
    known = {"local": LOCAL_PREBUILTS, "azure": CLU_PREBUILTS, "aws": frozenset(BUILT_IN_SLOT_TYPES)}[target]
    missing = [name for name in model.prebuilts if name not in known]
    if missing:
        lines.append(f"{service} has no equivalent of the prebuilt {_some(map(repr, missing))}: dropped")
    others = [(kind, name) for kind, name in model.others if not (target == "azure" and kind != "pattern.any")]
    if others:
        lines.append(f"{service} does not extract {_some(f'{name} ({kind})' for kind, name in others)}: dropped")
    if model.regexes and target == "aws":
        lines.append(f"{service} has no regex slots: {_some(map(repr, dict.fromkeys(r.name for r in model.regexes)))} dropped")
    if model.roles and target != "azure":
        lines.append(f"{service} does not tell roles apart: {_some(map(repr, model.roles))} read as their entities")
    if target == "aws":
        lines += _lex_drops(model)
    return lines


def _lex_drops(model: LuisModel) -> list[str]:
    """Labels Lex cannot slot, and the names Lex gives."""
    lines = []
    bot = to_lex(model)
    slotted = {slot.entity for intent in bot.intents for slot in intent.slots}
    typed = {*(e.name for e in model.lists), *model.learned, *(p for p in model.prebuilts if p in BUILT_IN_SLOT_TYPES)}
    nested = dict.fromkeys(label.entity for u in model.utterances if u.intent != NONE_INTENT for label in u.labels
                           if label.entity in typed - slotted)
    if nested:
        lines.append(f"Lex slots do not nest: the labels of {_some(map(repr, nested))} inside other labels stay sample text")
    repeated = [text for intent in bot.intents for text in intent.repeated]
    if repeated:
        lines.append(f"a Lex slot holds one value: in {_some(map(repr, repeated))} the second label of an entity stays "
                     "sample text")
    renamed = {original: lex for lex, original in bot.intent_names.items() if original != lex}
    if renamed:
        lines.append(f"Lex intent names: {_some(f'{name} → {lex}' for name, lex in renamed.items())} "
                     "(the publish stage reports the mapping)")
    slots = [f"{slot.entity} → {slot.name} ({intent.name})" for intent in bot.intents for slot in intent.slots
             if slot.name != slot.entity]
    if slots:
        lines.append(f"Lex slot names: {_some(slots)} (the publish stage reports the mapping)")
    return lines


def _lex_problems(found: Findings, model: LuisModel) -> None:
    """What Lex refuses to build: a sample utterance twice (in any intents), braces outside a slot, and
    what exceeds Lex's limits (`lexv2.problems`)."""
    seen: dict[str, str] = {}
    bot = to_lex(model)
    for problem, needles in problems(bot):
        found.add(problem, *needles)
    for intent in bot.intents:
        for text in intent.utterances:
            key = text.strip().lower()
            if key in seen:
                found.add(f"utterance {text!r} is an example of {seen[key]} and of {intent.original}: Lex refuses a "
                          "duplicate sample utterance", '"utterances"', json.dumps(text), json.dumps(text))
            elif "{" in text or "}" in text:
                found.add(f"utterance {text!r}: Lex reads braces as a slot reference", '"utterances"', json.dumps(text))
            seen.setdefault(key, intent.original)


def _some(items: Iterable[str], shown: int = 3) -> str:
    """A compact list for a one-line warning: the first few, then how many more."""
    names = list(items)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
