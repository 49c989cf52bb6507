"""What a turn wrote to the state store, told to the client, so the drill can judge any bot's state.

The drill knows the sample bot's dialog and tells a lost state from its replies. A bot of the
user's own has a dialog the drill cannot know, but its state goes through the contract's
`context.write(key, doc, etag)`: the host records each write of a turn (key, the etag it was
based on, the new etag) and sends them in the `X-Geobot-State` header of the turn's response.
A conversation whose state carried over has a chain: each write to its key is based on the etag
the previous write to it returned. A write based on anything else (nothing, or an older etag)
means the region that answered did not see the conversation's last state.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar

STATE_HEADER = "X-Geobot-State"
Write = tuple[str, str | None, str]  # (key, the etag the write was based on or None for a new key, the new etag)

_writes: ContextVar[list[Write] | None] = ContextVar("geobot_turn_writes", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Write]]:
    """Collect the writes made while one turn is handled (in its task and the tasks it starts)."""
    writes: list[Write] = []
    token = _writes.set(writes)
    try:
        yield writes
    finally:
        _writes.reset(token)


def record(key: str, base: str | None, new: str) -> None:
    """One successful write; outside a turn (start-up, health checks) nothing is recorded."""
    writes = _writes.get()
    if writes is not None:
        writes.append((key, base, new))


def encode(writes: list[Write]) -> str:
    return json.dumps(writes, separators=(",", ":"))  # ASCII only: a header value


def decode(value: str | None) -> tuple[Write, ...]:
    """The header's writes; a missing or malformed header is no write."""
    try:
        items = json.loads(value or "[]")
    except json.JSONDecodeError:
        return ()
    if not isinstance(items, list) or not all(isinstance(i, list) and len(i) == 3 for i in items):
        return ()
    return tuple((str(key), None if base is None else str(base), str(new)) for key, base, new in items)
