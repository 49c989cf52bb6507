"""`geobot chat`: talk to the deployed bot through the router, and see which region answers."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from geobot.errors import CloudError


def chat(
    ctx: typer.Context,
    *,
    message: Annotated[list[str] | None, typer.Option("--message", "-m", help="Say this and print the reply instead of chatting interactively; repeat for a multi-turn conversation.")] = None,
) -> None:
    """Chat with the bot through the router, one conversation, showing the region of every reply.

    Interactive by default (an empty line or Ctrl-D ends it). For scripts:
    geobot chat -m "book a flight to Paris" -m "tomorrow"; with --output json, one result per turn.
    A failed turn is reported and exits 1 at the end.
    """
    app = ctx.obj
    url, host, context = app.deployment(existing=True).chat_endpoint()
    failed = asyncio.run(_talk(app, url, host, context, message))
    if failed:
        raise CloudError(f"{failed} turn(s) failed", "see `geobot status`")


async def _talk(app, url: str, host: str, context, messages: list[str] | None) -> int:
    import aiohttp

    from geobot.chat.conversation import Conversation

    failed = 0
    async with aiohttp.ClientSession() as session:
        conversation = Conversation(session, url, server_hostname=host, ssl_context=context)
        for text in messages if messages is not None else _typed():
            turn = await conversation.say(text)
            failed += not turn.ok
            data = {"region": turn.region, "replies": list(turn.replies), "ms": round(turn.elapsed * 1000, 1),
                    "error": turn.error}
            title = "\n".join(f"[{turn.region}] {reply}" for reply in turn.replies) if turn.ok else f"[failed] {turn.error}"
            app.reporter.result(title, data if app.factory.options.output == "json" else {})
    return failed


def _typed():
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            return
        if not text:
            return
        yield text


def register(app: typer.Typer) -> None:
    app.command()(chat)
