"""The web chat's routes against a real bot: turns, dialog state, failures, bad input, status."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from geobot.errors import NoDeployment
from geobot.webchat.app import MAX_TEXT
from geobot.webchat.guard import SECURITY_HEADERS
from tests.unit.bot.helpers import DRILL_KEY
from tests.unit.webchat.helpers import chat_page

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

PAGE = "a" * 32
OTHER_PAGE = "b" * 32


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("path, content_type", [
    ("/", "text/html"), ("/webchat.js", "text/javascript"), ("/webchat.css", "text/css"),
    ("/favicon.svg", "image/svg+xml"),
])
def test_the_page_and_its_files_are_served_with_the_security_headers(tmp_path: Path, path: str, content_type: str) -> None:
    async def scenario() -> tuple[int, dict[str, str], str]:
        async with chat_page(tmp_path) as page:
            return await page.call("GET", path, token=False)

    status, headers, body = asyncio.run(scenario())
    assert status == 200 and headers["Content-Type"].startswith(content_type) and body
    assert {name: headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_an_unknown_path_is_404_with_the_security_headers(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, dict[str, str], str]:
        async with chat_page(tmp_path) as page:
            return await page.call("GET", "/../vault/secrets")

    status, headers, _ = asyncio.run(scenario())
    assert status == 404 and headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_a_turn_answers_the_replies_and_the_region_and_the_dialog_goes_on(tmp_path: Path) -> None:
    async def scenario() -> list[tuple[int, dict]]:
        async with chat_page(tmp_path) as page:
            return [await page.say(PAGE, "I want to book a table for 2 in Rome"), await page.say(PAGE, "on friday")]

    (first_status, first), (second_status, second) = asyncio.run(scenario())
    assert first_status == second_status == 200
    assert first["ok"] is True and first["error"] is None and first["region"] == "west" and first["ms"] > 0
    assert first["replies"] == ["Which day? (today, tomorrow or a weekday)"]
    assert second["replies"] == ["At what time? (for example 7pm or 19:30)"]


def test_each_page_conversation_is_its_own_bot_conversation(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        async with chat_page(tmp_path) as page:
            for text in ("I want to book a table for 2 in Rome", "on friday", "8pm", "yes"):
                await page.say(PAGE, text)
            _, other = await page.say(OTHER_PAGE, "what did I book?")
            _, mine = await page.say(PAGE, "what did I book?")
            return other["replies"], mine["replies"]

    other, mine = asyncio.run(scenario())
    assert other == ["You have no bookings yet."]
    assert len(mine) == 1 and mine[0].endswith(": a table for 2 in Rome on friday at 8pm")


def test_a_failed_turn_is_a_502_that_says_so(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, dict]:
        async with chat_page(tmp_path, bot_url=f"http://127.0.0.1:{closed_port()}") as page:
            return await page.say(PAGE, "hi")

    status, body = asyncio.run(scenario())
    assert status == 502
    assert body["ok"] is False and body["replies"] == [] and body["region"] is None
    assert body["error"].startswith("ClientConnectorError")


@pytest.mark.parametrize("payload", [
    {"data": b"not json"},
    {"json": ["a list"]},
    {"json": {"text": "hi"}},
    {"json": {"conversation": "short", "text": "hi"}},
    {"json": {"conversation": "x" * 20 + "/..", "text": "hi"}},
    {"json": {"conversation": PAGE, "text": "   "}},
    {"json": {"conversation": PAGE, "text": 7}},
    {"json": {"conversation": PAGE, "text": "x" * (MAX_TEXT + 1)}},
], ids=["not-json", "not-an-object", "no-conversation", "short-id", "bad-id", "blank", "not-text", "too-long"])
def test_bad_input_is_400_and_reaches_no_bot(tmp_path: Path, payload: dict) -> None:
    async def scenario() -> tuple[int, dict]:
        async with chat_page(tmp_path, bot_url=f"http://127.0.0.1:{closed_port()}") as page:
            status, _, body = await page.call("POST", "/api/say", **payload)
            return status, body

    status, body = asyncio.run(scenario())
    assert status == 400 and set(body) == {"error"}


def test_a_body_over_16_kib_is_refused(tmp_path: Path) -> None:
    async def scenario() -> int:
        async with chat_page(tmp_path) as page:
            status, _, _ = await page.call("POST", "/api/say", json={"conversation": PAGE, "text": "x" * 20_000})
            return status

    assert asyncio.run(scenario()) == 413


def test_status_answers_the_deployment_status_without_caching_in_the_browser(tmp_path: Path) -> None:
    report = {"deployment": "geobot", "target": "local", "regions": {"west": {"monitor_status": "Online"}}}

    async def scenario() -> tuple[int, dict[str, str], dict]:
        async with chat_page(tmp_path, lambda: report) as page:
            return await page.call("GET", "/api/status")

    status, headers, body = asyncio.run(scenario())
    assert status == 200 and body == report and headers["Cache-Control"] == "no-store"


def test_status_of_a_deployment_that_is_gone_is_503_with_the_reason(tmp_path: Path) -> None:
    def gone() -> dict:
        raise NoDeployment("there is no deployment geobot in .geobot", "deploy it")

    async def scenario() -> tuple[int, dict[str, str], dict]:
        async with chat_page(tmp_path, gone) as page:
            return await page.call("GET", "/api/status")

    status, _, body = asyncio.run(scenario())
    assert status == 503 and body == {"error": "there is no deployment geobot in .geobot"}


def test_no_response_carries_the_token_or_a_vault_secret(tmp_path: Path) -> None:
    async def scenario() -> tuple[str, list[str]]:
        async with chat_page(tmp_path) as page:
            answers = [await page.call("GET", path) for path in ("/", "/webchat.js", "/api/status")]
            answers.append(await page.call("POST", "/api/say", json={"conversation": PAGE, "text": "hi"}))
            return page.token, [f"{headers} {body}" for _, headers, body in answers]

    token, texts = asyncio.run(scenario())
    assert [text for text in texts if token in text or DRILL_KEY in text] == []
