"""LUIS 4.x-6.x upgraded to 7.0.0 for CLU: the LUIS 7 shape, nothing lost, nothing changed twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.nlu.model import load_model
from geobot.nlu.upgrade import to_luis7
from tests.models import VERSIONS, fixture_model, luis7_errors


def test_the_schema_tells_the_old_versions_from_7() -> None:
    assert luis7_errors(json.loads(fixture_model("7.0.0").read_text())) == []
    for version in ("4.0.0", "6.0.0"):
        assert luis7_errors(json.loads(fixture_model(version).read_text())), version


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_comes_out_in_the_luis_7_shape(version: str) -> None:
    assert luis7_errors(to_luis7(load_model(fixture_model(version)))) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_the_round_trip_keeps_the_model(version: str, tmp_path: Path) -> None:
    before = load_model(fixture_model(version))
    upgraded = tmp_path / "upgraded.json"
    upgraded.write_text(json.dumps(to_luis7(before)))
    after = load_model(upgraded)
    assert after.version == "7.0.0" and before.version == version
    for field in ("name", "culture", "intents", "lists", "prebuilts", "learned", "patterns", "phraselists"):
        assert getattr(after, field) == getattr(before, field), field
    assert [(u.text, u.intent, sorted(u.labels, key=lambda x: (x.start, -x.end))) for u in after.utterances] == \
        [(u.text, u.intent, sorted(u.labels, key=lambda x: (x.start, -x.end))) for u in before.utterances]
    assert [r.pattern.pattern for r in after.regexes] == [r.pattern.pattern for r in before.regexes]
    assert to_luis7(after) == to_luis7(before)  # upgrading twice changes nothing


def test_a_7_0_0_export_goes_to_clu_unchanged() -> None:
    assert to_luis7(load_model(fixture_model("7.0.0"))) == json.loads(fixture_model("7.0.0").read_text())


def test_4_0_0_phrase_lists_move_to_phraselists() -> None:
    app = to_luis7(load_model(fixture_model("4.0.0")))
    assert "model_features" not in app
    assert app["phraselists"] == [{"name": "Places.Nearby", "mode": True, "words": "near,nearby,close to,around",
                                   "activated": True, "enabledForAllModels": True}]


def test_6_0_0_child_labels_move_inside_their_parents_label_and_features_say_if_required() -> None:
    app = to_luis7(load_model(fixture_model("6.0.0")))
    (address,) = [u for u in app["utterances"] if u["text"] == "send it to 12 main street in springfield"]
    assert address["entities"] == [{"entity": "Places.Address", "startPos": 11, "endPos": 39, "children": [
        {"entity": "Places.Address.Street", "startPos": 11, "endPos": 24, "children": []},
        {"entity": "Places.Address.City", "startPos": 29, "endPos": 39, "children": []}]}]
    (find,) = [i for i in app["intents"] if i["name"] == "Places.FindPlace"]
    assert find["features"] == [{"featureName": "Places.Nearby", "isRequired": False}]
    assert app["phraselists"][0]["enabledForAllModels"] is False  # what the file said is kept


def test_a_clu_export_is_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "clu.json"
    path.write_text(json.dumps({"projectFileVersion": "2022-05-01", "metadata": {"language": "en-us"},
                                "assets": {"projectKind": "Conversation", "intents": [{"category": "None"}],
                                           "entities": [], "utterances": []}}))
    with pytest.raises(ValueError, match="CLU export"):
        to_luis7(load_model(path))
