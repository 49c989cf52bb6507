"""A model as Lex V2 intents and slots: names Lex accepts, mapped back, slots where Lex has a type."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from geobot.nlu.lexv2 import BUILT_IN_SLOT_TYPES, is_lex_name, lex_names, problems, to_lex
from geobot.nlu.model import default_model_path, load_model
from tests.models import VERSIONS, fixture_model

LEX_RULE = re.compile(r"^([0-9a-zA-Z][_-]?)+$")  # Lex V2's documented pattern for intent, slot and slot type names


def assert_lex_names(names: list[str]) -> None:
    for name in names:
        assert 1 <= len(name) <= 100 and LEX_RULE.match(name), name
    assert len({n.lower() for n in names}) == len(names), names


@pytest.mark.parametrize("version", VERSIONS)
def test_every_name_meets_lex_rules_and_maps_back_to_the_model(version: str) -> None:
    model = load_model(fixture_model(version))
    bot = to_lex(model)
    assert_lex_names([i.name for i in bot.intents])
    assert_lex_names([t.name for t in bot.slot_types])
    assert sorted(bot.intent_names.values()) == sorted(i for i in model.intents if i != "None")
    assert bot.intent_names["Utilities_Stop"] == "Utilities.Stop"
    for intent in bot.intents:
        assert_lex_names([s.name for s in intent.slots])
        referenced = {ref for sample in intent.samples for ref in re.findall(r"\{([^}]*)\}", sample)}
        assert referenced <= {s.name for s in intent.slots}, intent.name
        assert len(intent.samples) == len(intent.utterances)


@pytest.mark.parametrize("version", VERSIONS)
def test_labels_become_slots_of_lists_learned_values_and_built_in_types(version: str) -> None:
    bot = to_lex(load_model(fixture_model(version)))
    (find,) = [i for i in bot.intents if i.original == "Places.FindPlace"]
    slots = {s.entity: s for s in find.slots}
    assert slots["Places.PlaceType"].slot_type == "Places_PlaceType"
    assert slots["Places.AbsoluteLocation"].slot_type == "Places_AbsoluteLocation"
    assert "find a {Places_PlaceType} near {Places_AbsoluteLocation}" in find.samples
    types = {t.entity: t for t in bot.slot_types}
    assert types["Places.PlaceType"].resolution == "TopResolution"
    assert ("cafe", ("coffee shop", "coffee house")) in types["Places.PlaceType"].values
    assert types["Places.AbsoluteLocation"].resolution == "OriginalValue"
    assert {v for v, _ in types["Places.AbsoluteLocation"].values} >= {"the station", "the harbour"}
    assert bot.locale_id == "en_US" and "None" not in bot.intent_names.values()


def test_a_child_label_is_not_a_slot_of_its_own_lex_slots_do_not_nest() -> None:
    bot = to_lex(load_model(fixture_model("7.0.0")))
    (find,) = [i for i in bot.intents if i.original == "Places.FindPlace"]
    assert "Places.Address" in {s.entity for s in find.slots}
    assert not {"Places.Address.Street", "Places.Address.City"} & {s.entity for s in find.slots}
    assert "send it to {Places_Address}" in find.samples


def test_a_prebuilt_with_a_built_in_type_is_a_slot(tmp_path: Path) -> None:
    raw = json.loads(fixture_model("7.0.0").read_text())
    raw["utterances"].append({"text": "choose number 7 please", "intent": "Places.SelectItem",
                              "entities": [{"entity": "number", "startPos": 14, "endPos": 14, "children": []}]})
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    (select,) = [i for i in to_lex(load_model(path)).intents if i.original == "Places.SelectItem"]
    assert [(s.name, s.slot_type) for s in select.slots] == [("number", "AMAZON.Number")]
    assert "choose number {number} please" in select.samples


@pytest.mark.parametrize(("names", "mapped"), [
    (["Utilities.Stop"], ["Utilities_Stop"]),
    (["Book Table", "book--it", "a-b", "-x-"], ["Book_Table", "book_it", "a-b", "x"]),
    (["A.B", "A_B"], ["A_B_2", "A_B"]),  # a name Lex accepts keeps it, whatever the order
    (["FallbackIntent"], ["FallbackIntent_2"]),  # Lex's own
    (["Ab", "aB"], ["Ab", "aB_2"]),  # unique without case
    (["x" * 150, "x" * 150 + ".y"], ["x" * 100, "x" * 98 + "_2"]),
    (["...", "中文"], ["X", "X_2"]),
])
def test_names_map_deterministically(names: list[str], mapped: list[str]) -> None:
    result = lex_names(names)
    assert [result[n] for n in names] == mapped
    assert lex_names(names) == result
    assert all(is_lex_name(m) for m in mapped)


def test_the_sample_model_keeps_its_names() -> None:
    bot = to_lex(load_model(default_model_path()))
    assert all(lex == original for lex, original in bot.intent_names.items())


def with_utterances(tmp_path: Path, *extra: dict, **changes: object) -> Path:
    raw = json.loads(fixture_model("7.0.0").read_text()) | changes
    raw["utterances"] += list(extra)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    return path


def label(entity: str, text: str, part: str, after: int = 0) -> dict:
    start = text.index(part, after)
    return {"entity": entity, "startPos": start, "endPos": start + len(part) - 1, "children": []}


@pytest.mark.parametrize("version", VERSIONS)
def test_learned_list_and_prebuilt_entities_become_slots_lex_accepts(version: str, tmp_path: Path) -> None:
    """Lex's API model: names 1-100 of ^([0-9a-zA-Z][_-]?)+$, unique slot names within the bot, priorities
    1-100 once per intent, values 1-140 characters, synonyms never empty; AMAZON.* for prebuilts."""
    raw = json.loads(fixture_model(version).read_text())
    text = "find a cafe with 2 seats near the harbour"
    raw["utterances"].append({"text": text, "intent": "Places.FindPlace", "entities": [
        label("Places.PlaceType", text, "cafe"), label("number", text, "2"), label("Places.AbsoluteLocation", text, "the harbour")]})
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    bot = to_lex(load_model(path))
    slots = [slot for intent in bot.intents for slot in intent.slots]
    assert_lex_names([s.name for s in slots])  # unique within the bot, not only within the intent
    for intent in bot.intents:
        assert [s.priority for s in intent.slots] == list(range(1, len(intent.slots) + 1))
        for sample in intent.samples:
            refs = re.findall(r"\{([^}]*)\}", sample)
            assert len(refs) == len(set(refs)) and set(refs) <= {s.name for s in intent.slots}, sample
    (find,) = [i for i in bot.intents if i.original == "Places.FindPlace"]
    assert {s.entity: s.slot_type for s in find.slots}["number"] == "AMAZON.Number"
    assert "find a {Places_PlaceType} with {number} seats near {Places_AbsoluteLocation}" in find.samples
    types = {t.name for t in bot.slot_types}
    assert {s.slot_type for s in slots} - types <= set(BUILT_IN_SLOT_TYPES.values())
    assert types <= {s.slot_type for s in slots}  # only the slot types some slot uses
    for slot_type in bot.slot_types:
        values = [v.lower() for v, _ in slot_type.values]
        assert len(values) == len(set(values)) and all(1 <= len(v) <= 140 for v in values)
        assert all(synonyms == () or all(1 <= len(s) <= 140 for s in synonyms) for _, synonyms in slot_type.values)
        assert all(v.lower() not in {s.lower() for s in synonyms} for v, synonyms in slot_type.values)


def test_an_entity_slotted_in_two_intents_gets_a_second_name() -> None:
    bot = to_lex(load_model(fixture_model("7.0.0")))
    assert bot.slot_names["Places_FindPlace"]["Places_AbsoluteLocation"] == "Places.AbsoluteLocation"
    assert bot.slot_names["Places_GetDistance"] == {"Places_AbsoluteLocation_2": "Places.AbsoluteLocation"}
    (distance,) = [i for i in bot.intents if i.name == "Places_GetDistance"]
    assert all("{Places_AbsoluteLocation_2}" in s for s in distance.samples if "{" in s)


def test_a_second_label_of_one_entity_stays_text(tmp_path: Path) -> None:
    text = "from the station to the harbour"
    path = with_utterances(tmp_path, {"text": text, "intent": "Places.GetDistance", "entities": [
        label("Places.AbsoluteLocation", text, "the station"), label("Places.AbsoluteLocation", text, "the harbour")]})
    (distance,) = [i for i in to_lex(load_model(path)).intents if i.original == "Places.GetDistance"]
    assert "from {Places_AbsoluteLocation_2} to the harbour" in distance.samples
    assert distance.repeated == (text,)


def test_values_are_kept_once_without_case(tmp_path: Path) -> None:
    text, other = "find The Station", "find the station"
    path = with_utterances(tmp_path, *({"text": t, "intent": "Places.FindPlace",
                                        "entities": [label("Places.AbsoluteLocation", t, t[5:])]} for t in (text, other)))
    (learned,) = [t for t in to_lex(load_model(path)).slot_types if t.entity == "Places.AbsoluteLocation"]
    assert [v for v, _ in learned.values].count("The Station") + [v for v, _ in learned.values].count("the station") == 1


@pytest.mark.parametrize(("change", "problem"), [
    (lambda raw: raw["closedLists"][0]["subLists"].append({"canonicalForm": "x" * 141, "list": []}),
     "entity Places.PlaceType: value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... has 141 characters: Lex allows 140"),
    (lambda raw: raw["utterances"].append({"text": "stop " + "y" * 500, "intent": "Utilities.Stop", "entities": []}),
     "has 505 characters: Lex allows 500"),
    (lambda raw: raw["utterances"].extend({"text": f"stop {n}", "intent": "Utilities.Stop", "entities": []} for n in range(1500)),
     "intent Utilities.Stop has 150"),
    (lambda raw: raw["closedLists"][0]["subLists"].extend({"canonicalForm": f"v{n}", "list": []} for n in range(10_000)),
     "entity Places.PlaceType has 100"),
])
def test_what_exceeds_lex_limits_is_a_problem(change: Callable[[dict], None], problem: str, tmp_path: Path) -> None:
    raw = json.loads(fixture_model("7.0.0").read_text())
    change(raw)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    found = problems(to_lex(load_model(path)))
    assert len(found) == 1 and problem in found[0][0], found


def test_the_sample_model_is_within_every_limit() -> None:
    assert problems(to_lex(load_model(default_model_path()))) == []
