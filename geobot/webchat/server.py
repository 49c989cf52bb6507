"""The web chat's lifecycle: bind 127.0.0.1, print the address, open a browser, run until Ctrl-C.

geobot binds the socket itself, so a busy `--port` is a one-line input error and port 0 gives
a free port whose number is known before anything is printed. The per-run token
goes only into the URL fragment of the printed (and opened) address.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import socket
import ssl
import threading
import webbrowser
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web

from geobot.chat.conversation import Conversation
from geobot.errors import InputError
from geobot.webchat.app import create_app
from geobot.webchat.conversations import Conversations
from geobot.webchat.status import StatusFeed

HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening loopback socket on `port` (0: any free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"--port {port}: cannot listen on {HOST} ({exc.strerror})",
                         "choose another port, or leave --port out for a free one") from exc
    sock.listen(128)
    return sock


@contextlib.asynccontextmanager
async def web_chat(endpoint: tuple[str, str | None, ssl.SSLContext | None], read_status: Callable[[], dict[str, Any]],
                   port: int = 0) -> AsyncIterator[str]:
    """Serve the page for the bot at `endpoint` (url, TLS host name, trust); yields its address."""
    url, server_hostname, ssl_context = endpoint
    token = secrets.token_urlsafe(32)
    async with aiohttp.ClientSession() as session:
        conversations = Conversations(
            lambda: Conversation(session, url, server_hostname=server_hostname, ssl_context=ssl_context))
        runner = web.AppRunner(create_app(conversations, StatusFeed(read_status), token), access_log=None)
        with bind(port) as sock:
            await runner.setup()
            try:
                await web.SockSite(runner, sock).start()
                yield f"http://{HOST}:{sock.getsockname()[1]}/#token={token}"
            finally:
                await runner.cleanup()


async def serve_until_stopped(endpoint: tuple[str, str | None, ssl.SSLContext | None],
                              read_status: Callable[[], dict[str, Any]], port: int,
                              announce: Callable[[str], None], open_browser: bool) -> None:
    """Run the web chat until SIGINT (Ctrl-C) or SIGTERM, which end it normally."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        async with web_chat(endpoint, read_status, port) as address:
            announce(address)
            if open_browser:  # a daemon thread: some launchers block until the browser closes
                threading.Thread(target=webbrowser.open, args=(address,), daemon=True).start()
            await stop.wait()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
