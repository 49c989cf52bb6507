"""The reader of LUIS app exports, luis_schema_version 4.x to 7.x.

The versions differ in how they spell the same things: phrase lists are `model_features`
before 6.0 and `phraselists` after; a machine-learned entity's children are names (5.x) or
objects (6.x, 7.x); 7.0 nests a child entity's label inside its parent's (`children`). All
of them read into one `LuisModel`. Every malformed item becomes a problem naming it, never
a Python error, and reading goes on so that one run lists every problem of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from geobot.nlu.model import (
    Findings, Label, ListEntity, LuisModel, Pattern, RegexEntity, Utterance, kind_of,
)

SCHEMA = re.compile(r"[4-7]\.\d+(?:\.\d+)?")
NONE_INTENT = "None"
OTHER_ENTITIES = {"composites": "composite", "hierarchicals": "hierarchical", "patternAnyEntities": "pattern.any"}
ENTITY_KEYS = ("entities", "closedLists", "regex_entities", "prebuiltEntities", *OTHER_ENTITIES)


def read(found: Findings, data: dict) -> LuisModel | None:
    version = data.get("luis_schema_version")
    if version is None:
        found.add("no 'luis_schema_version' (nor a CLU export's 'projectFileVersion'): this is not a model export")
        return None
    if not isinstance(version, str) or not SCHEMA.fullmatch(version):
        found.add(f"luis_schema_version {version!r} is not supported: geobot reads LUIS JSON 4.x-7.x",
                  '"luis_schema_version"')
    named_intents = named(found, data, "intents")
    intents = [name for name, _ in named_intents]
    if data.get("intents", []) == []:
        found.add("'intents' is empty or missing: a model needs at least one intent", '"intents"')
    for name, item in named_intents:
        _features(found, "intent", name, item, '"intents"')
    lists = [_closed_list(found, name, item) for name, item in named(found, data, "closedLists")]
    regexes = [r for name, item in named(found, data, "regex_entities") if (r := _regex(found, name, item))]
    prebuilts = [name for name, _ in named(found, data, "prebuiltEntities")]
    learned = list(_learned(found, named(found, data, "entities")))
    others = [(kind, name) for key, kind in OTHER_ENTITIES.items() for name, _ in named(found, data, key)]
    _unique_across_kinds(found, {"closed list": [e.name for e in lists], "regex": [e.name for e in regexes],
                                 "prebuilt": prebuilts, "entity": [n for n in learned if n in _top(data)],
                                 **{kind: [n for k, n in others if k == kind] for kind in OTHER_ENTITIES.values()}})
    declared = {*(e.name for e in lists), *(e.name for e in regexes), *prebuilts, *learned, *(n for _, n in others)}
    known_entities = declared if all(isinstance(data.get(k, []), list) for k in ENTITY_KEYS) else None
    known_intents = set(intents) if isinstance(data.get("intents"), list) else None
    phrase_key = "phraselists" if "phraselists" in data else "model_features"
    phraselists = [name for name, _ in named(found, data, phrase_key)]
    patterns = list(_patterns(found, data, known_intents))
    examples = utterances(found, data.get("utterances", []), "utterances", known_intents, known_entities)
    exemplified = {u.get("intent") for _, u in objects(None, data, "utterances") if isinstance(u.get("intent"), str)}
    for intent in intents:
        if intent != NONE_INTENT and intent not in exemplified:
            found.add(f"intent {intent!r} has no example utterance", '"intents"', json.dumps(intent))
    roles = [f"{name}:{role}" for key in ENTITY_KEYS for name, item in named(None, data, key)
             for role in _strings(item.get("roles"))]
    return LuisModel(
        found.path, str(data.get("name") or found.path.stem), str(data.get("culture") or "en-us"), tuple(intents),
        tuple(lists), tuple(regexes), tuple(prebuilts), tuple(examples), data, "luis", str(version),
        tuple(dict.fromkeys(learned)), tuple(patterns), tuple(phraselists), tuple(others), tuple(roles),
    )


def objects(found: Findings | None, data: dict, key: str) -> list[tuple[int, dict]]:
    """The objects of the list `data[key]` with their indexes; anything else is a problem."""
    value = data.get(key, [])
    if not isinstance(value, list):
        if found is not None:
            found.add(f"'{key}' is {kind_of(value)}: it must be a list of objects (write [] for none)", f'"{key}"')
        return []
    good = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            good.append((index, item))
        elif found is not None:
            found.add(f"{key}[{index}] is {kind_of(item)}, not an object", f'"{key}"')
    return good


def named(found: Findings | None, data: dict, key: str, field: str = "name") -> list[tuple[str, dict]]:
    """The objects of `data[key]` that have a name (in `field`), each name once."""
    seen: list[str] = []
    good = []
    for index, item in objects(found, data, key):
        name = item.get(field)
        if not isinstance(name, str) or not name.strip():
            if found is not None:
                found.add(f"{key}[{index}] has no '{field}'", f'"{key}"')
        elif name in seen:
            if found is not None:
                found.add(f"'{key}' names {name!r} twice", f'"{key}"', json.dumps(name), json.dumps(name))
        else:
            seen.append(name)
            good.append((name, item))
    return good


def utterances(found: Findings, items: object, where: str, intents: set[str] | None,
               declared: set[str] | None) -> list[Utterance]:
    """Labelled examples: LUIS's `utterances`, or a batch-test file (the same objects in a list).

    `intents` or `declared` (entity names) is None when its declaration is itself malformed:
    that problem is reported once, not again for every utterance that uses a name.
    """
    anchor = f'"{where}"' if where == "utterances" else "["
    if not isinstance(items, list):
        found.add(f"'{where}' is {kind_of(items)}: it must be a list of utterances", anchor)
        return []
    pos = found.find(anchor)
    good = []
    for index, item in enumerate(items):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            what = "has no 'text'" if isinstance(item, dict) else f"is {kind_of(item)}, not an object"
            found.add(f"{where}[{index}] {what}", '"text"' if isinstance(item, dict) else "", start=pos)
            continue
        pos = found.find(json.dumps(text), start=pos)
        owner = f"utterance {text!r}"
        intent = item.get("intent")
        fine = True
        if not isinstance(intent, str) or (intents is not None and intent not in intents):
            found.add(f"{owner}: intent {intent!r} is not declared in 'intents'", start=pos)
            fine = False
        labels: list[Label] = []
        fine = _labels(found, owner, item.get("entities", []), text, declared, pos, labels, (0, len(text) - 1)) and fine
        if fine:
            good.append(Utterance(text, intent, tuple(labels)))
    return good


def _labels(found: Findings, owner: str, value: object, text: str, declared: set[str] | None, pos: int,
            out: list[Label], span: tuple[int, int]) -> bool:
    """Append the labels (children flattened after their parent); False when one is malformed."""
    if not isinstance(value, list):
        found.add(f"{owner}: 'entities' is {kind_of(value)}: it must be a list of labels (write [] for none)", start=pos)
        return False
    fine = True
    for index, label in enumerate(value):
        if not isinstance(label, dict):
            found.add(f"{owner}: label {index} is {kind_of(label)}, not an object {{entity, startPos, endPos}}", start=pos)
            fine = False
            continue
        entity, start, end = label.get("entity"), label.get("startPos"), label.get("endPos")
        if not isinstance(entity, str) or (declared is not None and entity not in declared):
            found.add(f"{owner}: entity {entity!r} is not declared", start=pos)
            fine = False
            continue
        if not (_int(start) and _int(end) and span[0] <= start <= end <= span[1]):
            where = "outside the text" if span == (0, len(text) - 1) else "outside its parent's label"
            found.add(f"{owner}: entity {entity!r} has startPos/endPos {where} ({span[0]}..{span[1]}, endPos inclusive)",
                      start=pos)
            fine = False
            continue
        out.append(Label(entity, start, end))
        fine = _labels(found, owner, label.get("children", []), text, declared, pos, out, (start, end)) and fine
    return fine


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _closed_list(found: Findings, name: str, item: dict) -> ListEntity:
    subs = item.get("subLists", [])
    if not isinstance(subs, list):
        found.add(f"closed list {name!r}: 'subLists' is {kind_of(subs)}, not a list", '"closedLists"', json.dumps(name))
        return ListEntity(name, ())
    values = []
    for index, sub in enumerate(subs):
        canonical = sub.get("canonicalForm") if isinstance(sub, dict) else None
        phrases = sub.get("list", []) if isinstance(sub, dict) else None
        if not isinstance(canonical, str) or not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            found.add(f"closed list {name!r}: subLists[{index}] needs a canonicalForm and a list of strings",
                      '"closedLists"', json.dumps(name))
            continue
        values.append((canonical, tuple(dict.fromkeys(p.lower() for p in [canonical, *phrases]))))
    return ListEntity(name, tuple(values))


def _regex(found: Findings, name: str, item: dict) -> RegexEntity | None:
    pattern = item.get("regexPattern")
    if not isinstance(pattern, str) or not pattern:
        found.add(f"regex entity {name!r} has no 'regexPattern'", '"regex_entities"', json.dumps(name))
        return None
    try:
        return RegexEntity(name, re.compile(pattern, re.IGNORECASE))
    except re.error as exc:
        found.add(f"regex entity {name!r}: pattern does not compile: {exc}", '"regex_entities"', json.dumps(name))
        return None


def _features(found: Findings, kind: str, name: str, item: dict, anchor: str) -> None:
    """6.0+ features: a list of objects, each naming a model or a phrase list."""
    features = item.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        found.add(f"{kind} {name!r}: 'features' must be a list of objects {{modelName or featureName}}", anchor,
                  json.dumps(name))


def _learned(found: Findings, entities: list[tuple[str, dict]]) -> Iterable[str]:
    """Machine-learned entities and, depth first, their children (names in 5.x, objects since 6.0)."""
    for name, item in entities:
        yield name
        _features(found, "entity", name, item, '"entities"')
        children = item.get("children", [])
        if not isinstance(children, list):
            found.add(f"entity {name!r}: 'children' is {kind_of(children)}, not a list", '"entities"', json.dumps(name))
            continue
        for index, child in enumerate(children):
            if isinstance(child, str) and child.strip():
                yield child
            elif isinstance(child, dict) and isinstance(child.get("name"), str) and child["name"].strip():
                yield from _learned(found, [(child["name"], child)])
            else:
                found.add(f"entity {name!r}: children[{index}] is neither a name nor an object with a 'name'",
                          '"entities"', json.dumps(name))


def _top(data: dict) -> set[str]:
    return {name for name, _ in named(None, data, "entities")}


def _unique_across_kinds(found: Findings, kinds: dict[str, list[str]]) -> None:
    first: dict[str, str] = {}
    for kind, names in kinds.items():
        for name in names:
            if name in first:
                found.add(f"{name!r} is declared as a {first[name]} and as a {kind}: LUIS names each entity once",
                          json.dumps(name))
            first.setdefault(name, kind)


def _patterns(found: Findings, data: dict, intents: set[str] | None) -> Iterable[Pattern]:
    for index, item in objects(found, data, "patterns"):
        text, intent = item.get("pattern"), item.get("intent")
        if not isinstance(text, str) or not text.strip():
            found.add(f"patterns[{index}] has no 'pattern'", '"patterns"')
        elif not isinstance(intent, str) or (intents is not None and intent not in intents):
            found.add(f"pattern {text!r}: intent {intent!r} is not declared in 'intents'", '"patterns"', json.dumps(text))
        else:
            yield Pattern(text, intent)
