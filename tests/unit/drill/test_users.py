"""Simulated users against real bots in this process, and against a fake that forgets or fails."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web

from geobot.drill.users import Endpoint, Users
from tests.unit.bot.helpers import make_vault, serve

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
QUICK = (0.01, 0.05)


def endpoint(url: str) -> Endpoint:
    return Endpoint(url, "geobot.localhost", ssl.create_default_context())


@contextlib.asynccontextmanager
async def fake_bot(answer: Callable[[dict], tuple[int, list[str]]]) -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        status, texts = answer(await request.json())
        body = {"activities": [{"type": "message", "text": t} for t in texts]} if status == 200 else {"error": "down"}
        return web.json_response(body, status=status, headers={"X-Geobot-Region": "fake"})

    app = web.Application()
    app.router.add_post("/api/messages", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def test_users_book_tables_with_the_real_bot_and_lose_nothing(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)

    async def scenario() -> Users:
        async with serve(vault, "west") as west:
            crowd = Users(endpoint(west), 3, "drill-test", think=QUICK, timeout=5)
            await crowd.run(time.time() + 1.5)
            return crowd

    records = asyncio.run(scenario()).records
    assert {r.user for r in records} == {"drill-test-000", "drill-test-001", "drill-test-002"}
    assert {r.verdict for r in records} == {"ok"} and {r.region for r in records} == {"west"}
    first = [r for r in records if r.user == "drill-test-000"][:5]
    assert [r.step for r in first] == ["book", "day", "time", "yes", "check"]
    assert all(r.started <= time.time() and r.elapsed > 0 for r in records)


def test_a_bot_that_forgot_the_booking_is_lost_state_and_the_user_starts_over() -> None:
    def forgetful(activity: dict) -> tuple[int, list[str]]:
        return 200, ["Which day? (today, tomorrow or a weekday)"]  # right for "book", wrong for "day"

    async def scenario() -> Users:
        async with fake_bot(forgetful) as url:
            crowd = Users(endpoint(url), 1, "drill-test", think=QUICK, timeout=5)
            await crowd.run(time.time() + 0.5)
            return crowd

    records = asyncio.run(scenario()).records
    assert [(r.step, r.verdict) for r in records[:4]] == [("book", "ok"), ("day", "lost"), ("book", "ok"), ("day", "lost")]
    assert [r.conversation for r in records[:4]] == [0, 0, 1, 1]


def test_a_failed_turn_is_recorded_and_said_again() -> None:
    answers = iter([(503, []), (503, [])])

    def flaky(activity: dict) -> tuple[int, list[str]]:
        return next(answers, (200, ["Which day? (today, tomorrow or a weekday)"]))

    async def scenario() -> Users:
        async with fake_bot(flaky) as url:
            crowd = Users(endpoint(url), 1, "drill-test", think=QUICK, timeout=5)
            await crowd.run(time.time() + 0.3)
            return crowd

    records = asyncio.run(scenario()).records
    assert [(r.step, r.status, r.verdict) for r in records[:3]] == [("book", 503, "failed"), ("book", 503, "failed"),
                                                                  ("book", 200, "ok")]
    assert records[0].text == records[1].text == records[2].text and records[0].error == "HTTP 503: down"


def test_no_turn_starts_after_the_end() -> None:
    async def scenario() -> tuple[float, Users]:
        async with fake_bot(lambda activity: (200, ["Which day? (today, tomorrow or a weekday)"])) as url:
            crowd = Users(endpoint(url), 4, "drill-test", think=QUICK, timeout=5)
            end = time.time() + 0.4
            await crowd.run(end)
            return end, crowd

    end, crowd = asyncio.run(scenario())
    assert crowd.records and max(r.started for r in crowd.records) < end
