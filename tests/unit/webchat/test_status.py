"""The status feed: one reading shared by the polls within a second, read off the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from geobot.errors import NoDeployment
from geobot.webchat.status import StatusFeed


class Readings:
    """Counts readings and the threads they ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self) -> dict:
        self.threads.append(threading.get_ident())
        return {"reading": len(self.threads)}


def test_polls_within_max_age_share_one_reading_and_a_later_poll_reads_again() -> None:
    now = [100.0]
    read = Readings()
    feed = StatusFeed(read, max_age=1.0, clock=lambda: now[0])

    async def scenario() -> list[dict]:
        together = await asyncio.gather(feed.get(), feed.get(), feed.get())
        now[0] += 0.5
        soon = await feed.get()
        now[0] += 1.0
        return [*together, soon, await feed.get()]

    assert asyncio.run(scenario()) == [{"reading": 1}] * 4 + [{"reading": 2}]
    assert threading.get_ident() not in read.threads


def test_a_failed_reading_is_raised_and_not_kept() -> None:
    answers: list[object] = [NoDeployment("gone"), {"reading": 2}]

    def read() -> dict:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    feed = StatusFeed(read)

    async def scenario() -> dict:
        with pytest.raises(NoDeployment):
            await feed.get()
        return await feed.get()

    assert asyncio.run(scenario()) == {"reading": 2}
