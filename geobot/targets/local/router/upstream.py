"""Keep-alive connections to the regions, pooled per endpoint address, answers parsed by httptools.

A connection goes back to its pool after a complete answer the endpoint did not ask to close
with; one that the endpoint closes while idle (it restarted, or its keep-alive ran out) is
dropped when that is seen. A pooled connection that fails before any byte of an answer was
sent on a stale socket, so the request is sent once more on a fresh connection; a fresh
connection's failure is the endpoint's and goes to the caller. A timeout (one loop timer per
exchange, cheaper than an `asyncio.timeout` block per request) or a caller's cancellation
closes the connection it was using, which then never returns to the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast
from urllib.parse import urlsplit

import httptools

from geobot.targets.local.router.http1 import Headers

IDLE_PER_ENDPOINT = 64  # more idle connections than this are closed rather than kept


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int
    tls: bool
    base: bytes  # the endpoint URL's path, prefixed to every request's target
    authority: bytes  # the Host header the endpoint gets

    @staticmethod
    @lru_cache(maxsize=256)
    def of(url: str) -> Address:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        host = parts.hostname or ""
        authority = (f"[{host}]" if ":" in host else host) + ("" if parts.port is None else f":{port}")
        return Address(host, port, tls, parts.path.rstrip("/").encode(), authority.encode())


@dataclass(slots=True)
class Answer:
    status: int
    reason: bytes
    headers: Headers
    body: bytes


@dataclass(slots=True)
class _Exchange:
    head: bool  # an answer to HEAD ends with its headers
    waiter: asyncio.Future[bool]  # True: the connection may be used again
    status: int = 0
    reason: bytes = b""
    headers: Headers = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.received = False  # any byte of the current answer
        self._parser = httptools.HttpResponseParser(self)
        self._exchange: _Exchange | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the endpoint closed the connection"))

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as e:
            self._fail(ConnectionError(f"malformed answer: {e}"))
            self.abort()

    async def send(self, data: bytes, head: bool, deadline: float) -> tuple[Answer, bool]:
        """One request and its answer by `deadline` (loop time); (answer, whether the connection may be reused)."""
        assert self.transport is not None
        self.received = False
        self._parser = httptools.HttpResponseParser(self)  # a HEAD answer leaves the old one expecting a body
        loop = asyncio.get_running_loop()
        exchange = self._exchange = _Exchange(head, loop.create_future())
        timer = loop.call_at(deadline, self._expire)
        self.transport.write(data)
        try:
            reusable = await exchange.waiter
        finally:
            timer.cancel()
        return Answer(exchange.status, exchange.reason, exchange.headers, b"".join(exchange.body)), reusable

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        if self._exchange is not None and not self._exchange.waiter.done():
            self._exchange.waiter.set_exception(error)

    def _expire(self) -> None:
        self._fail(TimeoutError("the endpoint did not answer in time"))

    def _finish(self, reusable: bool) -> None:
        if self._exchange is not None and not self._exchange.waiter.done():
            self._exchange.waiter.set_result(reusable and not self.closed)

    # httptools callbacks
    def on_status(self, reason: bytes) -> None:
        if self._exchange is not None:
            self._exchange.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._exchange is not None:
            self._exchange.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._exchange is not None:
            self._exchange.status = self._parser.get_status_code()
            if self._exchange.head and self._exchange.status >= 200:
                self._finish(False)  # the parser would wait for the body the headers announce

    def on_body(self, chunk: bytes) -> None:
        if self._exchange is not None:
            self._exchange.body.append(chunk)

    def on_message_complete(self) -> None:
        exchange = self._exchange
        if exchange is not None and exchange.status < 200:  # an interim answer (100, 103): the real one follows
            exchange.reason, exchange.headers, exchange.body = b"", [], []
            return
        self._finish(self._parser.should_keep_alive())


class Upstreams:
    """The pools of all endpoints; `close` closes idle connections and those in use once answered."""

    def __init__(self) -> None:
        self._idle: dict[Address, list[_Connection]] = {}
        self._tls = ssl.create_default_context()
        self._closed = False

    async def send(self, address: Address, data: bytes, timeout: float, head: bool = False) -> Answer:
        """`data` (a whole request) to `address` over a pooled or a new connection; its answer.

        TimeoutError if the answer is not complete within `timeout` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle = self._idle.get(address)
        while idle:
            connection = idle.pop()
            if connection.closed:
                continue
            try:
                return await self._use(address, connection, data, head, deadline)
            except ConnectionError:
                if connection.received:
                    raise
        async with asyncio.timeout_at(deadline):
            _, connection = await loop.create_connection(
                _Connection, address.host, address.port, ssl=self._tls if address.tls else None,
                server_hostname=address.host if address.tls else None)
        return await self._use(address, connection, data, head, deadline)

    async def _use(self, address: Address, connection: _Connection, data: bytes, head: bool,
                   deadline: float) -> Answer:
        try:
            answer, reusable = await connection.send(data, head, deadline)
        except BaseException:
            connection.abort()
            raise
        pool = self._idle.setdefault(address, [])
        if reusable and not self._closed and len(pool) < IDLE_PER_ENDPOINT:
            pool.append(connection)
        else:
            connection.close()
        return answer

    def close(self) -> None:
        self._closed = True
        for pool in self._idle.values():
            for connection in pool:
                with contextlib.suppress(Exception):
                    connection.abort()
        self._idle.clear()
