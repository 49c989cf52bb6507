"""The agent behind /api/messages: one dialog turn per message, its state in the shared store.

A turn reads the conversation's state and its ETag, runs the dialog, writes the new state
naming that ETag, and only then sends the replies. If another region wrote the conversation
in between, the write fails with `PreconditionFailed` and the turn is redone on the fresh
state, so no turn is lost and none is applied twice. Every reply carries the serving region in
`channelData.region`. geobot hosts it through the same contract as any user's bot
(`geobot.bot.contract`): `create_bot` is the factory `[bot] app` names by default.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import TurnContext

from geobot.bot import dialog
from geobot.bot.contract import BotContext, DependencyDown, PreconditionFailed

ATTEMPTS = 3
log = logging.getLogger("geobot.bot")


class ConflictingTurns(Exception):
    """The conversation kept changing under this turn (another region is answering it too)."""


def conversation_key(channel_id: str, conversation_id: str) -> str:
    """A store key that is a valid Cosmos DB id ('/', '\\\\', '?' and '#' are escaped)."""
    return "conversation|" + quote(f"{channel_id}|{conversation_id}", safe="|-_.:@=+")


class BookingAgent:
    """Implements the SDK's Agent protocol (`on_turn`)."""

    def __init__(self, context: BotContext) -> None:
        self._context = context
        self._region = context.region

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.conversation_update:
            bot_id = activity.recipient.id if activity.recipient else None
            if any(m.id != bot_id for m in activity.members_added or []):
                await self._send(context, ["Hello! " + dialog.HELP])
            return
        if activity.type != ActivityTypes.message:
            return
        prediction = await self._context.recognize(activity.text or "")
        key = conversation_key(activity.channel_id or "", activity.conversation.id)
        for _ in range(ATTEMPTS):
            current = await self._context.read(key)
            state, etag = current if current is not None else (dialog.new_state(), None)
            state, replies = dialog.respond(state, prediction)
            try:
                await self._context.write(key, state, etag)
                break
            except PreconditionFailed:
                log.info("conversation changed under this turn; redoing it on the fresh state")
        else:
            raise ConflictingTurns(key)
        await self._send(context, replies)

    async def _send(self, context: TurnContext, texts: list[str]) -> None:
        await context.send_activities([
            Activity(type=ActivityTypes.message, text=text, channel_data={"region": self._region})
            for text in texts
        ])


def create_bot(context: BotContext) -> BookingAgent:
    """The sample bot's factory (`[bot] app` = "geobot.bot.agent:create_bot")."""
    return BookingAgent(context)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Dependency failures go up to the route (→ 503); anything else is logged by kind only."""
    if isinstance(error, (DependencyDown, ConflictingTurns)):
        raise error
    log.error("turn failed: %s", error.__class__.__name__, exc_info=error)
    await context.send_activity("Sorry, something went wrong on my side. Please try again.")
