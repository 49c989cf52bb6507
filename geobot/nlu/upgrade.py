"""LUIS JSON 4.x-6.x upgraded to 7.0.0, the only LUIS version CLU's import accepts.

This is what the LUIS portal did on import before it closed (the rules follow the Bot
Framework CLI's `updateToV7`): phrase lists move from `model_features` to `phraselists`;
intents, entities and their children get `features` (each with `isRequired`); a child entity
given by name becomes an object; composites list their children as objects; every entity
kind gets `roles`; and a child entity's label moves inside its parent's label (`children`),
where 7.0 expects it. A 7.0.0 file comes out with the same content, every key present.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from geobot.nlu.model import LuisModel

VERSION = "7.0.0"
_LISTS = ("hierarchicals", "regex_features", "patterns", "settings")


def to_luis7(model: LuisModel) -> dict:
    """The model as a LUIS 7.0.0 app; a LUIS model only (a CLU export is imported as it is)."""
    if model.kind != "luis":
        raise ValueError(f"{model.path} is a CLU export, not a LUIS app")
    raw = copy.deepcopy(model.raw)
    parents = _parents(raw.get("entities", []))
    phrases = raw.get("phraselists", raw.get("model_features", []))
    return {
        "luis_schema_version": VERSION,
        "versionId": str(raw.get("versionId") or "0.1"),
        "name": model.name,
        "desc": str(raw.get("desc") or ""),
        "culture": model.culture,
        "tokenizerVersion": str(raw.get("tokenizerVersion") or "1.0.0"),
        "intents": [{**i, "features": _features(i.get("features"))} for i in raw.get("intents", [])],
        "entities": [_learned(e) for e in raw.get("entities", [])],
        "composites": [{**c, "roles": c.get("roles", []), "children": [_named(x) for x in c.get("children", [])]}
                       for c in raw.get("composites", [])],
        "closedLists": _with_roles(raw.get("closedLists", [])),
        "prebuiltEntities": _with_roles(raw.get("prebuiltEntities", [])),
        "regex_entities": _with_roles(raw.get("regex_entities", [])),
        "patternAnyEntities": [{**p, "roles": p.get("roles", []), "explicitList": p.get("explicitList", [])}
                               for p in raw.get("patternAnyEntities", [])],
        "phraselists": [{"mode": True, "activated": True, "enabledForAllModels": True, **p} for p in phrases],
        "utterances": [{**u, "entities": _nested(list(_flat(u.get("entities", []))), parents)}
                       for u in raw.get("utterances", [])],
        **{key: raw.get(key, []) for key in _LISTS},
    }


def _features(features: object) -> list[dict]:
    """7.0's features: each names a model or a phrase list and says whether it is required."""
    kept = []
    for feature in features if isinstance(features, list) else []:
        feature = {k: v for k, v in feature.items() if k not in ("featureType", "modelType")}
        kept.append({**feature, "isRequired": bool(feature.get("isRequired", False))})
    return kept


def _learned(entity: dict, child: bool = False) -> dict:
    """A machine-learned entity in 7.0's shape: children as objects, features; roles (top level) or instanceOf."""
    shaped = {**entity, "children": [_learned(_named(c), child=True) for c in entity.get("children", [])],
              "features": _features(entity.get("features"))}
    if child:
        shaped.setdefault("instanceOf", None)
    else:
        shaped["roles"] = entity.get("roles", [])
    return shaped


def _named(child: str | dict) -> dict:
    return {"name": child} if isinstance(child, str) else child


def _with_roles(items: list[dict]) -> list[dict]:
    return [{**item, "roles": item.get("roles", [])} for item in items]


def _parents(entities: Iterable[dict]) -> dict[str, set[str]]:
    """Child entity name → the names of the entities it is a child of."""
    parents: dict[str, set[str]] = {}
    for entity in entities:
        for child in map(_named, entity.get("children", [])):
            parents.setdefault(child["name"], set()).add(entity["name"])
        for name, above in _parents(map(_named, entity.get("children", []))).items():
            parents.setdefault(name, set()).update(above)
    return parents


def _flat(labels: Iterable[dict]) -> Iterable[dict]:
    for label in labels:
        yield {k: v for k, v in label.items() if k != "children"}
        yield from _flat(label.get("children", []))


def _nested(labels: list[dict], parents: dict[str, set[str]]) -> list[dict]:
    """Each label inside the innermost label of a parent entity that spans it; the rest at the top."""
    top: list[dict] = []
    placed: list[dict] = []
    for label in sorted(labels, key=lambda x: (x["startPos"], -x["endPos"])):
        shaped = {**label, "children": []}
        holder = next((p for p in reversed(placed) if p["entity"] in parents.get(label["entity"], ())
                       and p["startPos"] <= label["startPos"] and label["endPos"] <= p["endPos"]), None)
        (holder["children"] if holder else top).append(shaped)
        placed.append(shaped)
    return top
