"""The LUIS JSON reader: the sample model, and bad files named by file, line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.errors import InputError
from geobot.nlu.model import ModelError, default_model_path, load_examples, load_model
from tests.models import VERSIONS, fixture_model

SAMPLE = default_model_path()


def test_sample_model_has_what_the_dialog_needs() -> None:
    model = load_model(SAMPLE)
    assert len(model.intents) >= 5 and "None" in model.intents
    assert len(model.utterances) >= 100
    assert {e.name for e in model.lists} == {"city", "day"}
    assert [e.name for e in model.regexes] == ["time"] and model.prebuilts == ("number",)
    assert model.raw["luis_schema_version"].startswith("7.")
    examples = load_examples(SAMPLE.with_name("geobot.test.json"), model)
    assert len(examples) >= 50
    assert {e.intent for e in examples} == set(model.intents)
    assert not {e.text.lower() for e in examples} & {u.text.lower() for u in model.utterances}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)
    return path


def _line(path: Path, needle: str) -> int:
    """Line of the needle's last occurrence (a defect is appended after the good content)."""
    text = path.read_text()
    return text[: text.rindex(needle)].count("\n") + 1


def _base() -> dict:
    return {
        "luis_schema_version": "7.0.0",
        "intents": [{"name": "Greet"}, {"name": "None"}],
        "closedLists": [{"name": "city", "subLists": [{"canonicalForm": "Paris", "list": ["paris"]}]}],
        "regex_entities": [],
        "prebuiltEntities": [],
        "utterances": [
            {"text": "hello", "intent": "Greet", "entities": []},
            {"text": "hi in paris", "intent": "Greet", "entities": [{"entity": "city", "startPos": 6, "endPos": 10}]},
        ],
    }


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "intents": [\n    {"name": "A"},,\n  ]\n}\n')
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert caught.value.line == 3
    assert caught.value.message.startswith(f"{path}:3: not valid JSON")
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2


def _break(case: str, data: dict) -> str:
    """Apply one defect; return the text whose line the error must name."""
    if case == "unknown intent":
        data["utterances"].append({"text": "bye now", "intent": "Leave", "entities": []})
        return '"bye now"'
    if case == "entity outside text":
        data["utterances"].append({"text": "in rome", "intent": "Greet",
                                   "entities": [{"entity": "city", "startPos": 3, "endPos": 7}]})
        return '"in rome"'
    if case == "undeclared entity":
        data["utterances"].append({"text": "at noon", "intent": "Greet",
                                   "entities": [{"entity": "time", "startPos": 3, "endPos": 6}]})
        return '"at noon"'
    if case == "bad regex":
        data["regex_entities"] = [{"name": "time", "regexPattern": "([0-9]"}]
        return '"time"'
    if case == "duplicate intent":
        data["intents"].append({"name": "Greet"})
        return '"name": "Greet"'
    if case == "intent without examples":
        data["intents"].append({"name": "Book"})
        return '"Book"'
    raise AssertionError(case)


@pytest.mark.parametrize("case, problem", [
    ("unknown intent", "intent 'Leave' is not declared"),
    ("entity outside text", "startPos/endPos outside the text"),
    ("undeclared entity", "entity 'time' is not declared"),
    ("bad regex", "does not compile"),
    ("duplicate intent", "names 'Greet' twice"),
    ("intent without examples", "intent 'Book' has no example utterance"),
])
def test_bad_models_name_file_line_and_problem(tmp_path: Path, case: str, problem: str) -> None:
    data = _base()
    needle = _break(case, data)
    path = _write(tmp_path, data)
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert problem in caught.value.message
    assert caught.value.message.startswith(f"{path}:{_line(path, needle)}: ")


def test_not_a_luis_export(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="luis_schema_version"):
        load_model(_write(tmp_path, {"intents": []}))
    with pytest.raises(ModelError, match=":1: the top level must be a JSON object"):
        load_model(_write(tmp_path, [1, 2]))
    with pytest.raises(ModelError, match="cannot read the file"):
        load_model(tmp_path / "absent.json")


def test_good_base_model_loads(tmp_path: Path) -> None:
    model = load_model(_write(tmp_path, _base()))
    assert model.intents == ("Greet", "None")
    assert model.utterances[1].labels[0].entity == "city"


@pytest.mark.parametrize("version", VERSIONS)
def test_luis_4_to_7_exports_read_alike(version: str) -> None:
    model = load_model(fixture_model(version))
    assert model.kind == "luis" and model.version == version
    assert model.intents[:2] == ("Utilities.Stop", "Utilities.Help")
    assert model.prebuilts == ("geographyV2", "ordinal", "number")
    assert [e.name for e in model.lists] == ["Places.PlaceType"]
    assert model.learned[0] == "Places.AbsoluteLocation"
    assert [p.text for p in model.patterns] == ["how far is {Places.AbsoluteLocation}[?]"]
    assert model.phraselists == ("Places.Nearby",)
    (found,) = [u for u in model.utterances if u.text == "find a coffee shop near the station"]
    assert {(label.entity, found.text[label.start:label.end + 1]) for label in found.labels} == {
        ("Places.PlaceType", "coffee shop"), ("Places.AbsoluteLocation", "the station")}


def test_a_7_0_0_child_label_is_read_after_its_parent() -> None:
    model = load_model(fixture_model("7.0.0"))
    assert model.learned == ("Places.AbsoluteLocation", "Places.Address", "Places.Address.Street", "Places.Address.City")
    (sent,) = [u for u in model.utterances if u.text.startswith("send it to")]
    assert [label.entity for label in sent.labels] == ["Places.Address", "Places.Address.Street", "Places.Address.City"]


def test_a_clu_export_reads_into_the_same_model(tmp_path: Path) -> None:
    path = _write(tmp_path, {
        "projectFileVersion": "2022-05-01", "stringIndexType": "Utf16CodeUnit",
        "metadata": {"projectKind": "Conversation", "projectName": "Places", "language": "en-gb"},
        "assets": {"projectKind": "Conversation", "intents": [{"category": "Places.Find"}, {"category": "None"}],
                   "entities": [{"category": "Place"},
                                {"category": "Kind", "list": {"sublists": [{"listKey": "cafe", "synonyms": [
                                    {"language": "en-gb", "values": ["coffee shop"]}]}]}},
                                {"category": "Count", "prebuilts": [{"category": "Quantity.Number"}]},
                                {"category": "Code", "regex": {"expressions": [
                                    {"regexKey": "code", "language": "en-gb", "regexPattern": "[A-Z]{2}[0-9]"}]}}],
                   "utterances": [{"text": "find a coffee shop near the station", "intent": "Places.Find",
                                   "entities": [{"category": "Place", "offset": 24, "length": 11}]}]}})
    model = load_model(path)
    assert (model.kind, model.version, model.name, model.culture) == ("clu", "2022-05-01", "Places", "en-gb")
    assert model.intents == ("Places.Find", "None") and model.learned == ("Place",)
    assert model.lists[0].values == (("cafe", ("cafe", "coffee shop")),)
    assert model.prebuilts == ("Quantity.Number",) and model.regexes[0].name == "Code"
    label = model.utterances[0].labels[0]
    assert model.utterances[0].text[label.start:label.end + 1] == "the station"


def test_malformed_inner_items_are_all_named_never_a_python_error(tmp_path: Path) -> None:
    data = _base()
    data["closedLists"] = None
    data["intents"].append(["Oops"])
    data["utterances"][0]["entities"] = ["city"]
    data["utterances"].append({"text": "hi there", "intent": ["Greet"]})
    data["luis_schema_version"] = "99.0"
    path = _write(tmp_path, data)
    with pytest.raises(ModelError) as caught:
        load_model(path)
    problems = [p.text for p in caught.value.problems]
    assert problems == [
        "luis_schema_version '99.0' is not supported: geobot reads LUIS JSON 4.x-7.x",
        "intents[2] is a list, not an object",
        "'closedLists' is null: it must be a list of objects (write [] for none)",
        "utterance 'hello': label 0 is a string, not an object {entity, startPos, endPos}",
        "utterance 'hi there': intent ['Greet'] is not declared in 'intents'",
    ]
    assert caught.value.message.splitlines()[0] == f"{path}: 5 problems"
    assert [p.line for p in caught.value.problems] == sorted(p.line for p in caught.value.problems)


def test_batch_tests_may_label_learned_entities(tmp_path: Path) -> None:
    model = load_model(fixture_model("4.0.0"))
    examples = tmp_path / "examples.json"
    examples.write_text(json.dumps([{"text": "how far is the museum", "intent": "Places.GetDistance",
                                     "entities": [{"entity": "Places.AbsoluteLocation", "startPos": 11, "endPos": 20}]}]))
    (example,) = load_examples(examples, model)
    assert example.labels[0].entity == "Places.AbsoluteLocation"
