"""The HTTPS listener: bound before a certificate exists, full chain served, hot swap loses nothing."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from pathlib import Path

import aiohttp
import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from tests.unit.targets.local.router.helpers import (
    HOST,
    endpoint,
    events,
    https_client,
    pfx_for,
    router,
    send,
    statuses,
    until,
    upstreams,
    write_config,
)


def _fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


async def _post_on_a_new_connection(port: int, context: ssl.SSLContext, leaves: dict[str, int]) -> tuple[int, int]:
    """One request on its own TLS connection: (HTTP status or -1 on any error, which certificate was served)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=HOST)
        served = leaves.get(_fingerprint(writer.get_extra_info("ssl_object").getpeercert(True)), 0)
        writer.write(f"POST /api/messages HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 1\r\n"
                     "Connection: close\r\n\r\nx".encode())
        status = int((await reader.readline()).split()[1])
        await reader.read()
        writer.close()
        return status, served
    except (OSError, ValueError, IndexError):
        return -1, 0


def test_the_port_is_bound_before_a_certificate_exists_and_serves_once_one_appears(tmp_path: Path) -> None:
    root = trustme.CA()
    pfx, leaf = pfx_for(root.create_child_ca())  # the client trusts only the root: the chain must be served

    async def scenario() -> tuple[BaseException, tuple, dict]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)])
            async with router(config) as running, https_client(root) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                _, writer = await asyncio.open_connection("127.0.0.1", running.ports["https"])
                writer.close()
                with pytest.raises(aiohttp.ClientConnectionError) as refused:
                    await send(http, running)
                (tmp_path / "tls.pfx").write_bytes(pfx)
                await until(lambda: running.certificates.info is not None)
                served = await send(http, running)
                url = f"https://127.0.0.1:{running.ports['https']}/_geobot/status"
                async with http.get(url, server_hostname=HOST) as response:
                    status = await response.json()
        return refused.value, served, status

    refused, served, status = asyncio.run(scenario())
    assert isinstance(refused, aiohttp.ClientConnectorError)  # the TCP connection was accepted, then the
    assert isinstance(refused.os_error, (ssl.SSLError, ConnectionResetError))  # handshake was refused
    assert served == (200, "west", b"hello")
    assert status["certificate"] == {
        "subject": leaf.subject.rfc4514_string(), "serial": format(leaf.serial_number, "x"),
        "not_after": leaf.not_valid_after_utc.isoformat(),
        "sha256": _fingerprint(leaf.public_bytes(serialization.Encoding.DER))}


def test_replacing_the_pfx_swaps_the_served_certificate_without_failing_a_request(tmp_path: Path) -> None:
    ca = trustme.CA()
    first, first_leaf = pfx_for(ca)
    second, second_leaf = pfx_for(ca)
    leaves = {_fingerprint(c.public_bytes(serialization.Encoding.DER)): n for n, c in ((1, first_leaf), (2, second_leaf))}
    (tmp_path / "tls.pfx").write_bytes(first)

    async def scenario() -> tuple[list[tuple[int, int]], dict]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)])
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                seen: list[tuple[int, int]] = []  # (HTTP status, which certificate) per connection
                context = ssl.create_default_context()
                ca.configure_trust(context)

                async def client() -> None:
                    while sum(1 for _, n in seen if n == 2) < 40:
                        seen.append(await _post_on_a_new_connection(running.ports["https"], context, leaves))

                clients = asyncio.gather(client(), client(), client())
                await until(lambda: len(seen) >= 40)
                (tmp_path / "tls.pfx").write_bytes(second)
                await asyncio.wait_for(clients, 20)
                url = f"https://127.0.0.1:{running.ports['https']}/_geobot/status"
                async with http.get(url, server_hostname=HOST) as response:
                    status = await response.json()
        return seen, status

    seen, status = asyncio.run(scenario())
    assert {code for code, _ in seen} == {200}, "a request failed during the swap"
    served = [n for _, n in seen]
    assert served[0] == 1 and served[-1] == 2 and 0 not in served
    assert served[served.index(2):].count(1) <= 2  # only handshakes already under way in the other two clients
    assert status["certificate"]["serial"] == format(second_leaf.serial_number, "x")
    logged = [e["serial"] for e in events(tmp_path / "router.jsonl", "certificate")]
    assert logged == [format(first_leaf.serial_number, "x"), format(second_leaf.serial_number, "x")]


def test_an_unreadable_certificate_file_is_ignored_and_the_old_one_stays(tmp_path: Path) -> None:
    ca = trustme.CA()
    pfx, leaf = pfx_for(ca)
    (tmp_path / "tls.pfx").write_bytes(pfx)

    async def scenario() -> tuple[tuple, str | None]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)])
            async with router(config) as running, https_client(ca, force_close=True) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                (tmp_path / "tls.pfx").write_bytes(b"not a pfx at all")
                await asyncio.sleep(0.3)  # several polls
                served = await send(http, running)
                return served, running.certificates.info and running.certificates.info.serial

    served, serial = asyncio.run(scenario())
    assert served == (200, "west", b"hello")
    assert serial == format(leaf.serial_number, "x")
    assert len(events(tmp_path / "router.jsonl", "certificate")) == 1
