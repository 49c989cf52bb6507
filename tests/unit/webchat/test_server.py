"""The listener: loopback only, a fresh token each run, a busy port a one-line input error."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from geobot.errors import InputError
from geobot.webchat.server import bind, web_chat
from tests.unit.webchat.helpers import no_status

ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/#token=([A-Za-z0-9_-]{43})")


def test_each_run_prints_a_loopback_address_with_a_fresh_token_and_frees_the_port_after(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], bool]:
        addresses = []
        for _ in range(2):
            async with web_chat(("http://127.0.0.1:9", None, None), no_status) as address:
                addresses.append(address)
                listening = socket.create_connection(("127.0.0.1", int(ADDRESS.fullmatch(address)[1])))
                listening.close()
        try:
            async with aiohttp.ClientSession() as http:
                await http.get(addresses[0].split("#")[0])
        except aiohttp.ClientConnectionError:
            return addresses, True
        return addresses, False

    addresses, closed = asyncio.run(scenario())
    first, second = (ADDRESS.fullmatch(address) for address in addresses)
    assert first and second and first[2] != second[2]
    assert closed


def test_a_port_given_with_port_is_used(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    async def scenario() -> str:
        async with web_chat(("http://127.0.0.1:9", None, None), no_status, free) as address:
            return address

    assert ADDRESS.fullmatch(asyncio.run(scenario()))[1] == str(free)


def test_a_busy_port_is_an_input_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=rf"--port {port}: cannot listen on 127\.0\.0\.1") as raised:
            bind(port)
    assert "leave --port out" in raised.value.hint
