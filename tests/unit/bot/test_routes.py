"""ACME responder, drill hook access rules, and authentication of /api/messages only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from geobot.bot import settings as names
from geobot.bot.settings import acme_secret_name
from tests.unit.bot.helpers import DRILL_KEY, activity, drill, health, make_vault, serve

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
TOKEN = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"


def test_acme_serves_tokens_from_the_vault_and_refuses_path_tricks(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    vault.set_secret(acme_secret_name(TOKEN), f"{TOKEN}.thumbprint")
    bad = ["..", "a.b", "%2e%2e%2fvault", "x%2F..%2Fsecrets", "token%00", "~root"]

    async def scenario():
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            async def get(token: str) -> tuple[int, str]:
                url = URL(f"{base}/.well-known/acme-challenge/{token}", encoded=True)
                async with http.get(url) as response:
                    return response.status, await response.text()

            return await get(TOKEN), await get("unknown_token-1"), [await get(t) for t in bad]

    served, unknown, refused = asyncio.run(scenario())
    assert served == (200, f"{TOKEN}.thumbprint")
    assert unknown[0] == 404
    assert [status for status, _ in refused] == [400] * len(bad)


def test_acme_secret_names_are_valid_vault_names() -> None:
    name = acme_secret_name("abc_DEF-123")
    assert name.startswith(names.ACME_PREFIX) and len(name) <= 127 and "_" not in name
    assert name != acme_secret_name("abc-DEF-123")
    with pytest.raises(ValueError):
        acme_secret_name("../x")


def test_drill_hook_exists_only_with_a_key_and_checks_it(tmp_path: Path) -> None:
    async def scenario():
        without = make_vault(tmp_path / "a", **{names.DRILL_KEY: None})
        async with serve(without, "west") as base, aiohttp.ClientSession() as http:
            absent = await drill(http, base, "health")
        async with serve(make_vault(tmp_path / "b"), "west") as base, aiohttp.ClientSession() as http:
            async def post(body: object, key: str | None = DRILL_KEY) -> tuple[int, dict]:
                headers = {"X-Geobot-Drill-Key": key} if key is not None else {}
                async with http.post(f"{base}/api/drill", json=body, headers=headers) as response:
                    return response.status, await response.json()

            results = {
                "no key": await post({"fault": "health"}, None),
                "wrong key": await post({"fault": "health"}, DRILL_KEY + "x"),
                "unknown fault": await post({"fault": "meteor"}),
                "bad slow": await post({"fault": "slow", "ms": "lots"}),
                "not json": await post(["health"]),
                "slow": await post({"fault": "slow", "ms": 5}),
            }
            async with http.get(f"{base}/api/drill", headers={"X-Geobot-Drill-Key": DRILL_KEY}) as response:
                state = await response.json()
            still_answers = await health(http, base)
            return absent, results, state, still_answers

    absent, results, state, still_answers = asyncio.run(scenario())
    assert absent == 404
    assert results["no key"][0] == results["wrong key"][0] == 401
    assert results["unknown fault"][0] == results["bad slow"][0] == results["not json"][0] == 400
    assert results["slow"] == (200, {"region": "west", "fault": "slow", "faults": {
        "health": False, "nlu-down": False, "store-down": False, "slow": 5}})
    assert state["faults"]["slow"] == 5
    assert still_answers[0] == 200


def test_messages_need_a_token_when_the_bot_has_an_identity(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, **{names.APP_ID: "00000000-0000-0000-0000-000000000001",
                                    names.APP_TENANT_ID: "00000000-0000-0000-0000-000000000002"})

    async def scenario():
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            async with http.post(f"{base}/api/messages", json=activity("hi")) as response:
                unauthenticated = response.status
            async with http.post(f"{base}/api/messages", json=activity("hi"),
                                 headers={"Authorization": "Bearer not-a-jwt"}) as response:
                bad_token = response.status
            return unauthenticated, bad_token, await health(http, base)

    unauthenticated, bad_token, (health_status, _) = asyncio.run(scenario())
    assert unauthenticated == 401 and bad_token == 401
    assert health_status == 200  # probes carry no token and must not need one


def test_every_probe_path_the_config_allows_is_served(tmp_path: Path) -> None:
    """probe.path is refused unless the bots serve it: each allowed path answers as a health check does."""
    from geobot.config import HEALTH_PATHS

    async def scenario() -> list[int]:
        async with serve(make_vault(tmp_path), "west") as base, aiohttp.ClientSession() as http:
            statuses = []
            for path in HEALTH_PATHS:
                async with http.get(f"{base}{path}") as response:
                    statuses.append(response.status)
            return statuses

    assert all(status in (200, 503) for status in asyncio.run(scenario()))
