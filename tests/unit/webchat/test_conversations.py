"""Page conversations against a real bot: one turn at a time each, the oldest forgotten past the limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from geobot.chat.conversation import Conversation
from geobot.webchat.conversations import Conversations
from tests.unit.bot.helpers import make_vault, serve

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


def test_turns_sent_together_in_one_conversation_all_land_in_order(tmp_path: Path) -> None:
    async def scenario() -> list[tuple[bool, tuple[str, ...]]]:
        async with serve(make_vault(tmp_path), "west") as bot, aiohttp.ClientSession() as http:
            conversations = Conversations(lambda: Conversation(http, bot))
            texts = ["I want to book a table for 2 in Rome", "on friday", "8pm", *["what did I book?"] * 5]
            turns = await asyncio.gather(*(conversations.say("page", text) for text in texts))
            return [(turn.ok, turn.replies) for turn in turns]

    turns = asyncio.run(scenario())
    assert all(ok for ok, _ in turns), turns  # without one-at-a-time the bot's store refuses some with 409
    assert turns[2][1] == ("So that is a table for 2 in Rome on friday at 8pm. Shall I book it?",)


def test_the_oldest_conversation_is_forgotten_past_the_limit(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[bool], int]:
        async with serve(make_vault(tmp_path), "west") as bot, aiohttp.ClientSession() as http:
            conversations = Conversations(lambda: Conversation(http, bot), limit=2)
            for page in ("first", "second", "first", "third"):
                await conversations.say(page, "hi")
            return [page in conversations for page in ("first", "second", "third")], len(conversations)

    assert asyncio.run(scenario()) == ([True, False, True], 2)
