"""A minimal bot for geobot: echoes each message with the intent its own model found.

geobot calls `create_bot(context)` once per region at start (the contract is in
`geobot.bot.contract` and the README's "Deploy your own bot"). The message count lives in the
shared state store under the conversation's id, so a conversation goes on counting when
another region answers it after a failover.
"""

from __future__ import annotations

from microsoft_agents.hosting.core import ActivityHandler, MessageFactory, TurnContext

from geobot.bot.contract import BotContext, PreconditionFailed

ATTEMPTS = 3


class EchoBot(ActivityHandler):
    def __init__(self, geobot: BotContext) -> None:
        self.geobot = geobot

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = turn_context.activity.text or ""
        prediction = await self.geobot.recognize(text)
        count = await self._count(f"echo|{turn_context.activity.conversation.id}")
        if prediction.intent == "Count":
            reply = f"You have sent {count} messages."
        elif prediction.intent == "Greeting":
            reply = f"Hello from {self.geobot.region}! Say anything and I echo it."
        else:
            reply = f"echo ({prediction.intent}, message {count}): {text}"
        await turn_context.send_activity(MessageFactory.text(reply))

    async def _count(self, key: str) -> int:
        """One more message in this conversation; redone when another region wrote in between."""
        for _ in range(ATTEMPTS):
            current = await self.geobot.read(key)
            doc, etag = current if current is not None else ({"count": 0}, None)
            count = doc.get("count", 0) + 1  # documents of older versions lack fields: read them leniently
            try:
                await self.geobot.write(key, {"count": count}, etag)
                return count
            except PreconditionFailed:
                continue
        raise RuntimeError("the conversation kept changing under this turn")


def create_bot(context: BotContext) -> EchoBot:
    return EchoBot(context)
