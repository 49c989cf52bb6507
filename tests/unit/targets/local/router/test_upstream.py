"""The upstream pool against scripted HTTP servers: reuse, a stale pooled connection, half answers, timeouts, HEAD."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from geobot.targets.local.router.upstream import Address, Upstreams

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
# what the server does with the n-th request (1-based) on one connection
Script = Callable[[int, asyncio.StreamWriter], bytes | None]  # bytes to answer with, None: close without answering


async def scripted(script: Script, run: Callable[[Address], object]) -> tuple[object, list[int]]:
    """Serve `script` on a loopback port while `run(address)` runs; (its result, requests per connection)."""
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        index = len(connections) - 1
        while await reader.readuntil(b"\r\n\r\n"):
            connections[index] += 1
            answer = script(connections[index], writer)
            if answer is None:
                break
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await run(Address.of(f"http://127.0.0.1:{port}"))  # type: ignore[misc]
    return result, connections


def test_a_connection_is_reused_for_the_next_request() -> None:
    async def run(address: Address) -> list[int]:
        pool = Upstreams()
        answers = [await pool.send(address, REQUEST, 5) for _ in range(3)]
        pool.close()
        return [a.status for a in answers]

    statuses, connections = asyncio.run(scripted(lambda n, _: OK, run))
    assert statuses == [200, 200, 200] and connections == [3]


def test_a_pooled_connection_closed_before_answering_is_retried_once_on_a_fresh_one() -> None:
    # the server closes a kept-alive connection as the second request arrives (a keep-alive timeout race)
    async def run(address: Address) -> list[tuple[int, bytes]]:
        pool = Upstreams()
        answers = [await pool.send(address, REQUEST, 5) for _ in range(2)]
        pool.close()
        return [(a.status, a.body) for a in answers]

    answers, connections = asyncio.run(scripted(lambda n, _: OK if n == 1 else None, run))
    assert answers == [(200, b"ok"), (200, b"ok")]
    assert connections == [2, 1]


def test_a_connection_that_breaks_mid_answer_is_not_retried() -> None:
    half = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"

    def script(n: int, writer: asyncio.StreamWriter) -> bytes | None:
        if n == 1:
            return OK
        writer.write(half)
        return None

    async def run(address: Address) -> type[BaseException] | None:
        pool = Upstreams()
        await pool.send(address, REQUEST, 5)
        try:
            await pool.send(address, REQUEST, 5)
        except ConnectionError as e:
            return type(e)
        finally:
            pool.close()
        return None

    error, connections = asyncio.run(scripted(script, run))
    assert error is not None and issubclass(error, ConnectionError)
    assert connections == [2]


def test_an_answer_not_complete_in_time_is_a_timeout_and_its_connection_is_not_reused() -> None:
    half = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"  # the rest never comes; the connection stays open

    async def run(address: Address) -> tuple[type[BaseException] | None, int]:
        pool = Upstreams()
        await pool.send(address, REQUEST, 5)
        late = asyncio.ensure_future(pool.send(address, REQUEST, 0.1))
        await asyncio.wait([late], timeout=5)  # bounded: a pool that ignored its timeout fails the test, not hangs
        error = type(late.exception()) if late.done() else None
        late.cancel()
        after = await pool.send(address, REQUEST, 5)
        pool.close()
        return error, after.status

    (error, status), connections = asyncio.run(scripted(lambda n, _: OK if n != 2 else half, run))
    assert (error, status) == (TimeoutError, 200)
    assert connections == [2, 1]


def test_an_answer_to_head_ends_with_its_headers() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"

    async def run(address: Address) -> tuple[int, bytes]:
        pool = Upstreams()
        answer = await asyncio.wait_for(pool.send(address, REQUEST.replace(b"GET", b"HEAD"), 5, head=True), 5)
        pool.close()
        return answer.status, answer.body

    (status, body), _ = asyncio.run(scripted(lambda n, _: head, run))
    assert (status, body) == (200, b"")


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:8080", ("127.0.0.1", 8080, False, b"", b"127.0.0.1:8080")),
    ("https://bot.example/base/", ("bot.example", 443, True, b"/base", b"bot.example")),
    ("http://[::1]:81", ("::1", 81, False, b"", b"[::1]:81")),
])
def test_an_endpoint_url_names_host_port_scheme_base_path_and_host_header(url: str, expected: tuple) -> None:
    address = Address.of(url)
    assert (address.host, address.port, address.tls, address.base, address.authority) == expected
