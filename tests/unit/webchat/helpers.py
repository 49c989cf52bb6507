"""A real web chat in front of a real bot on loopback, and a client that talks to it as the page does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from geobot.webchat.guard import TOKEN_HEADER
from geobot.webchat.server import web_chat
from tests.unit.bot.helpers import make_vault, serve


@dataclass
class Page:
    """What the browser page does: token from the fragment, same-origin calls."""

    http: aiohttp.ClientSession
    address: str

    @property
    def base(self) -> str:
        return self.address.split("/#", 1)[0]

    @property
    def token(self) -> str:
        return self.address.split("#token=", 1)[1]

    async def call(self, method: str, path: str, *, token: bool = True, headers: dict[str, str] | None = None,
                   **options: Any) -> tuple[int, dict[str, str], Any]:
        sent = ({TOKEN_HEADER: self.token} if token else {}) | (headers or {})
        async with self.http.request(method, self.base + path, headers=sent, **options) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, dict(response.headers), body

    async def say(self, conversation: str, text: str) -> tuple[int, Any]:
        status, _, body = await self.call("POST", "/api/say", json={"conversation": conversation, "text": text})
        return status, body


def no_status() -> dict[str, Any]:
    return {"deployment": "test", "target": "local", "regions": {}}


@contextlib.asynccontextmanager
async def chat_page(tmp_path: Path, read_status: Callable[[], dict[str, Any]] = no_status,
                    bot_url: str | None = None) -> AsyncIterator[Page]:
    """The web chat in front of a real bot in region "west" (or in front of `bot_url`)."""
    async with (
        serve(make_vault(tmp_path), "west") as bot,
        web_chat((bot_url or bot, None, None), read_status) as address,
        aiohttp.ClientSession() as http,
    ):
        yield Page(http, address)
