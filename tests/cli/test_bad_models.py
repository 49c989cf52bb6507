"""A bad language model: `geobot plan` exits 2 before anything exists, naming the file, the line and the item."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from geobot.cli.app import main
from tests.models import fixture_model


def luis() -> dict:
    return json.loads(fixture_model("7.0.0").read_text())


def clu() -> dict:
    return {"projectFileVersion": "2022-05-01", "stringIndexType": "Utf16CodeUnit",
            "metadata": {"projectKind": "Conversation", "projectName": "places", "language": "en-us"},
            "assets": {"projectKind": "Conversation", "intents": [{"category": "Find"}, {"category": "None"}],
                       "entities": [{"category": "Place"}],
                       "utterances": [{"text": "find the station", "intent": "Find", "dataset": "Train",
                                       "entities": [{"category": "Place", "offset": 5, "length": 11}]}]}}


def utterance(data: dict, text: str) -> dict:
    return next(u for u in data["utterances"] if u["text"] == text)


@dataclass(frozen=True)
class Bad:
    start: Callable[[], dict | str]
    defect: Callable[[dict], object]
    names: str  # what the one line must say: the item and the problem
    target: str = "local"


def _set(data: dict, key: str, value: object) -> None:
    data[key] = value


CASES = {
    "entities that are null": Bad(luis, lambda d: _set(d, "entities", None), "'entities' is null"),
    "an intent that is a list": Bad(luis, lambda d: d["intents"].append(["Oops"]), "intents[6] is a list, not an object"),
    "a label that is not an object": Bad(luis, lambda d: _set(utterance(d, "stop"), "entities", ["Places.PlaceType"]),
                                         "utterance 'stop': label 0 is a string, not an object"),
    "schema version 99.0": Bad(luis, lambda d: _set(d, "luis_schema_version", "99.0"), "luis_schema_version '99.0' is not supported"),
    "schema version 3.2.0": Bad(luis, lambda d: _set(d, "luis_schema_version", "3.2.0"), "'3.2.0' is not supported"),
    "no schema version": Bad(luis, lambda d: d.pop("luis_schema_version"), "no 'luis_schema_version'"),
    "invalid JSON": Bad(lambda: '{\n  "intents": [\n    {"name": "A"},,\n  ]\n}\n', lambda d: None, "not valid JSON"),
    "a list at the top": Bad(lambda: "[1, 2]\n", lambda d: None, "the top level must be a JSON object"),
    "an utterance of an undeclared intent": Bad(luis, lambda d: _set(utterance(d, "stop"), "intent", "Utilities.Halt"),
                                                "utterance 'stop': intent 'Utilities.Halt' is not declared"),
    "a label of an undeclared entity": Bad(luis, lambda d: _set(utterance(d, "where is the nearest cafe")["entities"][0], "entity", "Places.Kind"),
                                           "utterance 'where is the nearest cafe': entity 'Places.Kind' is not declared"),
    "a label outside its text": Bad(luis, lambda d: _set(utterance(d, "where is the nearest cafe")["entities"][0], "endPos", 99),
                                    "utterance 'where is the nearest cafe': entity 'Places.PlaceType' has startPos/endPos outside the text"),
    "a child label outside its parent's": Bad(luis, lambda d: _set(utterance(d, "send it to 12 main street in springfield")["entities"][0]["children"][0], "startPos", 2),
                                              "entity 'Places.Address.Street' has startPos/endPos outside its parent's label"),
    "utterance entities that are null": Bad(luis, lambda d: _set(utterance(d, "stop"), "entities", None),
                                            "utterance 'stop': 'entities' is null"),
    "a regex that does not compile": Bad(luis, lambda d: _set(d, "regex_entities", [{"name": "Code", "regexPattern": "([0-9]", "roles": []}]),
                                         "regex entity 'Code': pattern does not compile"),
    "an intent declared twice": Bad(luis, lambda d: d["intents"].append({"name": "Utilities.Stop", "features": []}),
                                    "'intents' names 'Utilities.Stop' twice"),
    "an intent without examples": Bad(luis, lambda d: d["intents"].append({"name": "Places.Rate", "features": []}),
                                      "intent 'Places.Rate' has no example utterance"),
    "a closed list with a bad subList": Bad(luis, lambda d: d["closedLists"][0]["subLists"].append({"canonicalForm": 7}),
                                            "closed list 'Places.PlaceType': subLists[4] needs a canonicalForm"),
    "a pattern of an undeclared intent": Bad(luis, lambda d: d["patterns"].append({"pattern": "rate {Places.AbsoluteLocation}", "intent": "Places.Rate"}),
                                             "pattern 'rate {Places.AbsoluteLocation}': intent 'Places.Rate' is not declared"),
    "an entity declared as two kinds": Bad(luis, lambda d: d["regex_entities"].append({"name": "Places.PlaceType", "regexPattern": "x", "roles": []}),
                                           "'Places.PlaceType' is declared as a closed list and as a regex"),
    "a CLU export of an unknown version": Bad(clu, lambda d: _set(d, "projectFileVersion", "v2"), "projectFileVersion 'v2' is not a CLU export version"),
    "a CLU label outside its text": Bad(clu, lambda d: _set(d["assets"]["utterances"][0]["entities"][0], "length", 40),
                                        "utterance 'find the station': entity 'Place' has offset/length outside the text"),
    "on aws, an utterance in two intents": Bad(luis, lambda d: d["utterances"].append({"text": "Stop ", "intent": "Utilities.Help", "entities": []}),
                                               "utterance 'Stop ' is an example of Utilities.Stop and of Utilities.Help", "aws"),
    "on aws, a slot value over 140 characters": Bad(luis, lambda d: d["closedLists"][0]["subLists"].append({"canonicalForm": "x" * 141, "list": []}),
                                                    "entity Places.PlaceType: value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... has 141 characters: Lex allows 140", "aws"),
    "on aws, an utterance over 500 characters": Bad(luis, lambda d: d["utterances"].append({"text": "stop " + "y" * 500, "intent": "Utilities.Stop", "entities": []}),
                                                    "has 505 characters: Lex allows 500", "aws"),
    "on aws, braces in an utterance": Bad(luis, lambda d: d["utterances"].append({"text": "stop {now}", "intent": "Utilities.Stop", "entities": []}),
                                          "utterance 'stop {now}': Lex reads braces as a slot reference", "aws"),
}


def write_model(workdir: Path, case: Bad) -> Path:
    start = case.start()
    if isinstance(start, dict):
        case.defect(start)
        start = json.dumps(start, indent=2)
    path = workdir / "models" / "model.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(start)
    (workdir / "geobot.toml").write_text(f'target = "{case.target}"\n[bot]\nmodel = "models/model.json"\n')
    return path


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_model_gets_exit_2_and_one_line_naming_file_line_and_item(
    case: Bad, clean_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_model(clean_environment, case)
    code = main(["plan"])
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert code == 2, err
    assert out == "" and len(errors) == 1, err
    assert re.match(rf"error: {re.escape(str(path))}:\d+: ", errors[0]), errors[0]
    assert case.names in errors[0]
    assert not (clean_environment / ".geobot").exists()


def test_the_table_covers_at_least_twelve_bad_models() -> None:
    assert len(CASES) >= 12


def test_every_problem_is_listed_at_once_first_line_file_and_count(clean_environment: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def three(data: dict) -> None:
        data["entities"] = None
        data["intents"].append(["Oops"])
        utterance(data, "stop")["entities"] = ["Places.PlaceType"]

    path = write_model(clean_environment, Bad(luis, three, ""))
    assert main(["deploy", "--auto-approve"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"error: {path}: 3 problems"
    assert [re.sub(r"line \d+: ", "", line.strip()) for line in lines[1:-1]] == [
        "intents[6] is a list, not an object",
        "'entities' is null: it must be a list of objects (write [] for none)",
    ]
    assert re.match(r"  line \d+: utterance 'stop': label 0 is a string, not an object .*; fix the file", lines[-1])
    assert not (clean_environment / ".geobot").exists()


def test_what_a_target_drops_is_a_warning_and_the_plan_goes_on(clean_environment: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    write_model(clean_environment, Bad(luis, lambda d: None, "", "aws"))
    main(["plan", "--no-terraform"])
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: model.json: ")]
    assert any("Lex V2 has no patterns: 'how far is {Places.AbsoluteLocation}[?]' dropped" in w for w in warnings)
    assert any("Lex V2 has no phrase lists: 'Places.Nearby' dropped" in w for w in warnings)
    assert any("Lex V2 has no equivalent of the prebuilt 'ordinal'" in w for w in warnings)
    assert any("Utilities.Stop → Utilities_Stop" in w for w in warnings)
