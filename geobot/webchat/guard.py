"""Keeps other web pages off the loopback API, and tells the browser to isolate the page.

A listener on 127.0.0.1 is reachable from every page the user's browser has open. Three checks
stop them, each enough against a different attack:

- Host must be this listener (127.0.0.1 or localhost at the port the request came in on):
  a DNS-rebinding page reaches the port under its own name, and its Host header says so.
- On `/api/`, a browser's Origin, when sent, must be that same host, and Sec-Fetch-Site, when
  sent, "same-origin": a cross-site fetch or form post is refused before it does anything.
- `/api/` calls also carry the per-run token in `TOKEN_HEADER`: a page that never saw the printed
  address cannot make one, and a custom header cannot be sent cross-origin without a CORS
  preflight, which this app never grants. Compared in constant time.

The page and its files are static and secret-free, so only the Host check applies to them.
Every response forbids framing, sniffing, referrers and any script, style or connection to
another origin (the page needs none: it works offline).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

TOKEN_HEADER = "X-Geobot-Page-Token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def _listener_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if sockname else None


def check(request: web.Request, token: str) -> web.Response | None:
    """The refusal for a request that fails a check, or None when it may proceed."""
    port = _listener_port(request)
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if request.host not in hosts:
        return _refuse(421, "this page is served on 127.0.0.1 only; open the address geobot printed")
    if not request.path.startswith("/api/"):
        return None  # the page and its files are static and hold nothing secret
    origin = request.headers.get("Origin")
    if origin is not None and origin not in {f"http://{host}" for host in hosts}:
        return _refuse(403, "cross-origin request refused")
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return _refuse(403, "cross-site request refused")
    if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), token.encode()):
        return _refuse(403, "missing or wrong page token; open the address geobot printed")
    return None


def middleware(token: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = check(request, token)
        return refusal if refusal is not None else await handler(request)

    return guard


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response, errors included, gets the security headers."""
    response.headers.update(SECURITY_HEADERS)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
