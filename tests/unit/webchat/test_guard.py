"""Other web pages cannot use the loopback API: Host, Origin, Sec-Fetch-Site and the page token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.unit.webchat.helpers import Page, chat_page

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

TURN = {"conversation": "c" * 32, "text": "hi"}


def port(page: Page) -> str:
    return page.base.rsplit(":", 1)[1]


def test_the_api_needs_the_page_token(tmp_path: Path) -> None:
    async def scenario() -> list[int]:
        async with chat_page(tmp_path) as page:
            wrong = {"X-Geobot-Page-Token": page.token[:-1] + ("A" if page.token[-1] != "A" else "B")}
            calls = [
                page.call("POST", "/api/say", token=False, json=TURN),
                page.call("POST", "/api/say", token=False, headers=wrong, json=TURN),
                page.call("GET", "/api/status", token=False),
                page.call("GET", f"/api/status?token={page.token}", token=False),
            ]
            return [status for status, _, _ in [await call for call in calls]]

    assert asyncio.run(scenario()) == [403, 403, 403, 403]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "https://127.0.0.1:{port}"},
    {"Origin": "http://127.0.0.1:1"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "none"},
], ids=["other-site", "opaque", "other-scheme", "other-port", "cross-site", "same-site", "typed-url"])
def test_a_call_from_another_origin_is_refused_even_with_the_token(tmp_path: Path, headers: dict[str, str]) -> None:
    async def scenario() -> tuple[int, int]:
        async with chat_page(tmp_path) as page:
            sent = {name: value.format(port=port(page)) for name, value in headers.items()}
            say, _, _ = await page.call("POST", "/api/say", headers=sent, json=TURN)
            status, _, _ = await page.call("GET", "/api/status", headers=sent)
            return say, status

    assert asyncio.run(scenario()) == (403, 403)


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_page_own_origin_is_accepted(tmp_path: Path, name: str) -> None:
    async def scenario() -> int:
        async with chat_page(tmp_path) as page:
            origin = f"{name}:{port(page)}"
            headers = {"Host": origin, "Origin": f"http://{origin}", "Sec-Fetch-Site": "same-origin"}
            status, _, _ = await page.call("POST", "/api/say", headers=headers, json=TURN)
            return status

    assert asyncio.run(scenario()) == 200


@pytest.mark.parametrize("path", ["/", "/api/status"])
def test_a_dns_rebinding_host_is_refused(tmp_path: Path, path: str) -> None:
    async def scenario() -> tuple[int, dict]:
        async with chat_page(tmp_path) as page:
            status, _, body = await page.call("GET", path, headers={"Host": f"rebind.example:{port(page)}"})
            return status, body

    status, body = asyncio.run(scenario())
    assert status == 421 and "127.0.0.1" in body["error"]


def test_a_host_naming_another_port_is_refused(tmp_path: Path) -> None:
    async def scenario() -> int:
        async with chat_page(tmp_path) as page:
            status, _, _ = await page.call("GET", "/api/status", headers={"Host": "127.0.0.1:1"})
            return status

    assert asyncio.run(scenario()) == 421
