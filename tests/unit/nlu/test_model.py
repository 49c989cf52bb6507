"""The LUIS JSON reader: the sample model, and bad files named by file, line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.errors import InputError
from geobot.nlu.model import ModelError, default_model_path, load_examples, load_model

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
