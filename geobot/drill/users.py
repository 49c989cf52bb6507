"""Simulated users: each one keeps a booking conversation going through the router.

A user says a turn, reads the replies, thinks for a moment (uniform in `think` seconds, a
hurried person), and goes on; after a failed turn it says the same text again, and after a
reply that lost state it gives up on that conversation and starts a new one. Every turn is
recorded with its wall-clock start, so it lines up with the router's log. User ids share a
prefix unique to the drill: the router logs them as `client`, which tells this drill's
requests from anyone else's.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from dataclasses import dataclass
from typing import Literal

import aiohttp

from geobot.chat.conversation import Conversation
from geobot.drill.script import Script, StateChain

Verdict = Literal["ok", "failed", "lost"]
THINK = (0.5, 2.0)  # seconds between turns
START_SPREAD = 1.0  # users start over this many seconds, not all at once


@dataclass(frozen=True)
class Endpoint:
    """Where clients reach the router, the TLS name they check, and what they trust."""

    url: str
    host: str
    ssl_context: ssl.SSLContext


@dataclass(frozen=True)
class TurnRecord:
    user: str
    conversation: int  # the user's n-th conversation: a new one starts after a lost state
    step: str
    text: str
    started: float  # Unix seconds, the router log's clock
    elapsed: float
    region: str | None
    status: int | None
    error: str | None
    verdict: Verdict


class Users:
    """`count` users talking until `stop_at`; `records` grows as turns complete."""

    def __init__(self, endpoint: Endpoint, count: int, prefix: str, *, seed: int = 0,
                 think: tuple[float, float] = THINK, timeout: float = 60.0,
                 script: type[Script] | type[StateChain] = Script) -> None:
        self.endpoint = endpoint
        self.script = script
        self.names = [f"{prefix}-{index:03d}" for index in range(count)]
        self.think = think
        self.timeout = timeout
        self.seed = seed
        self.records: list[TurnRecord] = []
        self.stop_at = 0.0

    def stop(self, at: float) -> None:
        """End the conversations at `at` (Unix seconds) instead, for a run whose end depends on events."""
        self.stop_at = at

    async def run(self, stop_at: float) -> list[TurnRecord]:
        self.stop_at = stop_at
        connector = aiohttp.TCPConnector(limit=len(self.names) + 4)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(self._user(session, index, name) for index, name in enumerate(self.names)))
        return self.records

    async def _user(self, session: aiohttp.ClientSession, index: int, name: str) -> None:
        rng = random.Random(f"{self.seed}-{name}")
        await asyncio.sleep(START_SPREAD * index / len(self.names))
        conversation, script, number = self._conversation(session, name), self.script(rng), 0
        while time.time() < self.stop_at:
            step, text = script.step_name, script.text()
            turn = await conversation.say(text)
            if not turn.ok:
                verdict: Verdict = "failed"
                script.failed()
            else:
                verdict = "ok" if script.answered(turn.replies, turn.state) else "lost"
            self.records.append(TurnRecord(name, number, step, text, turn.started, turn.elapsed, turn.region,
                                           turn.status, turn.error, verdict))
            if verdict == "lost":
                conversation, script, number = self._conversation(session, name), self.script(rng), number + 1
            await asyncio.sleep(min(rng.uniform(*self.think), max(0.0, self.stop_at - time.time())))

    def _conversation(self, session: aiohttp.ClientSession, name: str) -> Conversation:
        return Conversation(session, self.endpoint.url, user=name, server_hostname=self.endpoint.host,
                            ssl_context=self.endpoint.ssl_context, timeout=self.timeout)

