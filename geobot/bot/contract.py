"""The contract between geobot's host and a bot: what a factory gets, what it must return.

    def create_bot(context: BotContext) -> Agent | Handler

is called once when a region's bot process starts. `context` offers:

    context.region                      this region's name (also in X-Geobot-Region)
    await context.recognize(text)       the configured `[bot] model` (local recognizer or this
                                        region's CLU deployment) → geobot.nlu.recognizer.Prediction
    await context.read(key)             the shared state store: (doc, etag) or None
    await context.write(key, doc, etag) store `doc` if `etag` is still current (None: the key is
                                        new) → the new etag; raises PreconditionFailed when another
                                        region wrote first: read again and redo the turn
    context.secret(name)                a value from the deployment's vault (Key Vault on Azure), or
                                        None; blocking, meant for start-up

Every call is bounded by a timeout and obeys the drill (nlu-down, store-down); a failure raises
DependencyDown, which the host answers with 503 naming the component, so the caller retries in
another region. Let it propagate.

The factory returns either an Agents-SDK agent (an object with `async on_turn(turn_context)`,
e.g. an ActivityHandler or AgentApplication), which the host runs behind its CloudAdapter and
JWT check; or an aiohttp handler (`async def handler(request) -> web.StreamResponse`) for POST
/api/messages, still behind the JWT check. The host adds everything else: /api/health (deep)
and /api/health/live, the ACME HTTP-01 responder, the drill hook and X-Geobot-Region.

State documents are the bot's own: during a rolling update two versions of a bot read and
write the same conversations, so a bot must read the documents its previous version wrote.

The drill judges a bot's state through what it writes: the host tells the client each write of
a turn (X-Geobot-State, geobot.bot.statechain), and the drill checks that every write under a
key holding the conversation's id (`turn_context.activity.conversation.id`) builds on the etag
the conversation's previous write returned. Keep a conversation's state under such a key, read
it and write it back with the etag read, and `geobot drill` sees whether it carried over when
another region answered. State kept anywhere else is not judged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from geobot.bot import statechain
from geobot.bot.services import DependencyDown, Services
from geobot.bot.vaults import SecretSource
from geobot.nlu.recognizer import Prediction
from geobot.targets.local.store import PreconditionFailed

__all__ = ["Agent", "BotContext", "DependencyDown", "Handler", "PreconditionFailed", "Prediction"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Agent(Protocol):
    """The Agents SDK's agent protocol, as far as the host relies on it."""

    async def on_turn(self, context: Any) -> None: ...


class BotContext:
    """One region's view of geobot's services, handed to the bot's factory."""

    def __init__(self, services: Services, vault: SecretSource | None) -> None:
        self._services = services
        self._vault = vault
        self.region = services.settings.region

    async def recognize(self, text: str) -> Prediction:
        return await self._services.recognize(text)

    async def read(self, key: str) -> tuple[dict, str] | None:
        return await self._services.read(key)

    async def write(self, key: str, doc: dict, etag: str | None) -> str:
        new = await self._services.write(key, doc, etag)
        statechain.record(key, etag, new)
        return new

    def secret(self, name: str) -> str | None:
        if self._vault is None:
            raise DependencyDown("config", "the vault is not available")
        return self._vault.get_secret(name)
