"""Entity extraction for the local recognizer: closed lists, regex entities and prebuilt numbers.

These are the entity kinds LUIS matched without learning, so a LUIS model's own definitions
are enough to extract them. Overlaps resolve as LUIS does in practice: the earliest, then the
longest match wins ("7pm" is a time, not the number 7).
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
        for entity in model.lists:
            canonical = {phrase: value for value, phrases in entity.values for phrase in phrases}
            if canonical:
                alternatives = "|".join(re.escape(p) for p in sorted(canonical, key=len, reverse=True))
                self._lists.append((entity.name, re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE), canonical))
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
