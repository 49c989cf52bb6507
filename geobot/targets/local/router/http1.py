"""The listeners' HTTP/1.1: requests parsed by httptools on plain asyncio protocols, answers written whole.

The router's data path was aiohttp's web server and client; measured against HAProxy, their
per-request objects (request, response, header multidicts, routing, payload writers) cost
most of its CPU. Here a request is its raw target, its raw header pairs and its body, and an
answer is one `transport.write`. Requests on one connection are answered in order; a client
that goes away does not cancel its request, which still finishes and is logged. Bodies are
read whole (at most MAX_BODY, else 413), because retry mode must be able to send one again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote

import httptools

log = logging.getLogger(__name__)
MAX_BODY = 8 * 1024 * 1024
IDLE_SECONDS = 75.0  # a kept-alive client connection with nothing to do is closed after this (as aiohttp did)
Headers = list[tuple[bytes, bytes]]  # raw (name, value) pairs, in order


@dataclass(slots=True)
class Request:
    method: str
    target: bytes  # path and query exactly as received
    headers: Headers
    body: bytes
    scheme: str
    remote: str | None  # the client's address
    keep_alive: bool

    def header(self, name: bytes) -> bytes | None:
        """The first value of a header; `name` in lowercase."""
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def path(self) -> str:
        """The decoded path without the query, as logged."""
        return unquote(self.target.partition(b"?")[0].decode("latin-1"), errors="replace")


@dataclass(slots=True)
class Response:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    reason: bytes = b""
    length: bytes | None = None  # Content-Length of an answer to HEAD, which has no body

    @classmethod
    def json(cls, document: Any, status: int = 200) -> Response:
        return cls(status, [(b"Content-Type", b"application/json; charset=utf-8")], json.dumps(document).encode())


Handler = Callable[[Request], Awaitable[Response]]


def _head(response: Response, close: bool) -> bytes:
    reason = response.reason or _phrase(response.status)
    lines = [b"HTTP/1.1 %d %s" % (response.status, reason)]
    lines += [name + b": " + value for name, value in response.headers]
    if response.status >= 200 and response.status not in (204, 304):  # those never have a body
        length = response.length if response.length is not None else str(len(response.body)).encode()
        lines.append(b"Content-Length: " + length)
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _phrase(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Unknown"


class _Connection(asyncio.Protocol):
    """One client connection: parse, queue, answer in order, close when either side asks."""

    def __init__(self, listener: Listener) -> None:
        self._listener = listener
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._remote: str | None = None
        self._queue: deque[Request | Response] = deque()  # a Response: a refusal, answered as is
        self._task: asyncio.Task[None] | None = None
        self._url = b""
        self._headers: Headers = []
        self._expect: bytes | None = None  # the request's first Expect header
        self._body: list[bytes] = []
        self._size = 0
        self._closing = False
        self._broken = False  # unparseable input: nothing after it is read
        self.last_active = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self._remote = peer[0] if peer else None
        self._listener.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._listener.connections.discard(self)
        self._closing = True

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        if self._broken:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._broken = self._closing = True  # the request before the upgrade is answered; nothing after it
        except httptools.HttpParserError:
            self._broken = True
            self._enqueue(Response.json({"error": "malformed HTTP request"}, 400))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._url, self._headers, self._body, self._size, self._expect = b"", [], [], 0, None

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        if self._expect is None and len(name) == 6 and name.lower() == b"expect":  # spares a second pass
            self._expect = value

    def on_headers_complete(self) -> None:
        if self._expect is not None and self._expect.lower() == b"100-continue" and self._transport is not None:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_BODY:  # beyond, the rest is read and dropped, so the client reads the 413
            self._body.append(chunk)

    def on_message_complete(self) -> None:
        if self._size > MAX_BODY:
            self._broken = True
            self._enqueue(Response.json({"error": f"the body is larger than {MAX_BODY} bytes"}, 413))
            return
        self._enqueue(Request(self._parser.get_method().decode(), self._url, self._headers, b"".join(self._body),
                              self._listener.scheme, self._remote, self._parser.should_keep_alive()))

    def _enqueue(self, item: Request | Response) -> None:
        self._queue.append(item)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._serve())
            self._listener.busy.add(self._task)
            self._task.add_done_callback(self._listener.busy.discard)

    async def _serve(self) -> None:
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, Response):
                self._write(item, close=True, head=False)
                break
            try:
                response = await self._listener.handler(item)
            except Exception:  # a bug must cost one request, not the connection's other requests
                log.exception("request %s %r failed", item.method, item.target)
                response = Response.json({"error": "internal router error"}, 500)
            close = not item.keep_alive or (self._closing and not self._queue)
            self._write(response, close, item.method == "HEAD")
            if close:
                break
        self._queue.clear()
        self._task = None
        self.last_active = time.monotonic()

    def _write(self, response: Response, close: bool, head: bool) -> None:
        if self._transport is None or self._transport.is_closing():
            return  # the client left; the request was still answered upstream and logged
        self._transport.write(_head(response, close) + (b"" if head else response.body))
        if close:
            self._transport.close()

    def close_when_idle(self) -> None:
        """Shutdown: close now if no request is in hand, else right after answering it."""
        self._closing = True
        self.close_if_idle()

    def close_if_idle(self) -> None:
        if self._task is None and self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class Listener:
    """One listening socket and its connections; `close` lets requests in hand finish first."""

    def __init__(self, handler: Handler, scheme: str, idle_seconds: float = IDLE_SECONDS) -> None:
        self.handler = handler
        self.scheme = scheme
        self.idle_seconds = idle_seconds
        self._sweeper: asyncio.TimerHandle | None = None
        self.connections: set[_Connection] = set()
        self.busy: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int, ssl: Any = None) -> int:
        """Bind and listen; the port bound (`port` 0: any free one)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), host, port, ssl=ssl, backlog=1024)
        self._sweep()
        return self._server.sockets[0].getsockname()[1]

    def _sweep(self) -> None:
        """Close the connections idle for `idle_seconds`; runs every quarter of that."""
        quiet_since = time.monotonic() - self.idle_seconds
        for connection in [c for c in self.connections if c.last_active <= quiet_since]:
            connection.close_if_idle()
        self._sweeper = asyncio.get_running_loop().call_later(self.idle_seconds / 4, self._sweep)

    async def close(self, timeout: float) -> None:
        if self._server is None:
            return
        self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for connection in list(self.connections):
            connection.close_when_idle()
        if self.busy:
            await asyncio.wait(list(self.busy), timeout=timeout)
        for connection in list(self.connections):
            connection.abort()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._server.wait_closed()
        self._server = None
