"""What a simulated user says, and how it tells from the bot's replies that state was lost.

Each user books tables in one conversation, round after round: "I want to book a table for
N in CITY" → the day → the time → "yes" → "what did I book?". The bot remembers everything
between turns in the shared store, so a turn answered by another region must continue the
dialog exactly. A reply that does not is a *lost state*:

    book   expects "Which day? ..."                     (the bot asks for what is missing)
    day    expects "At what time? ..."                  (lost: it asks for the city again)
    time   expects "So that is <this booking>. Shall I book it?"
    yes    expects "Booked <this booking>. Your reference is GB-XXXXXX."
    check  expects one line "<ref>: <booking>" per booking made in this conversation, in order

A failed turn may still have been applied (the bot writes the state, then dies before it
answers), so the user says it again, as a person would. Saying book, day or time twice gives
the same reply either way; a repeated "yes" after a failed one may find the booking already
made ("There is nothing to confirm yet."), which is accepted then, and the booking's
reference is learnt from the next check, which must list it.

A bot of the user's own (`[bot] app`) has a dialog the drill cannot know: `StateChain` then
requires each turn to be answered and judges the state the bot writes through the contract
(`context.write` under a key holding the conversation's id): each write must build on the etag
of the conversation's previous write, or the state was lost.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from geobot.bot.dialog import QUESTIONS, summary
from geobot.bot.statechain import Write

CITIES = ("Paris", "London", "Rome", "Berlin", "Madrid", "Tokyo", "Seoul", "Singapore", "Amsterdam", "Vienna", "Lisbon")
DAYS = ("today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIMES = ("7pm", "8pm", "19:30", "noon", "6:45pm", "9am", "12:15")
STEPS = ("book", "day", "time", "yes", "check")
NOTHING_TO_CONFIRM = "There is nothing to confirm yet."
REFERENCE = r"GB-[0-9A-F]{6}"


@dataclass(frozen=True)
class Booking:
    people: int
    city: str
    day: str
    time: str

    @classmethod
    def random(cls, rng: random.Random) -> Booking:
        return cls(rng.randint(1, 8), rng.choice(CITIES), rng.choice(DAYS), rng.choice(TIMES))

    @property
    def summary(self) -> str:
        return summary({"people": self.people, "city": self.city, "day": self.day, "time": self.time})

    def says(self, step: str) -> str:
        """The user's text for a step of this booking."""
        return {
            "book": f"I want to book a table for {self.people} in {self.city}",
            "day": self.day if self.day in ("today", "tomorrow") else f"on {self.day}",
            "time": self.time,
            "yes": "yes",
            "check": "what did I book?",
        }[step]


@dataclass
class Script:
    """One conversation's expectations: the next text to say and the judge of each reply."""

    rng: random.Random
    booking: Booking | None = None
    step: int = 0
    made: list[tuple[str | None, Booking]] = field(default_factory=list)  # (reference, booking); None: not seen yet
    retrying: bool = False  # the last attempt of this step failed, so it may have been applied

    def __post_init__(self) -> None:
        self.booking = self.booking or Booking.random(self.rng)

    @property
    def step_name(self) -> str:
        return STEPS[self.step]

    def text(self) -> str:
        assert self.booking is not None
        return self.booking.says(self.step_name)

    def failed(self) -> None:
        """The turn got no answer: the same text is said again."""
        self.retrying = True

    def answered(self, replies: tuple[str, ...], state: tuple[Write, ...] = ()) -> bool:
        """Judge the replies to the current step; True if they continue the dialog, then move on. The
        sample's dialog shows its state in its replies, so `state` is not needed."""
        assert self.booking is not None
        consistent = self._consistent(self.step_name, self.booking, replies)
        self.retrying = False
        if consistent:
            self.step = (self.step + 1) % len(STEPS)
            if self.step == 0:
                self.booking = Booking.random(self.rng)
        return consistent

    def _consistent(self, step: str, booking: Booking, replies: tuple[str, ...]) -> bool:
        if step == "book":
            return replies == (QUESTIONS["day"],)
        if step == "day":
            return replies == (QUESTIONS["time"],)
        if step == "time":
            return replies == (f"So that is {booking.summary}. Shall I book it?",)
        if step == "yes":
            return self._booked(booking, replies)
        return self._listed(replies)

    def _booked(self, booking: Booking, replies: tuple[str, ...]) -> bool:
        if self.retrying and replies == (NOTHING_TO_CONFIRM,):
            self.made.append((None, booking))
            return True
        pattern = rf"Booked {re.escape(booking.summary)}\. Your reference is ({REFERENCE})\."
        match = re.fullmatch(pattern, replies[0]) if len(replies) == 1 else None
        if match:
            self.made.append((match.group(1), booking))
        return match is not None

    def _listed(self, replies: tuple[str, ...]) -> bool:
        if len(replies) != len(self.made):
            return False
        learnt: list[tuple[str | None, Booking]] = []
        for (reference, booking), line in zip(self.made, replies):
            match = re.fullmatch(rf"({REFERENCE}): {re.escape(booking.summary)}", line)
            if match is None or reference not in (None, match.group(1)):
                return False
            learnt.append((match.group(1), booking))
        self.made = learnt
        return True


@dataclass
class StateChain:
    """For a bot whose dialog is not the sample's: a turn continues the dialog when it is answered and
    every write to the conversation's state builds on the last one the conversation saw
    (geobot.bot.statechain). After a failed turn, which may have written before it failed, the next
    write may build on an etag never seen."""

    rng: random.Random
    step: int = 0
    last: dict[str, str] = field(default_factory=dict)  # key → the etag the conversation's last write returned
    retrying: bool = False

    @property
    def step_name(self) -> str:
        return "say"

    def text(self) -> str:
        return f"message {self.step} from a drill user"

    def failed(self) -> None:
        """The same text is said again."""
        self.retrying = True

    def answered(self, replies: tuple[str, ...], state: tuple[Write, ...] = ()) -> bool:
        chained = True
        for key, base, new in state:
            chained &= self.retrying or key not in self.last or base == self.last[key]
            self.last[key] = new
        self.step += 1
        self.retrying = False
        return bool(replies) and chained
