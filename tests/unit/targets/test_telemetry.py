"""The online stages' telemetry wait: settled verdicts pass, a lasting refusal names region, call and action."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.targets.telemetry import health_body, wait_for_telemetry
from tests.conftest import Clock
from tests.loopback import Handler, serving

CALL = "POST https://koreacentral-0.in.applicationinsights.azure.com/v2.1/track"
REFUSED = {"status": "refused", "reason": "403 Forbidden", "call": CALL, "action": "Microsoft.Insights/Telemetry/Write"}


def answers(*sequence: dict[str, dict[str, Any]]) -> Iterator[dict[str, dict[str, Any]]]:
    """Each poll's telemetry check per URL; the last repeats."""
    yield from sequence
    while True:
        yield sequence[-1]


def fetcher(polls: Iterator[dict[str, dict[str, Any]]], region: dict[str, str]) -> Any:
    current: dict[str, dict[str, Any]] = {}

    def fetch(url: str) -> dict[str, Any] | None:
        if url == next(iter(region)):
            current.clear()
            current.update(next(polls))
        check = current[url]
        return None if check is None else {"region": region[url], "components": {"telemetry": check}}

    return fetch


URLS = {"koreacentral": "https://a/api/health", "japaneast": "https://b/api/health"}
REGION = {"https://a/api/health": "koreacentral", "https://b/api/health": "japaneast"}


def wait(polls: Iterator[dict[str, dict[str, Any]]], role_wait: float = 30, timeout: float = 300) -> dict[str, str]:
    clock = Clock()
    return wait_for_telemetry(URLS, fetcher(polls, REGION), timeout, role_wait, 5, "assign the role", clock, clock.sleep)


def test_every_region_accepted_or_ingestion_down_passes_once_each_bot_has_a_verdict() -> None:
    polls = answers({"https://a/api/health": None, "https://b/api/health": {"status": "pending"}},
                    {"https://a/api/health": {"status": "healthy"}, "https://b/api/health": {"status": "unavailable"}})
    assert wait(polls) == {"koreacentral": "healthy", "japaneast": "unavailable"}


def test_a_refusal_that_ends_within_the_role_wait_was_the_role_applying() -> None:
    polls = answers({"https://a/api/health": REFUSED, "https://b/api/health": {"status": "healthy"}},
                    {"https://a/api/health": REFUSED, "https://b/api/health": {"status": "healthy"}},
                    {"https://a/api/health": {"status": "healthy"}, "https://b/api/health": {"status": "healthy"}})
    assert wait(polls, role_wait=30) == {"koreacentral": "healthy", "japaneast": "healthy"}


def test_a_lasting_refusal_fails_naming_the_region_the_call_and_the_data_action() -> None:
    polls = answers({"https://a/api/health": REFUSED, "https://b/api/health": {"status": "healthy"}})
    with pytest.raises(CloudError) as failed:
        wait(polls, role_wait=30)
    assert failed.value.message == (f"region koreacentral: its bot's telemetry is refused ({CALL}: 403 Forbidden); "
                                    "the bot's identity needs Microsoft.Insights/Telemetry/Write")
    assert failed.value.hint == "assign the role"


def test_no_verdict_by_the_timeout_fails_naming_the_regions_still_pending() -> None:
    polls = answers({"https://a/api/health": {"status": "healthy"}, "https://b/api/health": None})
    with pytest.raises(CloudError, match=r"in 60 s: japaneast pending$"):
        wait(polls, timeout=60)


def test_the_health_body_is_read_whatever_the_status() -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()

    class Health(Handler):
        def do_GET(self) -> None:
            self.answer(503, {"status": "unhealthy", "region": "r"})

    client = ssl.create_default_context()
    ca.configure_trust(client)
    with serving(Health, ca) as port:
        assert health_body(f"https://127.0.0.1:{port}/api/health", client) == {"status": "unhealthy", "region": "r"}
    assert health_body(f"https://127.0.0.1:{port}/api/health", client) is None  # nothing answers any more
