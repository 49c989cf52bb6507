"""The table-booking dialog: a conversation worth failing over.

A booking takes several turns: the bot asks in turn for the city, the party size, the day
and the time (whatever the user has not said yet), reads the booking back, and books it on
"yes". Everything it remembers between turns is the returned state dict, which the agent
stores under the conversation id, so the next turn may run in another region.

`respond` is a pure function: state and prediction in, new state and replies out.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable

from geobot.nlu.recognizer import Prediction

SLOTS = ("city", "people", "day", "time")
QUESTIONS = {
    "city": "Which city should the table be in?",
    "people": "For how many people?",
    "day": "Which day? (today, tomorrow or a weekday)",
    "time": "At what time? (for example 7pm or 19:30)",
}
HELP = ("I can book a table for you. Say for example 'book a table for 2 in Paris tomorrow at 7pm', "
        "'what did I book?' or 'cancel my booking'.")
MAX_PEOPLE = 20
LOW_CONFIDENCE = 0.35
ENTITY_SLOTS = {"city": "city", "number": "people", "day": "day", "time": "time"}


def new_state() -> dict:
    return {"booking": None, "awaiting": None, "bookings": [], "turns": 0}


def new_reference() -> str:
    return f"GB-{secrets.token_hex(3).upper()}"


def respond(state: dict, prediction: Prediction, make_ref: Callable[[], str] = new_reference) -> tuple[dict, list[str]]:
    """One turn: the new state and the reply texts."""
    state = copy.deepcopy(state)
    state["turns"] = state.get("turns", 0) + 1
    values = _slot_values(prediction, state.get("awaiting"))
    intent = prediction.intent
    if prediction.score < LOW_CONFIDENCE and not values:
        intent = "None"
    if state.get("booking") is not None and values and intent in ("Inform", "BookTable", "None", "Greeting"):
        intent = "Inform"  # inside a booking, an answer that carries values is an answer
    handler = _HANDLERS.get(intent, _not_understood)
    replies = handler(state, values, make_ref)
    return state, replies


def summary(booking: dict) -> str:
    day = booking["day"] if booking["day"] in ("today", "tomorrow") else f"on {booking['day']}"
    return f"a table for {booking['people']} in {booking['city']} {day} at {booking['time']}"


def _slot_values(prediction: Prediction, awaiting: str | None) -> dict:
    values: dict = {}
    for entity in prediction.entities:
        slot = ENTITY_SLOTS.get(entity.category)
        if slot and slot not in values:
            values[slot] = entity.value
    if awaiting == "time" and "time" not in values and isinstance(values.get("people"), int):
        hour = values.pop("people")  # "at 8" while asked for the time means 8 o'clock
        if 1 <= hour <= 12:
            values["time"] = f"{hour}pm" if hour < 12 else "noon"
    return values


def _next_question(state: dict) -> list[str]:
    booking = state["booking"]
    for slot in SLOTS:
        if booking.get(slot) is None:
            state["awaiting"] = slot
            return [QUESTIONS[slot]]
    state["awaiting"] = "confirm"
    return [f"So that is {summary(booking)}. Shall I book it?"]


def _fill(state: dict, values: dict) -> list[str]:
    replies = []
    people = values.get("people")
    if people is not None and not (isinstance(people, int) and 1 <= people <= MAX_PEOPLE):
        values = {k: v for k, v in values.items() if k != "people"}
        replies.append(f"I can book for 1 to {MAX_PEOPLE} people.")
    state["booking"].update(values)
    return [*replies, *_next_question(state)]


def _book(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    state["booking"] = {slot: None for slot in SLOTS}
    return ["Let's book a table.", *_fill(state, values)] if not values else _fill(state, values)


def _inform(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    if state.get("booking") is None:
        return _book(state, values, make_ref) if values else _not_understood(state, values, make_ref)
    return _fill(state, values)


def _confirm(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    if state.get("awaiting") != "confirm":
        return ["There is nothing to confirm yet.", *_reask(state)]
    booking = {**state["booking"], "ref": make_ref()}
    state["bookings"].append(booking)
    state["booking"], state["awaiting"] = None, None
    return [f"Booked {summary(booking)}. Your reference is {booking['ref']}."]


def _reject(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    if state.get("booking") is None:
        return ["All right. " + HELP]
    state["awaiting"] = "change"
    return ["What should I change: the city, the number of people, the day or the time?"]


def _cancel(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    if state.get("booking") is not None:
        state["booking"], state["awaiting"] = None, None
        return ["OK, I dropped that booking."]
    if state["bookings"]:
        booking = state["bookings"].pop()
        return [f"Cancelled {summary(booking)} (reference {booking['ref']})."]
    return ["You have no booking to cancel."]


def _check(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    lines = [f"{b['ref']}: {summary(b)}" for b in state["bookings"]] or ["You have no bookings yet."]
    return [*lines, *_reask(state)]


def _greet(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    return ["Hello! " + HELP, *_reask(state)]


def _help(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    return [HELP, *_reask(state)]


def _not_understood(state: dict, values: dict, make_ref: Callable[[], str]) -> list[str]:
    return ["Sorry, I did not understand that.", *(_reask(state) or [HELP])]


def _reask(state: dict) -> list[str]:
    """Repeat the open question, if a booking is under way."""
    return _next_question(state) if state.get("booking") is not None else []


_HANDLERS = {
    "BookTable": _book,
    "Inform": _inform,
    "Confirm": _confirm,
    "Reject": _reject,
    "CancelBooking": _cancel,
    "CheckBooking": _check,
    "Greeting": _greet,
    "Help": _help,
}
