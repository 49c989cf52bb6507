"""The agent's ETag loop: a turn that loses a race is redone on the other region's state."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext

from geobot.bot.agent import BookingAgent, ConflictingTurns, conversation_key
from geobot.bot.contract import BotContext
from geobot.bot.drill import Faults
from geobot.bot.language import LocalLanguage
from geobot.bot.services import Services
from geobot.bot.settings import Settings
from geobot.targets.local.store import SqliteStore
from tests.unit.bot.helpers import activity


class RacingStore(SqliteStore):
    """Lets another writer slip in between this turn's read and write, `races` times."""

    def __init__(self, path: Path, races: int) -> None:
        super().__init__(path)
        self.races = races
        self.other = SqliteStore(path)

    def write(self, key: str, doc: dict, etag: str | None) -> str:
        if self.races:
            self.races -= 1
            current = self.other.read(key)
            theirs = {**current[0], "turns": current[0]["turns"] + 1} if current else {"turns": 100, "bookings": []}
            self.other.write(key, theirs, current[1] if current else None)
        return super().write(key, doc, etag)


def _run(store: SqliteStore, incoming: dict) -> list[Activity]:
    """One turn through the agent with an anonymous SDK adapter; the buffered (expectReplies) replies."""
    adapter = CloudAdapter(connection_manager=MsalConnectionManager(
        connections_configurations={"SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)}))
    services = Services(Settings("west", "file:///v"), Faults(), language=LocalLanguage(), store=store)
    context = TurnContext(adapter, Activity.model_validate(incoming))
    asyncio.run(BookingAgent(BotContext(services, None)).on_turn(context))
    return context.buffered_reply_activities


def _turn(store: SqliteStore, text: str) -> list[Activity]:
    return _run(store, activity(text, "c"))


def test_a_turn_that_loses_the_race_is_redone_on_the_fresh_state(tmp_path: Path) -> None:
    store = RacingStore(tmp_path / "state.db", races=2)
    replies = _turn(store, "what did I book?")
    doc, _ = store.read(conversation_key("test", "c"))
    # two foreign writes (turns 100 → 101) happened first; this turn was applied once, on top
    assert doc["turns"] == 102
    assert [a.text for a in replies] == ["You have no bookings yet."]
    assert replies[0].channel_data == {"region": "west"}


def test_a_conversation_that_keeps_changing_fails_without_replying(tmp_path: Path) -> None:
    store = RacingStore(tmp_path / "state.db", races=5)
    with pytest.raises(ConflictingTurns):
        _turn(store, "hello")
    doc, _ = store.read(conversation_key("test", "c"))
    assert doc["turns"] == 102  # only the other writer's turns: 100, 101, 102


def test_a_new_member_is_greeted_without_touching_the_store(tmp_path: Path) -> None:
    store = RacingStore(tmp_path / "state.db", races=0)
    replies = _run(store, {**activity("", "c"), "type": "conversationUpdate", "membersAdded": [{"id": "user-1"}]})
    assert replies[0].text.startswith("Hello! I can book a table")
    assert store.read(conversation_key("test", "c")) is None
