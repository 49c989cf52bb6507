"""The language model geobot deploys: a LUIS app export (schema 4.x-7.x) or a CLU project export.

`load_model` reads either format into one `LuisModel`, the shape every consumer works from:
the local recognizer (intents, utterances, list, regex, prebuilt and learned entities), the
converter to LUIS 7.0.0 for CLU (`upgrade`) and to Lex V2 (`lexv2`). A bad file raises one
`ModelError` listing every problem, each with its line and the item it names; the command
line turns it into exit code 2. Lines are found by locating the offending item in the text,
as Python's JSON parser keeps no positions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geobot import resources
from geobot.errors import InputError

HINT = "fix the file: it must be a LUIS app export (JSON, luis_schema_version 4.x-7.x) or a CLU project export"
SAMPLE_FILE = "geobot.luis.json"


@dataclass(frozen=True)
class Problem:
    line: int
    text: str


class ModelError(InputError):
    """The language model file cannot be used; says where and why, for every problem at once."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        first = problems[0]
        if len(problems) == 1:
            message = f"{path}:{first.line}: {first.text}"
        else:
            message = f"{path}: {len(problems)} problems" + "".join(f"\n  line {p.line}: {p.text}" for p in problems)
        super().__init__(message, HINT)
        self.path = path
        self.line = first.line
        self.problems = tuple(problems)


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
class Pattern:
    """A LUIS pattern ("book {city} for {number}"), a template of its intent."""

    text: str
    intent: str


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
    raw: dict  # the file as read: the converters start from it
    kind: Literal["luis", "clu"] = "luis"
    version: str = "7.0.0"  # luis_schema_version, or a CLU export's projectFileVersion
    learned: tuple[str, ...] = ()  # machine-learned entities (and their children), known from labels only
    patterns: tuple[Pattern, ...] = ()
    phraselists: tuple[str, ...] = ()
    others: tuple[tuple[str, str], ...] = ()  # (kind, name): composites, hierarchicals, pattern.any entities
    roles: tuple[str, ...] = ()  # "entity:role" of every role defined

    @property
    def entity_names(self) -> frozenset[str]:
        """Every name an utterance may label."""
        return frozenset({*(e.name for e in self.lists), *(e.name for e in self.regexes), *self.prebuilts,
                          *self.learned, *(name for _, name in self.others)})


def default_model_path() -> Path:
    """The sample model: `geobot/_luis` in an installed wheel, `luis/` in a source checkout."""
    return resources.luis_dir() / SAMPLE_FILE


def load_model(path: Path) -> LuisModel:
    """Read and check a LUIS app export or a CLU project export; every problem is reported at once."""
    from geobot.nlu import clu_export, luis_json

    path = Path(path)
    text, data = read_json(path)
    found = Findings(path, text)
    if not isinstance(data, dict):
        raise ModelError(path, [Problem(1, "the top level must be a JSON object (a LUIS app or CLU project export)")])
    reader = clu_export.read if clu_export.is_clu_export(data) else luis_json.read
    model = reader(found, data)
    found.check()
    assert model is not None  # a reader returns None only with a problem found
    return model


def load_examples(path: Path, model: LuisModel) -> list[Utterance]:
    """Read a LUIS batch-test file (a JSON list of {text, intent, entities}) for `model`."""
    from geobot.nlu import luis_json

    path = Path(path)
    text, data = read_json(path)
    found = Findings(path, text)
    examples = luis_json.utterances(found, data, "examples", set(model.intents), set(model.entity_names))
    found.check()
    return examples


def read_json(path: Path) -> tuple[str, object]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(path, [Problem(1, f"cannot read the file: {exc.__class__.__name__}: {exc}")]) from exc
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(path, [Problem(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")]) from exc


class Findings:
    """Every problem of one file, each at the line of the item it names."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.problems: list[Problem] = []

    def find(self, *needles: str, start: int = 0) -> int:
        """The position of the last needle, each searched after the one before; `start` if none is found."""
        pos = found = start
        for needle in needles:
            hit = self.text.find(needle, pos)
            if hit < 0:
                hit = self.text.find(_unescaped(needle), pos)
            if hit >= 0:
                found, pos = hit, hit + 1
        return found

    def add(self, problem: str, *needles: str, start: int = 0) -> None:
        at = self.find(*needles, start=start)
        self.problems.append(Problem(self.text.count("\n", 0, at) + 1, problem))

    def check(self) -> None:
        if self.problems:
            raise ModelError(self.path, sorted(self.problems, key=lambda p: p.line))


def _unescaped(needle: str) -> str:
    try:
        return json.dumps(json.loads(needle), ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return needle


def kind_of(value: object) -> str:
    """How a problem names a JSON value that has the wrong type."""
    return {type(None): "null", list: "a list", dict: "an object", str: "a string", bool: "a boolean"}.get(
        type(value), "a number")
