"""The reader of CLU project exports (Language Studio's "Export", the body of the Import call).

A CLU entity is one category with components: a list, prebuilts, regular expressions, and
what it learns from labels. Each component becomes what the LUIS reader makes of the same
thing, under the entity's category: a closed list, a regex entity, a prebuilt, a learned
entity. Labels are `offset`/`length`; they become LUIS's inclusive start/end positions.
"""

from __future__ import annotations

import json
import re

from geobot.nlu.luis_json import named, objects
from geobot.nlu.model import Findings, Label, ListEntity, LuisModel, RegexEntity, Utterance, kind_of

FILE_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_clu_export(data: dict) -> bool:
    return "projectFileVersion" in data or "assets" in data


def read(found: Findings, data: dict) -> LuisModel | None:
    version = data.get("projectFileVersion")
    if not isinstance(version, str) or not FILE_VERSION.fullmatch(version):
        found.add(f"projectFileVersion {version!r} is not a CLU export version (a date such as \"2022-05-01\")",
                  '"projectFileVersion"')
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assets = data.get("assets")
    if not isinstance(assets, dict):
        found.add(f"'assets' is {kind_of(assets)}: a CLU export keeps its intents, entities and utterances there",
                  '"assets"')
        return None
    if assets.get("projectKind", "Conversation") != "Conversation":
        found.add(f"assets.projectKind {assets.get('projectKind')!r}: only Conversation projects hold intents",
                  '"projectKind"')
    intents = [name for name, _ in named(found, assets, "intents", "category")]
    if assets.get("intents", []) == []:
        found.add("'intents' is empty or missing: a model needs at least one intent", '"intents"')
    lists, regexes, prebuilts, learned = [], [], [], []
    entities = named(found, assets, "entities", "category")
    for name, entity in entities:
        components = 0
        if isinstance(entity.get("list"), dict):
            lists.append(_list(found, name, entity["list"]))
            components += 1
        regex = entity.get("regex") if isinstance(entity.get("regex"), dict) else {}
        for _, expression in objects(found, regex, "expressions"):
            try:
                regexes.append(RegexEntity(name, re.compile(str(expression.get("regexPattern")), re.IGNORECASE)))
                components += 1
            except re.error as exc:
                found.add(f"entity {name!r}: regex {expression.get('regexKey')!r} does not compile: {exc}",
                          '"entities"', json.dumps(name))
        for _, prebuilt in objects(found, entity, "prebuilts"):
            if isinstance(prebuilt.get("category"), str):
                prebuilts.append(prebuilt["category"])
                components += 1
        if not components:
            learned.append(name)
    examples = _utterances(found, assets, set(intents), {name for name, _ in entities})
    exemplified = {u.get("intent") for _, u in objects(None, assets, "utterances") if isinstance(u.get("intent"), str)}
    for intent in intents:
        if intent != "None" and intent not in exemplified:
            found.add(f"intent {intent!r} has no example utterance", '"intents"', json.dumps(intent))
    return LuisModel(
        found.path, str(metadata.get("projectName") or found.path.stem), str(metadata.get("language") or "en-us"),
        tuple(intents), tuple(lists), tuple(regexes), tuple(dict.fromkeys(prebuilts)), tuple(examples), data, "clu",
        str(version), tuple(learned),
    )


def _list(found: Findings, name: str, component: dict) -> ListEntity:
    values = []
    for index, sub in objects(found, component, "sublists"):
        key = sub.get("listKey")
        phrases = [v for _, synonym in objects(None, sub, "synonyms") for v in synonym.get("values") or []]
        if not isinstance(key, str) or not all(isinstance(p, str) for p in phrases):
            found.add(f"entity {name!r}: list sublists[{index}] needs a listKey and synonyms of strings",
                      '"entities"', json.dumps(name))
            continue
        values.append((key, tuple(dict.fromkeys(p.lower() for p in [key, *phrases]))))
    return ListEntity(name, tuple(values))


def _utterances(found: Findings, assets: dict, intents: set[str], declared: set[str]) -> list[Utterance]:
    pos = found.find('"utterances"')
    good = []
    for index, item in objects(found, assets, "utterances"):
        text, intent = item.get("text"), item.get("intent")
        if not isinstance(text, str) or not text.strip():
            found.add(f"utterances[{index}] has no 'text'", '"text"', start=pos)
            continue
        pos = found.find(json.dumps(text), start=pos)
        owner = f"utterance {text!r}"
        fine = isinstance(intent, str) and intent in intents
        if not fine:
            found.add(f"{owner}: intent {intent!r} is not declared in 'intents'", start=pos)
        labels = []
        for label_index, label in objects(None, item, "entities"):
            category, offset, length = label.get("category"), label.get("offset"), label.get("length")
            if not isinstance(category, str) or category not in declared:
                found.add(f"{owner}: entity {category!r} is not declared", start=pos)
                fine = False
            elif not (type(offset) is int and type(length) is int and length > 0 and 0 <= offset
                      and offset + length <= len(text)):
                found.add(f"{owner}: entity {category!r} has offset/length outside the text (0..{len(text)})", start=pos)
                fine = False
            else:
                labels.append(Label(category, offset, offset + length - 1))
        if not isinstance(item.get("entities", []), list) or not all(isinstance(e, dict) for e in item.get("entities", [])):
            found.add(f"{owner}: 'entities' must be a list of objects {{category, offset, length}}", start=pos)
            fine = False
        if fine:
            good.append(Utterance(text, intent, tuple(labels)))
    return good
