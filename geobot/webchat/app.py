"""The web chat's routes: the static page, one chat turn, the status.

The page's files are read once from the package (they ship in the wheel) and served from
memory under fixed paths, so no request path ever reaches the file system.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

from geobot.errors import GeobotError
from geobot.webchat import guard
from geobot.webchat.conversations import Conversations
from geobot.webchat.status import StatusFeed

PAGE_FILES = {
    "/": ("index.html", "text/html"),
    "/webchat.css": ("webchat.css", "text/css"),
    "/webchat.js": ("webchat.js", "text/javascript"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}
MAX_TEXT = 2000
MAX_BODY = 16 * 1024
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
CONVERSATIONS = web.AppKey("conversations", Conversations)
STATUS = web.AppKey("status", StatusFeed)

_dumps = functools.partial(json.dumps, default=str)  # as `geobot status --output json` writes it


def create_app(conversations: Conversations, status: StatusFeed, token: str) -> web.Application:
    app = web.Application(middlewares=[guard.middleware(token)], client_max_size=MAX_BODY)
    app[CONVERSATIONS] = conversations
    app[STATUS] = status
    folder = resources.files(__package__) / "static"
    for path, (name, content_type) in PAGE_FILES.items():
        app.router.add_get(path, _serve(folder.joinpath(name).read_bytes(), content_type))
    app.router.add_post("/api/say", say)
    app.router.add_get("/api/status", current_status)
    app.on_response_prepare.append(guard.add_headers)
    return app


def _serve(body: bytes, content_type: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, charset="utf-8")

    return handler


def _bad(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def say(request: web.Request) -> web.Response:
    """One turn through the router; 502 with ok=false when it failed, so the page shows it so."""
    try:
        body = await request.json()
    except ValueError:
        return _bad("the body must be a JSON object")
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    conversation, text = body.get("conversation"), body.get("text")
    if not isinstance(conversation, str) or not CONVERSATION_ID.fullmatch(conversation):
        return _bad("conversation: 16 to 64 letters, digits, '-' or '_'")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return _bad(f"text: 1 to {MAX_TEXT} characters")
    turn = await request.app[CONVERSATIONS].say(conversation, text.strip())
    answer = {"ok": turn.ok, "region": turn.region, "replies": list(turn.replies),
              "ms": round(turn.elapsed * 1000, 1), "error": turn.error}
    return web.json_response(answer, status=200 if turn.ok else 502)


async def current_status(request: web.Request) -> web.Response:
    try:
        return web.json_response(await request.app[STATUS].get(), dumps=_dumps)
    except (GeobotError, OSError) as exc:  # e.g. the deployment was destroyed while the page is open
        return web.json_response({"error": getattr(exc, "message", None) or str(exc)}, status=503)
