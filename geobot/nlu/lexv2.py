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
caller said), a prebuilt its AMAZON.* built-in when there is one. Only the slot types some slot
uses are made. The label becomes a {slot} reference in the sample utterance; a second label of
the same entity in one utterance stays text (a slot holds one value). Lex's API reference says
slot names must be unique within the bot, so an entity slotted in several intents is named
Entity, Entity_2 ... in the model's order. Slots are optional and elicited in the order of
their first label, which is their priority. LUIS's None intent is left out: Lex answers what no
intent matches with its built-in FallbackIntent.

`problems` lists what Lex would refuse to build, from its API model (a slot type value is 1-140
characters) and its quotas page (characters per sample utterance, utterances and slots per
intent, values per slot type, intents and slot types per locale).
"""

from __future__ import annotations

import json
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


MAX_VALUE = 140  # characters of a slot type value or synonym (SampleValue.value)
MAX_UTTERANCE = 500  # characters per sample utterance
MAX_UTTERANCES = 1500  # sample utterances per intent
MAX_SLOTS = 100  # slots per intent (a slot priority is 0-100)
MAX_TYPE_VALUES = 10_000  # values and synonyms per custom slot type
BIG_LOCALES = frozenset({"en_AU", "en_GB", "en_US"})  # the locales with the larger quotas below
MAX_INTENTS = (1000, 250)  # intents per locale: in BIG_LOCALES, in all others
MAX_SLOT_TYPES = (250, 100)  # custom slot types per locale: in BIG_LOCALES, in all others


@dataclass(frozen=True)
class LexSlot:
    name: str  # unique within the bot
    entity: str  # the model's entity it carries
    slot_type: str  # a built-in AMAZON.* type or the name of one of the bot's slot types
    priority: int  # 1 for the intent's first slot, then in the order of first labels


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
    repeated: tuple[str, ...] = ()  # utterances labelling one slotted entity twice: the second stays text


@dataclass(frozen=True)
class LexBot:
    intents: tuple[LexIntent, ...]
    slot_types: tuple[LexSlotType, ...]
    locale_id: str

    @property
    def intent_names(self) -> dict[str, str]:
        """Lex intent name → the model's name, for whoever reads Lex's answers."""
        return {intent.name: intent.original for intent in self.intents}

    @property
    def slot_names(self) -> dict[str, dict[str, str]]:
        """Lex intent name → its Lex slot names → the model's entities, for whoever reads Lex's slots."""
        return {intent.name: {slot.name: slot.entity for slot in intent.slots} for intent in self.intents if intent.slots}

    def utterances(self) -> dict[str, list[str]]:
        return {intent.name: list(intent.utterances) for intent in self.intents}

    def samples(self) -> dict[str, list[str]]:
        """The sample utterances Lex gets, with their {slot} references."""
        return {intent.name: list(intent.samples) for intent in self.intents}


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
        if name not in mapped:
            base = re.sub(r"[^0-9A-Za-z]+", lambda run: "-" if run.group() == "-" else "_", name).strip("_-") or "X"
            mapped[name] = _free(base, taken)
    return mapped


def _free(base: str, taken: set[str]) -> str:
    """`base` cut to Lex's length, or with _2, _3 ... if that is taken (without case); now taken too."""
    candidate, number = base[:MAX_NAME].rstrip("_-"), 2
    while candidate.lower() in taken:
        suffix = f"_{number}"
        candidate, number = base[:MAX_NAME - len(suffix)].rstrip("_-") + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def locale_id(culture: str) -> str:
    """LUIS's culture ("en-us") as a Lex locale id ("en_US")."""
    language, _, country = culture.partition("-")
    return f"{language.lower()}_{country.upper()}"


def to_lex(model: LuisModel) -> LexBot:
    intents = [name for name in model.intents if name != NONE_INTENT]
    intent_names = lex_names(intents)
    types = _slot_types(model)
    typed = {t.entity: t.name for t in types}
    typed.update({name: BUILT_IN_SLOT_TYPES[name] for name in model.prebuilts if name in BUILT_IN_SLOT_TYPES})
    examples = {intent: [u for u in model.utterances if u.intent == intent] for intent in intents}
    labelled = {intent: list(dict.fromkeys(label.entity for u in examples[intent] for label in _outermost(u, typed)))
                for intent in intents}
    slot_names = _slot_names(list(labelled.values()))
    lex_intents = []
    for intent, names in zip(intents, slot_names, strict=True):
        slots = tuple(LexSlot(names[entity], entity, typed[entity], priority)
                      for priority, entity in enumerate(labelled[intent], start=1))
        repeated = tuple(u.text for u in examples[intent] if len(_outermost(u, typed)) > len(_outermost(u, typed, once=True)))
        lex_intents.append(LexIntent(intent_names[intent], intent, tuple(u.text for u in examples[intent]),
                                     tuple(_sample(u, names) for u in examples[intent]), slots, repeated))
    used = {slot.entity for intent in lex_intents for slot in intent.slots}
    return LexBot(tuple(lex_intents), tuple(t for t in types if t.entity in used), locale_id(model.culture))


def _slot_names(intents: list[list[str]]) -> list[dict[str, str]]:
    """Entity → slot name for each intent: unique within the bot, the entity's Lex name where it is first slotted."""
    base = lex_names(entity for entities in intents for entity in entities)
    taken = {name.lower() for name in base.values()}
    first: set[str] = set()
    names: list[dict[str, str]] = []
    for entities in intents:
        names.append({entity: base[entity] if entity not in first else _free(base[entity], taken) for entity in entities})
        first.update(entities)
    return names


def _slot_types(model: LuisModel) -> tuple[LexSlotType, ...]:
    learned = {name: [(u.text[label.start:label.end + 1], ()) for u in model.utterances
                      for label in u.labels if label.entity == name] for name in model.learned}
    entities = [(e.name, e.values, "TopResolution") for e in model.lists]
    entities += [(name, phrases, "OriginalValue") for name, phrases in learned.items() if phrases]
    names = lex_names(name for name, _, _ in entities)
    return tuple(LexSlotType(names[name], name, _values(values), resolution) for name, values, resolution in entities)


def _values(values: Iterable[tuple[str, Iterable[str]]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each value once and each synonym once (without case), no synonym that repeats its value."""
    seen: dict[str, tuple[str, tuple[str, ...]]] = {}
    for value, synonyms in values:
        value = value.strip()
        if value and value.lower() not in seen:
            kept: dict[str, str] = {}
            for synonym in (s.strip() for s in synonyms):
                if synonym and synonym.lower() != value.lower():
                    kept.setdefault(synonym.lower(), synonym)
            seen[value.lower()] = (value, tuple(kept.values()))
    return tuple(seen.values())


def _outermost(utterance: Utterance, typed: Iterable[str], once: bool = False) -> list[Label]:
    """The labels of entities Lex can type that no other such label contains: Lex slots do not nest.
    With `once`, only the first label of each entity: a slot holds one value."""
    typed = set(typed)
    outermost: list[Label] = []
    for label in sorted(utterance.labels, key=lambda x: (x.start, -x.end)):
        if label.entity in typed and (not outermost or label.start > outermost[-1].end):
            outermost.append(label)
    if once:
        return [label for i, label in enumerate(outermost) if label.entity not in {x.entity for x in outermost[:i]}]
    return outermost


def _sample(utterance: Utterance, slots: dict[str, str]) -> str:
    """The utterance with its slotted labels as {slot} references."""
    text = utterance.text
    for label in reversed(_outermost(utterance, slots, once=True)):  # right to left: the positions on the left stay valid
        text = f"{text[:label.start]}{{{slots[label.entity]}}}{text[label.end + 1:]}"
    return text


def problems(bot: LexBot) -> list[tuple[str, tuple[str, ...]]]:
    """What Lex would refuse to build, each with the strings that find its item in the model file."""
    found: list[tuple[str, tuple[str, ...]]] = []
    big = 0 if bot.locale_id in BIG_LOCALES else 1
    if len(bot.intents) > MAX_INTENTS[big]:
        found.append((f"{len(bot.intents)} intents: Lex allows {MAX_INTENTS[big]} in {bot.locale_id}", ('"intents"',)))
    if len(bot.slot_types) > MAX_SLOT_TYPES[big]:
        found.append((f"{len(bot.slot_types)} entities become Lex slot types: Lex allows {MAX_SLOT_TYPES[big]} "
                      f"in {bot.locale_id}", ('"entities"',)))
    for intent in bot.intents:
        where = ('"intents"', json.dumps(intent.original))
        if len(intent.samples) > MAX_UTTERANCES:
            found.append((f"intent {intent.original} has {len(intent.samples)} utterances: Lex allows {MAX_UTTERANCES}", where))
        if len(intent.slots) > MAX_SLOTS:
            found.append((f"intent {intent.original} labels {len(intent.slots)} entities: Lex allows {MAX_SLOTS} slots "
                          "per intent", where))
        for text, sample in zip(intent.utterances, intent.samples, strict=True):
            if len(sample) > MAX_UTTERANCE:
                found.append((f"utterance {text[:40]!r}... has {len(sample)} characters: Lex allows {MAX_UTTERANCE}",
                              ('"utterances"', json.dumps(text))))
    for slot_type in bot.slot_types:
        count = sum(1 + len(synonyms) for _, synonyms in slot_type.values)
        if count > MAX_TYPE_VALUES:
            found.append((f"entity {slot_type.entity} has {count} values and synonyms: Lex allows {MAX_TYPE_VALUES} "
                          "per slot type", (json.dumps(slot_type.entity),)))
        for value in (v for value, synonyms in slot_type.values for v in (value, *synonyms) if len(v) > MAX_VALUE):
            found.append((f"entity {slot_type.entity}: value {value[:40]!r}... has {len(value)} characters: Lex allows "
                          f"{MAX_VALUE} in a slot value", (json.dumps(slot_type.entity), json.dumps(value))))
    return found
