"""One user's conversation with the bot through the router, turn by turn.

Each turn is a message activity with `deliveryMode: expectReplies`, so the bot answers in the
HTTP response and no callback server is needed. The region that answered comes from the bot's
`X-Geobot-Region` header, and what the turn wrote to this conversation's state from its
`X-Geobot-State` header (geobot.bot.statechain). `X-Geobot-Client` names the user to the local
router, which keeps a DNS answer per client as resolvers do. A failed turn is returned, never raised, so traffic
generators can count failures.
"""

from __future__ import annotations

import ssl
import time
import uuid
from dataclasses import dataclass

import aiohttp

from geobot.bot.statechain import STATE_HEADER, Write, decode

REGION_HEADER = "X-Geobot-Region"
CLIENT_HEADER = "X-Geobot-Client"


@dataclass(frozen=True)
class Turn:
    text: str
    replies: tuple[str, ...]
    region: str | None
    status: int | None
    started: float
    elapsed: float
    error: str | None = None
    state: tuple[Write, ...] = ()  # this conversation's writes the turn made (X-Geobot-State, keys holding its id)

    @property
    def ok(self) -> bool:
        return self.error is None


class Conversation:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        user: str | None = None,
        server_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.url = url.rstrip("/") + "/api/messages"
        self.user = user or f"user-{uuid.uuid4().hex[:8]}"
        self.id = f"conv-{uuid.uuid4().hex}"
        self.server_hostname = server_hostname
        self.ssl_context = ssl_context
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _activity(self, text: str) -> dict:
        return {
            "type": "message", "id": uuid.uuid4().hex, "channelId": "geobot", "serviceUrl": "http://127.0.0.1:9/",
            "deliveryMode": "expectReplies", "from": {"id": self.user}, "recipient": {"id": "bot"},
            "conversation": {"id": self.id}, "text": text,
        }

    async def say(self, text: str) -> Turn:
        started = time.time()
        clock = time.monotonic()
        headers = {CLIENT_HEADER: self.user}
        extra = {"server_hostname": self.server_hostname} if self.server_hostname else {}
        try:
            async with self.session.post(self.url, json=self._activity(text), headers=headers, timeout=self.timeout,
                                         ssl=self.ssl_context if self.ssl_context is not None else True,
                                         **extra) as response:
                region = response.headers.get(REGION_HEADER)
                state = tuple(w for w in decode(response.headers.get(STATE_HEADER)) if self.id in w[0])
                body = await response.json(content_type=None) if response.content_length != 0 else {}
                if response.status != 200:
                    reason = body.get("error") if isinstance(body, dict) else None
                    return Turn(text, (), region, response.status, started, time.monotonic() - clock,
                                f"HTTP {response.status}" + (f": {reason}" if reason else ""))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return Turn(text, (), None, None, started, time.monotonic() - clock, f"{type(exc).__name__}: {exc}".rstrip(": "))
        replies = tuple(a.get("text", "") for a in body.get("activities", []) if a.get("type") == "message")
        return Turn(text, replies, region, 200, started, time.monotonic() - clock, state=state)


async def converse(url: str, texts: list[str], **options: object) -> list[Turn]:
    """Say each text in turn in one new conversation (for scripts and the smoke test)."""
    async with aiohttp.ClientSession() as session:
        conversation = Conversation(session, url, **options)  # type: ignore[arg-type]
        return [await conversation.say(text) for text in texts]
