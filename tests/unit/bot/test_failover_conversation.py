"""A conversation held over HTTP that moves to another server mid-way, as after a failover."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from geobot.bot.agent import conversation_key
from geobot.targets.local.store import SqliteStore
from tests.unit.bot.helpers import make_vault, say, serve, texts

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


def test_conversation_started_on_one_server_continues_on_another(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)

    async def scenario() -> list[tuple[int, str, dict]]:
        async with serve(vault, "west") as west, serve(vault, "east") as east, aiohttp.ClientSession() as http:
            return [
                await say(http, west, "hi"),
                await say(http, west, "I want to book a table for 2 in Rome"),
                await say(http, east, "on friday"),  # west is gone: the router sends the user east
                await say(http, east, "8pm"),
                await say(http, east, "yes"),
                await say(http, west, "what did I book?"),  # west is back
            ]

    turns = asyncio.run(scenario())
    assert [status for status, _, _ in turns] == [200] * 6
    assert [region for _, region, _ in turns] == ["west", "west", "east", "east", "east", "west"]
    for _, region, body in turns:
        assert {a["channelData"]["region"] for a in body["activities"]} == {region}
    assert texts(turns[1][2]) == ["Which day? (today, tomorrow or a weekday)"]
    assert texts(turns[2][2]) == ["At what time? (for example 7pm or 19:30)"]
    assert texts(turns[3][2]) == ["So that is a table for 2 in Rome on friday at 8pm. Shall I book it?"]
    booked = texts(turns[4][2])[0]
    assert booked.startswith("Booked a table for 2 in Rome on friday at 8pm. Your reference is GB-")
    reference = booked.rsplit(" ", 1)[1].rstrip(".")
    assert texts(turns[5][2]) == [f"{reference}: a table for 2 in Rome on friday at 8pm"]
    doc, _ = SqliteStore(tmp_path / "state.db").read(conversation_key("test", "conv-1"))
    assert doc["turns"] == 6 and doc["booking"] is None and len(doc["bookings"]) == 1


def test_concurrent_turns_in_two_regions_are_never_lost(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)

    async def scenario() -> list[int]:
        async with serve(vault, "west") as west, serve(vault, "east") as east, aiohttp.ClientSession() as http:
            turns = [say(http, base, "what did I book?", "race") for _ in range(8) for base in (west, east)]
            return [status for status, _, _ in await asyncio.gather(*turns)]

    statuses = asyncio.run(scenario())
    assert set(statuses) <= {200, 409}
    doc, _ = SqliteStore(tmp_path / "state.db").read(conversation_key("test", "race"))
    assert doc["turns"] == statuses.count(200)  # every answered turn was stored exactly once
