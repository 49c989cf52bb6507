"""What each target drops is said as a warning, one line per kind; the sample loses nothing but Lex's regex."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.nlu.fit import check
from geobot.nlu.model import ModelError, default_model_path
from tests.models import fixture_model


def test_the_sample_model_fits_local_and_azure_whole() -> None:
    assert check(default_model_path(), "local").warnings == ()
    assert check(default_model_path(), "azure").warnings == ()
    assert check(default_model_path(), "aws").warnings == ("geobot.luis.json: Lex V2 has no regex slots: 'time' dropped",)


@pytest.mark.parametrize(("target", "expected"), [
    ("local", ["the local recognizer has no patterns: 'how far is {Places.AbsoluteLocation}[?]' dropped",
               "the local recognizer has no phrase lists: 'Places.Nearby' dropped",
               "the local recognizer has no equivalent of the prebuilt 'geographyV2', 'ordinal': dropped"]),
    ("azure", ["CLU has no patterns: 'how far is {Places.AbsoluteLocation}[?]' dropped",
               "CLU has no phrase lists: 'Places.Nearby' dropped"]),
    ("aws", ["Lex V2 has no patterns: 'how far is {Places.AbsoluteLocation}[?]' dropped",
             "Lex V2 has no phrase lists: 'Places.Nearby' dropped",
             "Lex V2 has no equivalent of the prebuilt 'ordinal': dropped",
             "Lex intent names: Utilities.Stop → Utilities_Stop, Utilities.Help → Utilities_Help, "
             "Places.FindPlace → Places_FindPlace and 2 more (the publish stage reports the mapping)",
             "Lex slot names: Places.PlaceType → Places_PlaceType (Places_FindPlace), Places.AbsoluteLocation → "
             "Places_AbsoluteLocation (Places_FindPlace), Places.AbsoluteLocation → Places_AbsoluteLocation_2 "
             "(Places_GetDistance) (the publish stage reports the mapping)"]),
])
def test_each_target_says_what_it_drops(target: str, expected: list[str]) -> None:
    assert check(fixture_model("4.0.0"), target).warnings == tuple(f"places.luis-4.0.0.json: {w}" for w in expected)


def test_keyphrase_and_pattern_any_have_no_clu_equivalent(tmp_path: Path) -> None:
    raw = json.loads(fixture_model("7.0.0").read_text())
    raw["prebuiltEntities"].append({"name": "keyPhrase", "roles": []})
    raw["patternAnyEntities"].append({"name": "Places.Anything", "roles": [], "explicitList": []})
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    warnings = check(path, "azure").warnings
    assert "model.json: CLU has no equivalent of the prebuilt 'keyPhrase': dropped" in warnings
    assert "model.json: CLU does not extract Places.Anything (pattern.any): dropped" in warnings


def test_a_clu_export_goes_to_clu_whole(tmp_path: Path) -> None:
    path = tmp_path / "clu.json"
    path.write_text(json.dumps({"projectFileVersion": "2022-05-01", "metadata": {"language": "en-us"},
                                "assets": {"intents": [{"category": "Find"}], "entities": [{"category": "X", "prebuilts": [{"category": "Quantity.Number"}]}],
                                           "utterances": [{"text": "find it", "intent": "Find", "entities": []}]}}))
    assert check(path, "azure").warnings == ()
    assert check(path, "local").warnings == ("clu.json: the local recognizer has no equivalent of the prebuilt 'Quantity.Number': dropped",)


def test_lex_problems_are_all_listed(tmp_path: Path) -> None:
    raw = json.loads(fixture_model("7.0.0").read_text())
    raw["utterances"] += [{"text": "STOP", "intent": "Utilities.Help", "entities": []},
                          {"text": "help {me}", "intent": "Utilities.Help", "entities": []}]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    check(path, "local")  # fine for the local recognizer
    with pytest.raises(ModelError) as caught:
        check(path, "aws")
    assert [p.text for p in caught.value.problems] == [
        "utterance 'STOP' is an example of Utilities.Stop and of Utilities.Help: Lex refuses a duplicate sample utterance",
        "utterance 'help {me}': Lex reads braces as a slot reference"]
