"""The booking dialog, turn by turn, with the real recognizer."""

from __future__ import annotations

import pytest

from geobot.bot import dialog
from geobot.nlu.model import default_model_path
from geobot.nlu.recognizer import LocalRecognizer


@pytest.fixture(scope="module")
def recognizer() -> LocalRecognizer:
    return LocalRecognizer.from_path(default_model_path())


def talk(recognizer: LocalRecognizer, *utterances: str, state: dict | None = None) -> tuple[dict, list[list[str]]]:
    state = state or dialog.new_state()
    replies = []
    for text in utterances:
        state, said = dialog.respond(state, recognizer.recognize(text), make_ref=lambda: "GB-TEST")
        replies.append(said)
    return state, replies


def test_a_booking_over_several_turns(recognizer: LocalRecognizer) -> None:
    state, replies = talk(recognizer, "book a table", "Paris", "4 people", "tomorrow", "at 7:30 pm", "yes")
    assert replies[:5] == [
        ["Let's book a table.", dialog.QUESTIONS["city"]],
        [dialog.QUESTIONS["people"]],
        [dialog.QUESTIONS["day"]],
        [dialog.QUESTIONS["time"]],
        ["So that is a table for 4 in Paris tomorrow at 7:30 pm. Shall I book it?"],
    ]
    assert replies[5] == ["Booked a table for 4 in Paris tomorrow at 7:30 pm. Your reference is GB-TEST."]
    assert state["turns"] == 6 and state["booking"] is None
    assert state["bookings"] == [{"city": "Paris", "people": 4, "day": "tomorrow", "time": "7:30 pm", "ref": "GB-TEST"}]


def test_everything_at_once_goes_straight_to_confirmation(recognizer: LocalRecognizer) -> None:
    _, replies = talk(recognizer, "reserve a table for two in Lisbon on sunday at noon")
    assert replies == [["So that is a table for 2 in Lisbon on sunday at noon. Shall I book it?"]]


def test_rejecting_lets_the_user_change_a_slot(recognizer: LocalRecognizer) -> None:
    state, replies = talk(recognizer, "book a table for 2 in Rome today at 8pm", "no", "make it 6 people", "yes")
    assert replies[1] == ["What should I change: the city, the number of people, the day or the time?"]
    assert replies[2] == ["So that is a table for 6 in Rome today at 8pm. Shall I book it?"]
    assert state["bookings"][0]["people"] == 6


def test_party_size_is_checked_and_asked_again(recognizer: LocalRecognizer) -> None:
    state, replies = talk(recognizer, "book a table in Tokyo", "50 people")
    assert replies[1] == [f"I can book for 1 to {dialog.MAX_PEOPLE} people.", dialog.QUESTIONS["people"]]
    assert state["awaiting"] == "people"


def test_a_bare_hour_answers_the_time_question(recognizer: LocalRecognizer) -> None:
    state, _ = talk(recognizer, "book a table for 3 in Berlin on friday", "at 8")
    assert state["booking"]["time"] == "8pm" and state["awaiting"] == "confirm"


def test_not_understood_repeats_the_open_question(recognizer: LocalRecognizer) -> None:
    _, replies = talk(recognizer, "book a table in Madrid", "what is the weather like")
    assert replies[1] == ["Sorry, I did not understand that.", dialog.QUESTIONS["people"]]


def test_cancel_check_and_nothing_to_confirm(recognizer: LocalRecognizer) -> None:
    state, replies = talk(recognizer, "yes", "book a table for 2 in Paris on monday at 7pm", "yes",
                          "what did I book", "cancel my booking", "cancel my booking")
    assert replies[0] == ["There is nothing to confirm yet."]
    assert replies[3] == ["GB-TEST: a table for 2 in Paris on monday at 7pm"]
    assert replies[4] == ["Cancelled a table for 2 in Paris on monday at 7pm (reference GB-TEST)."]
    assert replies[5] == ["You have no booking to cancel."]
    assert state["bookings"] == []


def test_respond_does_not_mutate_its_input(recognizer: LocalRecognizer) -> None:
    before = dialog.new_state()
    dialog.respond(before, recognizer.recognize("book a table in Paris"))
    assert before == dialog.new_state()
