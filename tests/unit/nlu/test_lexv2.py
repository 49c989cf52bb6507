"""A model as Lex V2 intents and slots: names Lex accepts, mapped back, slots where Lex has a type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geobot.nlu.lexv2 import is_lex_name, lex_names, to_lex
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
