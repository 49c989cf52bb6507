"""The local recognizer: held-out accuracy, entities, determinism."""

from __future__ import annotations

import pytest

from geobot.nlu.model import default_model_path, load_examples, load_model
from geobot.nlu.recognizer import LocalRecognizer
from tests.models import VERSIONS, fixture_model


@pytest.fixture(scope="module")
def recognizer() -> LocalRecognizer:
    return LocalRecognizer(load_model(default_model_path()))


def test_held_out_intent_accuracy_is_at_least_90_percent(recognizer: LocalRecognizer) -> None:
    examples = load_examples(default_model_path().with_name("geobot.test.json"), recognizer.model)
    right = sum(recognizer.recognize(e.text).intent == e.intent for e in examples)
    assert right / len(examples) >= 0.90, f"{right}/{len(examples)}"


def test_entities_are_extracted_and_resolved(recognizer: LocalRecognizer) -> None:
    prediction = recognizer.recognize("book a table for four in NYC tomorrow at 7:30 pm")
    assert prediction.intent == "BookTable"
    found = {e.category: e.value for e in prediction.entities}
    assert found == {"number": 4, "city": "New York", "day": "tomorrow", "time": "7:30 pm"}
    city = prediction.entity("city")
    assert "book a table for four in NYC tomorrow at 7:30 pm"[city.offset:city.offset + city.length] == "NYC"


def test_a_time_is_not_a_number(recognizer: LocalRecognizer) -> None:
    prediction = recognizer.recognize("at 7pm")
    assert [(e.category, e.value) for e in prediction.entities] == [("time", "7pm")]


def test_scores_are_probabilities(recognizer: LocalRecognizer) -> None:
    prediction = recognizer.recognize("cancel my booking")
    assert prediction.intent == "CancelBooking"
    assert abs(sum(score for _, score in prediction.intents) - 1.0) < 1e-9
    assert prediction.score == prediction.intents[0][1]


def test_empty_or_unknown_text_is_none(recognizer: LocalRecognizer) -> None:
    assert recognizer.recognize("").intent == "None"
    assert recognizer.recognize("§§ ¶¶").intent == "None"


def test_training_is_deterministic(recognizer: LocalRecognizer) -> None:
    again = LocalRecognizer(recognizer.model)
    for text in ["yes please", "for 3 people", "what did I book", "zzz"]:
        assert again.recognize(text) == recognizer.recognize(text)


@pytest.mark.parametrize("version", VERSIONS)
def test_dotted_names_and_learned_entities_are_recognized(version: str) -> None:
    recognizer = LocalRecognizer(load_model(fixture_model(version)))
    prediction = recognizer.recognize("find a drugstore near the harbour")
    assert prediction.intent == "Places.FindPlace"
    assert {(e.category, e.value) for e in prediction.entities} == {
        ("Places.PlaceType", "pharmacy"), ("Places.AbsoluteLocation", "the harbour")}
    assert recognizer.recognize("how far is the old town").intent == "Places.GetDistance"


def test_a_dotted_entity_is_one_placeholder_token() -> None:
    recognizer = LocalRecognizer(load_model(fixture_model("4.0.0")))
    vector = recognizer._vector("find a chemist")
    assert "<Places.PlaceType>".lower() in vector and "placetype" not in vector
