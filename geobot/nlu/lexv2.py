"""A model as Amazon Lex V2 intents, slot types and slots, under the names Lex allows.

Lex names (intents, slots, slot types) are 1-100 characters matching ^([0-9a-zA-Z][_-]?)+$:
no dots, no spaces, no doubled or trailing hyphen or underscore. `lex_names` maps each
original name deterministically: a name Lex accepts stays as it is; any other run of
characters Lex refuses becomes one underscore ("Utilities.Stop" → "Utilities_Stop"); the
result is cut to 100; a name that is taken gets _2, _3 ... in the model's order. The mapping
goes back with the bot (`LexBot.intent_names`), so what reads Lex's answers sees LUIS names.

Each entity labelled in an intent's utterances becomes a slot of that intent where Lex has a
slot type for it: a closed list becomes a custom slot type (canonical values with their
synonyms), a learned entity one whose values are its labelled phrases (Lex keeps what the
caller said), a prebuilt its AMAZON.* built-in when there is one. The label becomes a {slot}
reference in the sample utterance. LUIS's None intent is left out: Lex answers what no
intent matches with its built-in FallbackIntent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from geobot.nlu.model import Label, LuisModel, Utterance

NONE_INTENT = "None"
MAX_NAME = 100
NAME = re.compile(r"(?:[0-9A-Za-z][_-]?)+")
RESERVED = frozenset({"fallbackintent"})  # Lex's built-in intent, compared without case
BUILT_IN_SLOT_TYPES = {  # LUIS prebuilt → the Lex V2 built-in slot type that extracts the same thing
    "number": "AMAZON.Number", "percentage": "AMAZON.Percentage", "email": "AMAZON.EmailAddress",
    "phonenumber": "AMAZON.PhoneNumber", "datetimeV2": "AMAZON.Date", "personName": "AMAZON.FirstName",
    "geographyV2": "AMAZON.City",
}


@dataclass(frozen=True)
class LexSlot:
    name: str
    entity: str  # the model's entity it carries
    slot_type: str  # a built-in AMAZON.* type or the name of one of the bot's slot types


@dataclass(frozen=True)
class LexSlotType:
    name: str
    entity: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # (value, synonyms)
    resolution: str  # TopResolution (lists: the canonical value) or OriginalValue (learned: what was said)


@dataclass(frozen=True)
class LexIntent:
    name: str
    original: str
    utterances: tuple[str, ...]  # the samples as written
    samples: tuple[str, ...]  # the same with each slotted label as a {slot} reference
    slots: tuple[LexSlot, ...]


@dataclass(frozen=True)
class LexBot:
    intents: tuple[LexIntent, ...]
    slot_types: tuple[LexSlotType, ...]
    locale_id: str

    @property
    def intent_names(self) -> dict[str, str]:
        """Lex intent name → the model's name, for whoever reads Lex's answers."""
        return {intent.name: intent.original for intent in self.intents}

    def utterances(self) -> dict[str, list[str]]:
        return {intent.name: list(intent.utterances) for intent in self.intents}


def is_lex_name(name: str) -> bool:
    return len(name) <= MAX_NAME and NAME.fullmatch(name) is not None


def lex_names(names: Iterable[str]) -> dict[str, str]:
    """Original → Lex name, unique (without case) and deterministic; names Lex accepts are kept."""
    names = list(dict.fromkeys(names))
    taken = set(RESERVED)
    mapped: dict[str, str] = {}
    for name in names:  # first the names Lex accepts, so that no mapped name can take theirs
        if is_lex_name(name) and name.lower() not in taken:
            mapped[name] = name
            taken.add(name.lower())
    for name in names:
        if name in mapped:
            continue
        base = re.sub(r"[^0-9A-Za-z]+", lambda run: "-" if run.group() == "-" else "_", name).strip("_-") or "X"
        candidate, number = base[:MAX_NAME].rstrip("_-"), 2
        while candidate.lower() in taken:
            suffix = f"_{number}"
            candidate, number = base[:MAX_NAME - len(suffix)].rstrip("_-") + suffix, number + 1
        mapped[name] = candidate
        taken.add(candidate.lower())
    return mapped


def locale_id(culture: str) -> str:
    """LUIS's culture ("en-us") as a Lex locale id ("en_US")."""
    language, _, country = culture.partition("-")
    return f"{language.lower()}_{country.upper()}"


def to_lex(model: LuisModel) -> LexBot:
    intents = [name for name in model.intents if name != NONE_INTENT]
    intent_names = lex_names(intents)
    slot_types = _slot_types(model)
    typed = {t.entity: t.name for t in slot_types}
    typed.update({name: BUILT_IN_SLOT_TYPES[name] for name in model.prebuilts if name in BUILT_IN_SLOT_TYPES})
    lex_intents = []
    for intent in intents:
        examples = [u for u in model.utterances if u.intent == intent]
        labelled = dict.fromkeys(label.entity for u in examples for label in _outermost(u, typed))
        slot_names = lex_names(labelled)
        slots = tuple(LexSlot(slot_names[entity], entity, typed[entity]) for entity in labelled)
        lex_intents.append(LexIntent(intent_names[intent], intent, tuple(u.text for u in examples),
                                     tuple(_sample(u, slot_names) for u in examples), slots))
    return LexBot(tuple(lex_intents), slot_types, locale_id(model.culture))


def _slot_types(model: LuisModel) -> tuple[LexSlotType, ...]:
    learned = {name: dict.fromkeys(u.text[label.start:label.end + 1] for u in model.utterances
                                   for label in u.labels if label.entity == name) for name in model.learned}
    entities = [(e.name, e.values, "TopResolution") for e in model.lists]
    entities += [(name, tuple((p, ()) for p in phrases), "OriginalValue") for name, phrases in learned.items() if phrases]
    names = lex_names(name for name, _, _ in entities)
    return tuple(LexSlotType(names[name], name, tuple((v, tuple(s for s in synonyms if s != v.lower()))
                                                        for v, synonyms in values), resolution)
                 for name, values, resolution in entities)


def _outermost(utterance: Utterance, typed: Iterable[str]) -> list[Label]:
    """The labels of entities Lex can type that no other such label contains: Lex slots do not nest."""
    typed = set(typed)
    outermost: list[Label] = []
    for label in sorted(utterance.labels, key=lambda x: (x.start, -x.end)):
        if label.entity in typed and (not outermost or label.start > outermost[-1].end):
            outermost.append(label)
    return outermost


def _sample(utterance: Utterance, slots: dict[str, str]) -> str:
    """The utterance with its slotted labels as {slot} references."""
    text = utterance.text
    for label in reversed(_outermost(utterance, slots)):  # right to left: the positions on the left stay valid
        text = f"{text[:label.start]}{{{slots[label.entity]}}}{text[label.end + 1:]}"
    return text
