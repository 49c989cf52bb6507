"""Entity extraction for the local recognizer: closed lists, regex entities, prebuilt numbers
and learned entities.

Lists, regexes and numbers are the kinds LUIS matched without learning, so a model's own
definitions are enough to extract them. A machine-learned entity is known here only by the
phrases labelled as it in the model's utterances: those phrases are matched as a list would
be, a gazetteer rather than a sequence model. Overlaps resolve as LUIS does in practice: the
earliest, then the longest match wins ("7pm" is a time, not the number 7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geobot.nlu.model import LuisModel

_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
         "sixteen seventeen eighteen nineteen twenty".split()
_WORDS = {w: n for n, w in enumerate(_UNITS)} | {"thirty": 30, "forty": 40, "fifty": 50, "a dozen": 12}
_NUMBER = re.compile(r"\b(?:\d+|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Entity:
    """An entity found in a text, in CLU's terms (category, offset, length) plus a resolved value."""

    category: str
    text: str
    offset: int
    length: int
    value: str | int


class EntityExtractor:
    """Built once from a model; `extract` is pure and cheap."""

    def __init__(self, model: LuisModel) -> None:
        self._lists = []
        for name, values in [*((e.name, e.values) for e in model.lists), *_gazetteers(model)]:
            canonical = {phrase: value for value, phrases in values for phrase in phrases}
            if canonical:
                alternatives = "|".join(re.escape(p) for p in sorted(canonical, key=len, reverse=True))
                self._lists.append((name, re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE), canonical))
        self._regexes = [(e.name, e.pattern) for e in model.regexes]
        self._numbers = "number" in model.prebuilts

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for name, pattern, canonical in self._lists:
            found += [Entity(name, m.group(), m.start(), len(m.group()), canonical[m.group().lower()])
                      for m in pattern.finditer(text)]
        for name, pattern in self._regexes:
            found += [Entity(name, m.group(), m.start(), len(m.group()), m.group().lower())
                      for m in pattern.finditer(text) if m.group()]
        if self._numbers:
            found += [Entity("number", m.group(), m.start(), len(m.group()), _number(m.group()))
                      for m in _NUMBER.finditer(text)]
        return _without_overlaps(found)


def _gazetteers(model: LuisModel) -> list[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]]:
    """Each learned entity as a closed list of the phrases labelled as it, each its own value."""
    phrases: dict[str, dict[str, None]] = {name: {} for name in model.learned}
    for utterance in model.utterances:
        for label in utterance.labels:
            if label.entity in phrases:
                phrases[label.entity][utterance.text[label.start:label.end + 1]] = None
    return [(name, tuple((p, (p.lower(),)) for p in found)) for name, found in phrases.items() if found]


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS[word.lower()]


def _without_overlaps(entities: list[Entity]) -> list[Entity]:
    kept: list[Entity] = []
    end = -1
    for entity in sorted(entities, key=lambda e: (e.offset, -e.length)):
        if entity.offset >= end:
            kept.append(entity)
            end = entity.offset + entity.length
    return kept
