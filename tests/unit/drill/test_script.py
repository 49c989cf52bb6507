"""The user's script and its judge: which replies continue the dialog, and which lost state."""

from __future__ import annotations

import random

import pytest

from geobot.bot import dialog
from geobot.drill.script import NOTHING_TO_CONFIRM, STEPS, Booking, Script, StateChain
from geobot.nlu.model import default_model_path
from geobot.nlu.recognizer import LocalRecognizer

ROME = Booking(2, "Rome", "friday", "8pm")
ASKS_DAY = (dialog.QUESTIONS["day"],)
ASKS_TIME = (dialog.QUESTIONS["time"],)
READ_BACK = ("So that is a table for 2 in Rome on friday at 8pm. Shall I book it?",)
BOOKED = ("Booked a table for 2 in Rome on friday at 8pm. Your reference is GB-1A2B3C.",)
LISTED = ("GB-1A2B3C: a table for 2 in Rome on friday at 8pm",)
HAPPY = [ASKS_DAY, ASKS_TIME, READ_BACK, BOOKED, LISTED]


def script(booking: Booking = ROME) -> Script:
    return Script(random.Random(1), booking)


def test_a_whole_booking_is_consistent_and_starts_a_new_one() -> None:
    s = script()
    texts = []
    for replies in HAPPY:
        texts.append(s.text())
        assert s.answered(replies)
    assert texts == ["I want to book a table for 2 in Rome", "on friday", "8pm", "yes", "what did I book?"]
    assert s.made == [("GB-1A2B3C", ROME)] and s.step_name == "book" and s.booking != ROME


def test_the_script_matches_what_the_real_dialog_answers() -> None:
    recognizer = LocalRecognizer.from_path(default_model_path())
    rng = random.Random(7)
    for _ in range(40):
        s, state = Script(rng), dialog.new_state()
        for _ in range(2 * len(STEPS)):  # two bookings in one conversation
            state, replies = dialog.respond(state, recognizer.recognize(s.text()))
            assert s.answered(tuple(replies)), (s.text(), replies)


@pytest.mark.parametrize(("step", "replies"), [
    (1, ("Which city should the table be in?",)),  # the day arrived at a bot that forgot the booking
    (2, ("So that is a table for 2 in Paris on friday at 8pm. Shall I book it?",)),  # another booking
    (3, (NOTHING_TO_CONFIRM,)),  # "yes" with nothing to confirm, after a turn that did not fail
    (4, ("You have no bookings yet.",)),
])
def test_a_reply_that_does_not_continue_the_dialog_is_lost_state(step: int, replies: tuple[str, ...]) -> None:
    s = script()
    for answer in HAPPY[:step]:
        assert s.answered(answer)
    assert not s.answered(replies)
    assert s.step == step  # the user stays where the dialog broke


def test_a_repeated_yes_after_a_failed_one_may_find_the_booking_made_and_the_check_names_it() -> None:
    s = script()
    for answer in HAPPY[:3]:
        s.answered(answer)
    s.failed()  # the bot may have booked, then died before answering
    assert s.answered((NOTHING_TO_CONFIRM,))
    assert s.made == [(None, ROME)]
    assert s.answered(("GB-777777: a table for 2 in Rome on friday at 8pm",))
    assert s.made == [("GB-777777", ROME)]


def test_the_check_must_list_every_booking_of_the_conversation_in_order() -> None:
    s = script()
    for answer in HAPPY:
        s.answered(answer)
    second = s.booking
    assert second is not None
    for answer in [ASKS_DAY, ASKS_TIME, (f"So that is {second.summary}. Shall I book it?",),
                   (f"Booked {second.summary}. Your reference is GB-DDDDDD.",)]:
        assert s.answered(answer)
    assert not s.answered((f"GB-DDDDDD: {second.summary}",))  # the first booking is gone: lost
    assert s.answered((*LISTED, f"GB-DDDDDD: {second.summary}"))


def test_a_failed_turn_is_said_again() -> None:
    s = script()
    s.failed()
    assert s.text() == "I want to book a table for 2 in Rome" and s.step_name == "book"


def test_today_and_tomorrow_are_said_without_on() -> None:
    assert Booking(1, "Seoul", "tomorrow", "noon").says("day") == "tomorrow"
    assert Booking(1, "Seoul", "monday", "noon").says("day") == "on monday"


KEY = "echo|conv-1"


def test_a_users_bot_keeps_state_when_each_write_builds_on_the_last() -> None:
    chain = StateChain(random.Random(1))
    assert chain.answered(("hello",), ((KEY, None, "e1"),))
    assert chain.answered(("again",), ((KEY, "e1", "e2"),))
    assert chain.answered(("no write",))
    assert chain.answered(("and again",), ((KEY, "e2", "e3"),))


@pytest.mark.parametrize("base", [None, "e1"])  # the conversation started over, or an older state was read
def test_a_write_that_does_not_build_on_the_last_lost_state(base: str | None) -> None:
    chain = StateChain(random.Random(1))
    chain.answered(("hello",), ((KEY, None, "e1"),))
    chain.answered(("again",), ((KEY, "e1", "e2"),))
    assert not chain.answered(("hello",), ((KEY, base, "e9"),))


def test_after_a_failed_turn_the_write_it_may_have_made_is_accepted_once() -> None:
    chain = StateChain(random.Random(1))
    chain.answered(("hello",), ((KEY, None, "e1"),))
    chain.failed()  # it wrote e2, then died before answering
    assert chain.answered(("again",), ((KEY, "e2", "e3"),))
    assert not chain.answered(("again",), ((KEY, "e2", "e4"),))


def test_an_unanswered_turn_is_not_a_continued_dialog() -> None:
    assert not StateChain(random.Random(1)).answered((), ((KEY, None, "e1"),))
