"""The page's conversations: one router conversation per id the page keeps.

Each page conversation gets its own `Conversation`, so its own client label at the router
(its own DNS answer, as a separate browser would have) and its own bot conversation id, which
is what carries the dialog state across a region change. Turns of one conversation run one at
a time, as a person types them; the bot's store would refuse two concurrent turns anyway.
The oldest conversations are forgotten past `limit`, so a page left polling cannot grow memory.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from geobot.chat.conversation import Conversation, Turn


@dataclass
class _Entry:
    conversation: Conversation
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Conversations:
    def __init__(self, open_conversation: Callable[[], Conversation], limit: int = 100) -> None:
        self._open = open_conversation
        self._limit = limit
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, conversation_id: str) -> bool:
        return conversation_id in self._entries

    async def say(self, conversation_id: str, text: str) -> Turn:
        """One turn of the page conversation `conversation_id`, started on first use."""
        entry = self._entries.get(conversation_id)
        if entry is None:
            entry = self._entries[conversation_id] = _Entry(self._open())
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)
        self._entries.move_to_end(conversation_id)
        async with entry.lock:
            return await entry.conversation.say(text)
