"""Deep health over HTTP: healthy, each injected fault, unconfigured components, the cache bound."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp
import pytest

from geobot.bot import settings as names
from geobot.bot.telemetry import Exports
from tests.models import fixture_model
from tests.unit.bot.helpers import drill, health, make_vault, say, serve
from tests.unit.nlu.contract_server import ContractServer, fixture

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


def test_healthy_region_reports_every_component(tmp_path: Path) -> None:
    async def scenario():
        async with serve(make_vault(tmp_path), "west") as base, aiohttp.ClientSession() as http:
            async with http.get(f"{base}/api/health") as response:
                return response.status, response.headers["X-Geobot-Region"], await response.json()

    status, region, body = asyncio.run(scenario())
    assert (status, region, body["status"], body["failed"]) == (200, "west", "healthy", [])
    assert set(body["components"]) == {"language", "store", "telemetry"}
    assert body["components"]["telemetry"] == {"status": "off"}
    assert body["components"]["store"]["detail"] == "read+write ok"
    assert body["components"]["language"]["detail"].startswith("local recognizer")


@pytest.mark.parametrize("fault, component", [
    ("health", "drill"), ("nlu-down", "language"), ("store-down", "store"),
])
def test_each_fault_fails_health_naming_its_component(tmp_path: Path, fault: str, component: str) -> None:
    async def scenario():
        async with serve(make_vault(tmp_path), "west") as base, aiohttp.ClientSession() as http:
            before = await health(http, base)
            assert await drill(http, base, fault) == 200
            during = await health(http, base)
            turn = await say(http, base, "hi")
            assert await drill(http, base, "clear") == 200
            return before, during, turn, await health(http, base)

    before, during, turn, after = asyncio.run(scenario())
    assert before[0] == 200 and after[0] == 200
    assert during[0] == 503 and during[1]["failed"] == [component]
    assert during[1]["components"][component]["reason"] == f"fault injected: {fault}"
    if fault == "health":
        assert turn[0] == 200  # a failed probe takes the region out of rotation; turns still work
    else:
        assert (turn[0], turn[2]["component"]) == (503, component)


def test_probes_within_the_cache_interval_share_one_check(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, **{names.HEALTH_CACHE_SECONDS: "3600"})

    async def scenario():
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            burst = await asyncio.gather(*(health(http, base) for _ in range(20)))
            sequential = [await health(http, base) for _ in range(5)]
            await drill(http, base, "store-down")  # a fault must not wait for the cache to expire
            faulted = [await health(http, base) for _ in range(3)]
            return burst + sequential, faulted

    cached, faulted = asyncio.run(scenario())
    assert {body["run"] for _, body in cached} == {1}
    assert sum(not body["cached"] for _, body in cached) >= 1
    assert [body["run"] for _, body in faulted] == [2, 2, 2]
    assert {status for status, _ in faulted} == {503}


def test_the_local_recognizer_trains_from_the_model_the_vault_names(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"luis_schema_version": "99.0"}')

    async def scenario(model: Path):
        async with serve(make_vault(tmp_path, **{names.LANGUAGE_MODEL: str(model)}), "west") as base, \
                aiohttp.ClientSession() as http:
            return await health(http, base)

    status, body = asyncio.run(scenario(fixture_model("4.0.0")))
    assert status == 200
    assert body["components"]["language"]["detail"] == "local recognizer (places.luis-4.0.0.json, 23 utterances)"
    status, body = asyncio.run(scenario(broken))
    assert status == 503 and body["components"]["language"]["reason"].startswith(f"{broken}: 2 problems")


def test_unconfigured_components_are_unhealthy_not_skipped(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, **{names.LANGUAGE_ENDPOINT: None, names.STORE_URL: None})

    async def scenario():
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            async with http.get(f"{base}/api/health/live") as live:
                return live.status, await health(http, base), await say(http, base, "hi")

    live, (status, body), turn = asyncio.run(scenario())
    assert live == 200
    assert status == 503 and body["failed"] == ["language", "store"]
    assert names.LANGUAGE_ENDPOINT in body["components"]["language"]["reason"]
    assert names.STORE_URL in body["components"]["store"]["reason"]
    assert turn[0] == 503


def test_bad_vault_url_is_reported_not_fatal(tmp_path: Path) -> None:
    from aiohttp import web

    from geobot.bot.app import create_app

    async def scenario():
        runner = web.AppRunner(create_app("ftp://nowhere", "west"))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            async with aiohttp.ClientSession() as http:
                return await health(http, f"http://127.0.0.1:{runner.addresses[0][1]}")
        finally:
            await runner.cleanup()

    status, body = asyncio.run(scenario())
    assert status == 503 and "config" in body["failed"]
    assert "vault URL 'ftp://nowhere'" in body["components"]["config"]["reason"]


def test_language_health_queries_the_clu_endpoint(tmp_path: Path) -> None:
    answer = fixture("language", "AnalyzeConversations_Conversation")["responses"]["200"]["body"]

    async def scenario():
        async with ContractServer() as clu:
            clu.expect("POST", "/language/:analyze-conversations", 200, answer)
            vault = make_vault(tmp_path, **{names.LANGUAGE_ENDPOINT: clu.url, f"{names.LANGUAGE_KEY}-west": "k"})
            async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
                up = await health(http, base)
            gone = clu.url
        vault.set_secret(names.LANGUAGE_ENDPOINT, gone)  # the CLU server above has stopped
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            return up, clu.requests, await health(http, base)

    (up_status, up), requests, (down_status, down) = asyncio.run(scenario())
    assert up_status == 200 and up["components"]["language"]["detail"].startswith("CLU http://")
    assert up["components"]["language"]["detail"].endswith("geobot/production (key)")  # how, never the key
    assert requests[0].headers["Ocp-Apim-Subscription-Key"] == "k"  # the region's own key
    assert requests[0].body["parameters"]["projectName"] == "geobot"
    assert down_status == 503 and down["failed"] == ["language"]


def test_without_a_key_the_language_is_queried_as_the_managed_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on App Service: the real ManagedIdentityCredential asks the platform's identity endpoint
    (served here by the contract server) for the user-assigned identity AZURE_CLIENT_ID names."""
    for name in [n for n in os.environ if n.startswith(("AZURE_", "IDENTITY_", "MSI_", "IMDS_"))]:
        monkeypatch.delenv(name)
    client_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
    monkeypatch.setenv("IDENTITY_HEADER", "identity-header-value")
    answer = fixture("language", "AnalyzeConversations_Conversation")["responses"]["200"]["body"]
    token = {  # the App Service identity endpoint's documented answer
        "access_token": "managed-identity-token", "expires_on": str(int(time.time()) + 3600),
        "resource": "https://cognitiveservices.azure.com", "token_type": "Bearer", "client_id": client_id,
    }

    async def scenario():
        async with ContractServer() as azure:
            monkeypatch.setenv("IDENTITY_ENDPOINT", f"{azure.url}/msi/token")
            azure.expect("GET", "/msi/token", 200, token)
            azure.expect("POST", "/language/:analyze-conversations", 200, answer)
            azure.expect("POST", "/language/:analyze-conversations", 200, answer)
            vault = make_vault(tmp_path, **{names.LANGUAGE_ENDPOINT: azure.url})  # no key, as Terraform writes it
            async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
                first, second = await health(http, base), await health(http, base)
            return azure.url, first, second, azure.requests

    url, (status, body), second, (identity, query, again) = asyncio.run(scenario())
    assert status == 200 and second[0] == 200
    assert body["components"]["language"]["detail"] == (
        f"CLU {url} geobot/production (Microsoft Entra token of ManagedIdentityCredential {client_id})")
    assert identity.query["resource"] == "https://cognitiveservices.azure.com"
    assert identity.query["client_id"] == client_id
    assert identity.headers["X-IDENTITY-HEADER"] == "identity-header-value"
    for request in (query, again):  # the second probe reuses the token
        assert request.headers["Authorization"] == "Bearer managed-identity-token"
        assert "Ocp-Apim-Subscription-Key" not in request.headers


def test_a_component_that_failed_to_open_at_start_is_opened_again_by_the_health_check(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, **{names.STORE_URL: None})  # e.g. its secret was not readable yet at start

    async def scenario():
        async with serve(vault, "west") as base, aiohttp.ClientSession() as http:
            first = await health(http, base)
            vault.set_secret(names.STORE_URL, f"sqlite://{tmp_path / 'state.db'}")
            deadline = time.monotonic() + 30
            while (now := await health(http, base))[0] != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            return first, now, await say(http, base, "hi")

    first, healed, turn = asyncio.run(scenario())
    assert first[0] == 503 and first[1]["failed"] == ["store"]
    assert healed[0] == 200 and healed[1]["failed"] == []
    assert turn[0] == 200  # turns use the store opened on the later attempt


def test_refused_telemetry_is_reported_but_leaves_the_region_healthy_for_the_routers(tmp_path: Path) -> None:
    telemetry = Exports("Application Insights")
    telemetry.refused("403 Forbidden", "POST https://westeurope-5.in.applicationinsights.azure.com/v2.1/track",
                      "Microsoft.Insights/Telemetry/Write")

    async def scenario():
        async with serve(make_vault(tmp_path), "west", telemetry=telemetry) as base, aiohttp.ClientSession() as http:
            return await health(http, base)

    status, body = asyncio.run(scenario())
    assert (status, body["status"], body["failed"]) == (200, "healthy", [])
    assert body["components"]["telemetry"] == {
        "status": "refused", "reason": "403 Forbidden", "to": "Application Insights",
        "call": "POST https://westeurope-5.in.applicationinsights.azure.com/v2.1/track",
        "action": "Microsoft.Insights/Telemetry/Write"}


def test_the_deep_check_also_answers_at_the_path_naming_its_region_for_front_doors_route_to_it(tmp_path: Path) -> None:
    async def scenario():
        async with serve(make_vault(tmp_path), "west") as base, aiohttp.ClientSession() as http:
            async with http.get(f"{base}/api/regions/west/health") as own, http.get(f"{base}/api/regions/east/health") as other:
                return own.status, await own.json(), other.status

    status, body, other = asyncio.run(scenario())
    assert (status, body["region"], body["status"]) == (200, "west", "healthy") and "telemetry" in body["components"]
    assert other == 404  # another region's path never reaches this one
