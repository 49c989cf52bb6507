"""The data path through the HTTPS listener: bodies of any framing and size, limits, pooled upstreams, shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import trustme

from geobot.targets.local.router.http1 import MAX_BODY, Listener, Request, Response
from geobot.targets.local.router.server import Router
from geobot.targets.local.router.settings import load
from tests.unit.targets.local.router.helpers import (
    HOST,
    endpoint,
    events,
    https_client,
    router,
    send,
    statuses,
    until,
    upstreams,
    write_config,
)


def test_a_large_body_passes_through_intact_both_ways(tmp_path: Path) -> None:
    ca = trustme.CA()
    body = os.urandom(6 * 1024 * 1024)

    async def scenario() -> tuple[tuple[int, str | None, bytes], tuple[int, str | None, bytes]]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                whole = await send(http, running, data=body)

                async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked framing
                    for start in range(0, len(body), 1024 * 1024):
                        yield body[start:start + 1024 * 1024]

                url = f"https://127.0.0.1:{running.ports['https']}/api/messages"
                async with http.post(url, data=chunks(), server_hostname=HOST) as response:
                    chunked = response.status, response.headers.get("X-Geobot-Endpoint"), await response.read()
        return whole, chunked

    whole, chunked = asyncio.run(scenario())
    assert whole == (200, "west", body)
    assert chunked == (200, "west", body)


def test_a_body_over_the_limit_is_refused_with_413_and_never_reaches_a_region(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[tuple[int, str | None, bytes], int]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                refused = await send(http, running, data=b"x" * (MAX_BODY + 1))
                return refused, west.requests

    (status, name, body), forwarded = asyncio.run(scenario())
    assert (status, name, forwarded) == (413, None, 0)
    assert b"larger than" in body


def test_a_client_expecting_100_continue_gets_it_and_its_answer(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[int, bytes]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                url = f"https://127.0.0.1:{running.ports['https']}/api/messages"
                async with http.post(url, data=b"after continue", expect100=True, server_hostname=HOST) as response:
                    return response.status, await response.read()

    assert asyncio.run(scenario()) == (200, b"after continue")


def test_pooled_upstream_connections_survive_the_region_restarting(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[list[tuple[int, str | None, bytes]], list[dict]]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)  # the only region: it gets traffic even Degraded
            port = int(west.url.rsplit(":", 1)[1])
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                results = [await send(http, running, data=b"before")]
                await west.stop()
                await west.start(port)
                results.append(await send(http, running, data=b"after"))
        return results, events(tmp_path / "router.jsonl", "request")

    results, logged = asyncio.run(scenario())
    assert results == [(200, "west", b"before"), (200, "west", b"after")]
    assert [(e["status"], e["error"]) for e in logged] == [(200, None), (200, None)]


def test_stopping_answers_and_logs_every_request_in_flight_before_the_stop_event(tmp_path: Path) -> None:
    ca = trustme.CA()
    in_flight = 6

    async def scenario() -> list[tuple[int, str | None, bytes]]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            running = Router(config, load(config), watch_interval=0.05)
            await running.start()
            async with https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                west.delay = 0.3
                sent = [asyncio.create_task(send(http, running, client=f"c{n}", data=b"%d" % n))
                        for n in range(in_flight)]
                await until(lambda: west.requests == in_flight)
                await running.stop()
                return await asyncio.gather(*sent)

    results = asyncio.run(scenario())
    assert results == [(200, "west", b"%d" % n) for n in range(in_flight)]
    logged = [json.loads(line) for line in (tmp_path / "router.jsonl").read_text().splitlines()]
    assert logged[-1]["event"] == "stop"
    assert sorted(e["client"] for e in logged if e["event"] == "request") == [f"c{n}" for n in range(in_flight)]


def test_pipelined_requests_are_answered_in_order_and_garbage_ends_the_connection_with_400(tmp_path: Path) -> None:
    async def scenario() -> bytes:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)])
            async with router(config) as running:
                reader, writer = await asyncio.open_connection("127.0.0.1", running.ports["http"])
                writer.write(b"GET /_geobot/status HTTP/1.1\r\nHost: a\r\n\r\n"
                             b"POST /api/x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
                             b"NOT HTTP AT ALL\r\n\r\n")
                answers = await asyncio.wait_for(reader.read(), 10)  # until the router closes
                writer.close()
                return answers

    answers = asyncio.run(scenario())
    status_lines = re.findall(rb"HTTP/1\.1 \d{3} [A-Za-z ]+\r\n", answers)  # a body ends without a line break
    assert status_lines == [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 308 Permanent Redirect\r\n",
                            b"HTTP/1.1 400 Bad Request\r\n"]
    assert f"Location: https://{HOST}:".encode() in answers and b"/api/x?y=1\r\n" in answers


def test_a_kept_alive_client_connection_left_idle_is_closed() -> None:
    async def answer(request: Request) -> Response:
        return Response(200, body=b"ok")

    async def scenario() -> tuple[bytes, bytes]:
        listener = Listener(answer, "http", idle_seconds=0.2)
        port = await listener.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        answered = await asyncio.wait_for(reader.readuntil(b"ok"), 5)
        after_idle = await asyncio.wait_for(reader.read(), 5)  # b"" once the listener closes the connection
        writer.close()
        await listener.close(1)
        return answered, after_idle

    answered, after_idle = asyncio.run(scenario())
    assert answered.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" not in answered
    assert after_idle == b""
