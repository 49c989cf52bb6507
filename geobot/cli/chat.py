"""`geobot chat`: talk to the deployed bot through the router, and see which region answers."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from geobot.errors import CloudError, InputError


def chat(
    ctx: typer.Context,
    *,
    message: Annotated[list[str] | None, typer.Option("--message", "-m", help="Say this and print the reply instead of chatting interactively; repeat for a multi-turn conversation.")] = None,
    web: Annotated[bool, typer.Option("--web", help="Serve a chat page with a live region status panel on 127.0.0.1 and open it in a browser; Ctrl-C stops it.")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="With --web: only print the page's address.")] = False,
    port: Annotated[int | None, typer.Option("--port", min=1024, max=65535, help="With --web: the loopback port to serve on (1024-65535). [default: a free one]", show_default=False)] = None,
) -> None:
    """Chat with the bot through the router, one conversation, showing the region of every reply.

    Interactive by default (an empty line or Ctrl-D ends it). For scripts:
    geobot chat -m "book a flight to Paris" -m "tomorrow"; with --output json, one result per turn.
    A failed turn is reported and exits 1 at the end. With --web, the same in a browser page.
    """
    app = ctx.obj
    if web and message:
        raise InputError("--web and --message cannot be combined", "type the messages in the page, or drop --web")
    if not web and (no_browser or port is not None):
        raise InputError("--no-browser and --port apply only with --web", "add --web, or drop them")
    if web:
        _serve_page(app, port or 0, open_browser=not no_browser)
        return
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


def _serve_page(app, port: int, *, open_browser: bool) -> None:
    from geobot.webchat.server import serve_until_stopped

    endpoint = app.deployment(existing=True).chat_endpoint()

    def announce(address: str) -> None:
        data = {"url": address} if app.factory.options.output == "json" else {}
        app.reporter.result(f"geobot web chat: {address}\n(Ctrl-C stops it)", data)

    def read_status() -> dict:  # a fresh reading of the journal each time, as `geobot status` makes
        return app.deployment(existing=True).status()

    asyncio.run(serve_until_stopped(endpoint, read_status, port, announce, open_browser))


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
