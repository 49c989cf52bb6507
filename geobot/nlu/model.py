"""Reads a language model in the LUIS JSON export format, the format users of the original have.

The reader checks what both consumers need: the local recognizer (intents, example
utterances, closed-list, regex and prebuilt entities) and the CLU import (which takes the file
as it is). A bad file raises `ModelError` naming the file, the line and the problem; the
command line turns it into exit code 2. Lines are found by locating the offending value in
the text, as Python's JSON parser keeps no positions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from geobot.errors import InputError

HINT = "fix the file: it must be a LUIS app export (JSON, luis_schema_version 3.x-7.x)"
LOCAL_PREBUILTS = ("number",)  # prebuilt kinds the local recognizer extracts; CLU knows more


class ModelError(InputError):
    """The language model file cannot be used; says where and why."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}", HINT)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Label:
    """An entity labelled in an utterance; `end` is inclusive, as in LUIS's endPos."""

    entity: str
    start: int
    end: int


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True)
class ListEntity:
    """A closed list: canonical values, each with the phrases that mean it."""

    name: str
    values: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class RegexEntity:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class LuisModel:
    path: Path
    name: str
    culture: str
    intents: tuple[str, ...]
    lists: tuple[ListEntity, ...]
    regexes: tuple[RegexEntity, ...]
    prebuilts: tuple[str, ...]
    utterances: tuple[Utterance, ...]
    raw: dict  # the file as read, for the CLU import (format=Luis takes it unchanged)


def default_model_path() -> Path:
    """The sample model: `geobot/_luis` in an installed wheel, `luis/` in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    for base in (package / "_luis", package.parent / "luis"):
        if (base / "geobot.luis.json").is_file():
            return base / "geobot.luis.json"
    return package.parent / "luis" / "geobot.luis.json"


def load_model(path: Path) -> LuisModel:
    """Read and check a LUIS JSON export."""
    path = Path(path)
    text, data = _read_json(path)
    where = _Locator(path, text)
    if not isinstance(data, dict):
        raise ModelError(path, 1, "the top level must be a JSON object (a LUIS app export)")
    if not isinstance(data.get("luis_schema_version"), str):
        raise where.error("missing 'luis_schema_version': this is not a LUIS app export", '"intents"')
    intents = _names(where, data, "intents")
    if not intents:
        raise where.error("'intents' is empty: a model needs at least one intent", '"intents"')
    lists = tuple(_closed_list(where, item) for item in _items(where, data, "closedLists"))
    regexes = tuple(_regex(where, item) for item in _items(where, data, "regex_entities"))
    prebuilts = _names(where, data, "prebuiltEntities")
    entities = {*(e.name for e in lists), *(e.name for e in regexes), *prebuilts}
    for key in ("entities", "composites", "hierarchicals", "patternAnyEntities"):
        entities.update(_names(where, data, key))
    utterances = tuple(_utterances(where, data.get("utterances"), set(intents), entities, '"utterances"'))
    for intent in intents:
        if intent != "None" and not any(u.intent == intent for u in utterances):
            raise where.error(f"intent {intent!r} has no example utterance", '"intents"', json.dumps(intent))
    return LuisModel(
        path, str(data.get("name", path.stem)), str(data.get("culture", "en-us")), tuple(intents),
        lists, regexes, tuple(prebuilts), utterances, data,
    )


def load_examples(path: Path, model: LuisModel) -> list[Utterance]:
    """Read a LUIS batch-test file (a JSON list of {text, intent, entities}) for `model`."""
    path = Path(path)
    text, data = _read_json(path)
    entities = {*(e.name for e in model.lists), *(e.name for e in model.regexes), *model.prebuilts}
    return list(_utterances(_Locator(path, text), data, set(model.intents), entities, "["))


def _read_json(path: Path) -> tuple[str, object]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(path, 1, f"cannot read the file: {exc.__class__.__name__}: {exc}") from exc
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from exc


class _Locator:
    """Finds the line of a value by searching the text for a sequence of JSON tokens."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.cursor = 0  # utterances are checked in order: search each one after the last

    def line(self, *needles: str, advance: bool = False) -> int:
        pos = self.cursor if advance else 0
        found = pos
        for needle in needles:
            hit = self.text.find(needle, pos)
            if hit < 0:
                hit = self.text.find(_unescaped(needle), pos)
            if hit >= 0:
                found, pos = hit, hit + 1
        if advance:
            self.cursor = found
        return self.text.count("\n", 0, found) + 1

    def error(self, problem: str, *needles: str, advance: bool = False) -> ModelError:
        return ModelError(self.path, self.line(*needles, advance=advance), problem)


def _unescaped(needle: str) -> str:
    try:
        return json.dumps(json.loads(needle), ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return needle


def _items(where: _Locator, data: dict, key: str) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise where.error(f"'{key}' must be a list of objects", f'"{key}"')
    return items


def _names(where: _Locator, data: dict, key: str) -> list[str]:
    names: list[str] = []
    for item in _items(where, data, key):
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise where.error(f"an item of '{key}' has no 'name'", f'"{key}"')
        if name in names:
            raise where.error(f"'{key}' names {name!r} twice", f'"{key}"', json.dumps(name), json.dumps(name))
        names.append(name)
    return names


def _closed_list(where: _Locator, item: dict) -> ListEntity:
    name = str(item.get("name", ""))
    values = []
    for sub in item.get("subLists", []):
        canonical, phrases = sub.get("canonicalForm"), sub.get("list", [])
        if not isinstance(canonical, str) or not all(isinstance(p, str) for p in phrases):
            raise where.error(f"closed list {name!r}: each subList needs a canonicalForm and a list of strings",
                              '"closedLists"', json.dumps(name))
        values.append((canonical, tuple(dict.fromkeys(p.lower() for p in [canonical, *phrases]))))
    return ListEntity(name, tuple(values))


def _regex(where: _Locator, item: dict) -> RegexEntity:
    name, pattern = str(item.get("name", "")), item.get("regexPattern")
    try:
        return RegexEntity(name, re.compile(str(pattern), re.IGNORECASE))
    except re.error as exc:
        raise where.error(f"regex entity {name!r}: pattern does not compile: {exc}",
                          '"regex_entities"', json.dumps(name)) from exc


def _utterances(where: _Locator, items: object, intents: set[str], entities: set[str], anchor: str):
    if not isinstance(items, list):
        raise where.error("'utterances' must be a list", anchor)
    where.line(anchor, advance=True)
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise where.error("an utterance has no 'text'", '"text"', advance=True)
        text, intent = item["text"], item.get("intent")
        at = json.dumps(text)
        if intent not in intents:
            raise where.error(f"utterance {text!r}: intent {intent!r} is not declared in 'intents'", at, advance=True)
        where.line(at, advance=True)
        labels = []
        for label in item.get("entities", []):
            entity, start, end = label.get("entity"), label.get("startPos"), label.get("endPos")
            if entity not in entities:
                raise where.error(f"utterance {text!r}: entity {entity!r} is not declared", at, advance=True)
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < len(text)):
                raise where.error(f"utterance {text!r}: entity {entity!r} has startPos/endPos outside the text "
                                  f"(0..{len(text) - 1}, endPos inclusive)", at, advance=True)
            labels.append(Label(entity, start, end))
        yield Utterance(text, intent, tuple(labels))
