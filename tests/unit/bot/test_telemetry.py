"""The bot's traces from a real bot process: the request, its language and store calls, the region."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web

from geobot.bot.telemetry import PROBE_SPAN, Exports, _json_lines_exporter
from tests.conftest import free_port
from tests.loopback import Handler, serving
from tests.unit.bot.helpers import QUIET_EXPORTER, FixedToken, health, make_vault, process_env, say, wait_until_live


TURN = {"POST /api/messages", "language recognize", "store read", "store write"}


def _spans(path: Path, until: str, deadline: float) -> list[dict]:
    """The exported spans once one named `until` is among them (spans end after the response)."""
    while True:
        spans = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if any(span["name"] == until for span in spans):
            return spans
        assert time.monotonic() < deadline, f"no span {until!r} in {[s['name'] for s in spans]}"
        time.sleep(0.05)


def test_a_turn_is_traced_as_the_request_with_its_language_and_store_calls_in_its_region_and_probes_are_not(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    port = free_port()
    spans_file = tmp_path / "run" / "bot-north-europe.spans.jsonl"
    spans_file.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "geobot.bot", "--vault-url", vault.url, "--region", "north-europe",
         "--host", "127.0.0.1", "--port", str(port)],
        env=process_env(GEOBOT_BOT_SPANS=str(spans_file)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    async def turn() -> int:
        await wait_until_live(base, process, time.monotonic() + 60)
        async with aiohttp.ClientSession() as http:
            status, _ = await health(http, base)  # a probe: answered, not traced
            assert status == 200
            status, _, _ = await say(http, base, "book a table for 2 in Paris")
        return status

    try:
        assert asyncio.run(turn()) == 200
        spans = _spans(spans_file, "POST /api/messages", time.monotonic() + 30)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"telemetry to {spans_file}" in stderr
    assert spans[0]["name"] == PROBE_SPAN  # at start-up, so the health answer has a verdict at once
    spans = [s for s in spans if s["name"] != PROBE_SPAN]
    (request,) = [s for s in spans if s["name"] == "POST /api/messages"]
    assert request["kind"] == "SpanKind.SERVER" and request["attributes"]["http.status_code"] == 200
    assert all(s["context"]["trace_id"] == request["context"]["trace_id"] for s in spans), "only the turn is traced"
    calls = {s["name"]: s for s in spans if s["kind"] == "SpanKind.CLIENT"}
    assert {"language recognize", "store read", "store write"} <= set(calls)
    assert calls["store write"]["attributes"]["geobot.dependency"] == "store"
    assert {s["attributes"]["cloud.region"] for s in spans} == {"north-europe"}
    assert request["resource"]["attributes"]["cloud.region"] == "north-europe"
    assert request["resource"]["attributes"]["service.name"] == "geobot-bot"
    assert spans_file.stat().st_mode & 0o777 == 0o600


def test_without_a_destination_nothing_is_traced_and_no_telemetry_package_is_imported() -> None:
    code = ("import sys; from geobot.bot.telemetry import configure; print(configure('r', {}).description); "
            "print(sorted(m for m in sys.modules if m.startswith(('azure.monitor', 'opentelemetry.instrumentation'))))")
    done = subprocess.run([sys.executable, "-c", code], env=process_env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["telemetry off", "[]"], done.stderr


def test_a_span_file_that_cannot_be_written_is_refused_and_the_bot_runs_without_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "spans.jsonl"
    code = ("from geobot.bot.telemetry import configure; "
            f"exports = configure('r', {{'GEOBOT_BOT_SPANS': {str(missing)!r}}}); print(exports.check())")
    done = subprocess.run([sys.executable, "-c", code], env=process_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str({"status": "refused", "reason": "FileNotFoundError: No such file or directory",
                                       "call": f"append to {missing}", "to": str(missing)})


def test_the_span_file_verdict_follows_each_export(tmp_path: Path) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    path = tmp_path / "spans.jsonl"
    exports = Exports(str(path))
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_json_lines_exporter(str(path), exports)))
    tracer = provider.get_tracer("test")
    assert exports.check()["status"] == "pending"

    tracer.start_span("first").end()
    assert exports.check() == {"status": "healthy", "detail": f"appended to {path}", "to": str(path)}
    assert [json.loads(line)["name"] for line in path.read_text().splitlines()] == ["first"]
    assert path.stat().st_mode & 0o777 == 0o600

    path.unlink()
    path.mkdir()  # root writes any file: a directory is what cannot be appended to here
    tracer.start_span("second").end()
    assert exports.check() == {"status": "refused", "reason": "IsADirectoryError: Is a directory",
                               "call": f"append to {path}", "to": str(path)}


def test_while_there_is_no_verdict_or_a_refusal_each_check_may_probe_again_with_backoff() -> None:
    now = [0.0]
    probes: list[float] = []
    exports = Exports("Application Insights", clock=lambda: now[0])
    exports.probe_with(lambda: probes.append(now[0]))
    for second in (0, 0.5, 1, 2, 3, 5, 7):
        now[0] = second
        exports.check()
    assert probes == [0, 1, 3, 7]  # every 1, 2, 4 s
    exports.delivered("POST https://x/v2.1/track: 200")
    now[0] = 100
    assert exports.check()["status"] == "healthy" and probes[-1] == 7  # delivered: no more probes
    assert Exports().check() == {"status": "off"}


TRACK_REFUSED = "Forbidden - provided credentials do not grant the access to ingest the telemetry into the component"


@contextmanager
def ingestion(tmp_path: Path, status: int, reason: str) -> Iterator[tuple[int, Path]]:
    """Application Insights' Track API on loopback TLS: (port, CA bundle). `status` answers every POST /v2.1/track."""
    trustme = pytest.importorskip("trustme", reason="trustme makes the local TLS certificate")
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    class Track(Handler):
        def do_POST(self) -> None:
            items = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"[]")
            accepted = len(items) if status == 200 else 0
            self.answer(status if self.path == "/v2.1/track" else 404,
                        {"itemsReceived": len(items), "itemsAccepted": accepted, "errors": []}, reason)

    with serving(Track, ca) as port:
        yield port, bundle


@pytest.mark.parametrize(("status", "reason", "verdict"), [
    (403, TRACK_REFUSED, {"status": "refused", "reason": f"403 {TRACK_REFUSED}", "action": "Microsoft.Insights/Telemetry/Write"}),
    (401, "Unauthorized", {"status": "refused", "reason": "401 Unauthorized", "action": "Microsoft.Insights/Telemetry/Write"}),
    (503, "Service Unavailable", {"status": "unavailable", "reason": "503 Service Unavailable"}),
    (200, "OK", {"status": "healthy"}),
])
def test_the_exporters_answer_from_application_insights_is_the_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, reason: str, verdict: dict,
) -> None:
    """The real exporter, with the hook the distro hands it: what it posts and what the answer makes of the verdict."""
    pytest.importorskip("azure.monitor.opentelemetry.exporter", reason="the [azure] extra is not installed")
    from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    for name, value in QUIET_EXPORTER.items():
        monkeypatch.setenv(name, value)
    with ingestion(tmp_path, status, reason) as (port, bundle):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        exports = Exports("Application Insights")
        exporter = AzureMonitorTraceExporter(
            connection_string=f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint=https://127.0.0.1:{port}",
            credential=FixedToken(), raw_response_hook=exports.on_response, disable_offline_storage=True)
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        provider.get_tracer("test").start_span("turn").end()
        provider.shutdown()

    found = exports.check()
    call = f"POST https://127.0.0.1:{port}/v2.1/track"
    expected = {**verdict, "to": "Application Insights",
                **({"detail": f"{call}: 200"} if status == 200 else {"call": call})}
    assert found == expected


def test_in_azure_the_distro_sends_the_turn_to_application_insights_with_the_bot_identity(tmp_path: Path) -> None:
    """App Service's identity endpoint and the ingestion endpoint on loopback, with the real distro.

    Ingestion answers as Application Insights' Track API does (`/v2.1/track`, itemsReceived,
    itemsAccepted, errors); the identity endpoint as App Service's (api-version 2019-08-01,
    X-IDENTITY-HEADER), so the token is the bot's user-assigned identity's, as `local
    authentication` off requires.
    """
    trustme = pytest.importorskip("trustme", reason="trustme makes the local TLS certificate")
    pytest.importorskip("azure.monitor.opentelemetry", reason="the [azure] extra is not installed")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    client_id, identity_header, token = str(uuid.uuid4()), "identity-header-for-tests", "token-of-the-bot-identity"
    envelopes: list[dict] = []
    token_requests: list[dict] = []
    tracks: list[str | None] = []

    async def track(request: web.Request) -> web.Response:
        tracks.append(request.headers.get("Authorization"))
        items = await request.json()
        envelopes.extend(items)
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

    async def identity(request: web.Request) -> web.Response:
        token_requests.append({**request.query, "header": request.headers.get("X-IDENTITY-HEADER")})
        return web.json_response({"access_token": token, "expires_on": str(int(time.time()) + 3600),
                                  "resource": request.query.get("resource"), "token_type": "Bearer",
                                  "client_id": client_id})

    async def serve(routes: list[web.RouteDef], ssl_context: ssl.SSLContext | None) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.add_routes(routes)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
        return runner, runner.addresses[0][1]

    vault = make_vault(tmp_path)
    port = free_port()

    def received() -> set[str]:
        return {e["data"]["baseData"].get("name") for e in envelopes}

    async def scenario() -> int:
        ingestion, ingestion_port = await serve([web.post("/v2.1/track", track)], context)
        msi, msi_port = await serve([web.get("/msi/token", identity)], None)
        env = process_env(
            APPLICATIONINSIGHTS_CONNECTION_STRING=f"InstrumentationKey={uuid.uuid4()};"
                                                  f"IngestionEndpoint=https://127.0.0.1:{ingestion_port};"
                                                  f"LiveEndpoint=https://127.0.0.1:{ingestion_port}",
            IDENTITY_ENDPOINT=f"http://127.0.0.1:{msi_port}/msi/token", IDENTITY_HEADER=identity_header,
            AZURE_CLIENT_ID=client_id, REQUESTS_CA_BUNDLE=str(bundle), OTEL_BSP_SCHEDULE_DELAY="100",
            OTEL_TRACES_SAMPLER="always_on",  # the distro's default samples at a rate: not deterministic
            **QUIET_EXPORTER, TMPDIR=str(tmp_path))
        log = (tmp_path / "bot.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "geobot.bot", "--vault-url", vault.url, "--region", "north-europe",
             "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_until_live(base, process, time.monotonic() + 60)
            async with aiohttp.ClientSession() as http:
                status, _, _ = await say(http, base, "book a table for 2 in Paris")
            deadline = time.monotonic() + 30
            while not TURN <= received():
                assert time.monotonic() < deadline, f"Application Insights got only {received()}"
                await asyncio.sleep(0.05)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)
            log.close()
            await ingestion.cleanup()
            await msi.cleanup()
        return status

    assert asyncio.run(scenario()) == 200
    assert "telemetry to Application Insights" in (tmp_path / "bot.log").read_text()
    requests = [e for e in envelopes if e["data"]["baseType"] == "RequestData"]
    dependencies = {e["data"]["baseData"]["name"]: e for e in envelopes if e["data"]["baseType"] == "RemoteDependencyData"}
    (turn,) = [r for r in requests if r["data"]["baseData"]["name"] == "POST /api/messages"]
    assert turn["data"]["baseData"]["responseCode"] == "200"
    assert {"language recognize", "store read", "store write"} <= set(dependencies)
    operation = turn["tags"]["ai.operation.id"]
    for envelope in [turn, *(dependencies[n] for n in ("language recognize", "store read", "store write"))]:
        assert envelope["tags"]["ai.operation.id"] == operation
        assert envelope["data"]["baseData"]["properties"]["cloud.region"] == "north-europe"
    assert turn["tags"]["ai.cloud.role"] == "geobot-bot"
    assert set(tracks) == {f"Bearer {token}"}
    assert token_requests and all(r["client_id"] == client_id and r["header"] == identity_header
                                  and r["resource"] == "https://monitor.azure.com/" for r in token_requests)


def test_in_azure_the_azure_sdk_calls_are_traced_through_azure_core() -> None:
    """Cosmos DB and Key Vault calls become dependencies of the turn or start-up that made them."""
    pytest.importorskip("azure.monitor.opentelemetry", reason="the [azure] extra is not installed")
    code = ("from geobot.bot.telemetry import configure; from azure.core.settings import settings; "
            "print(configure('r', {'APPLICATIONINSIGHTS_CONNECTION_STRING': "
            "'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9'}).description); "
            "print(settings.tracing_implementation().__name__); import os; os._exit(0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=process_env(**QUIET_EXPORTER))
    assert done.stdout.splitlines() == ["telemetry to Application Insights", "OpenTelemetrySpan"], done.stderr


@contextmanager
def identity_endpoint(client_id: str) -> Iterator[str]:
    """App Service's identity endpoint (api-version 2019-08-01) on loopback: any resource's token for `client_id`."""

    class Identity(Handler):
        def do_GET(self) -> None:
            query = dict(parse_qsl(urlsplit(self.path).query))
            self.answer(200, {"access_token": "token-of-the-bot-identity", "expires_on": str(int(time.time()) + 3600),
                              "resource": query.get("resource"), "token_type": "Bearer", "client_id": client_id})

    with serving(Identity) as port:
        yield f"http://127.0.0.1:{port}/msi/token"


def test_a_bot_whose_telemetry_is_refused_says_so_at_start_up_and_stays_healthy(tmp_path: Path) -> None:
    """No turn needed: the start-up span gets the 403 Application Insights answers an identity without the role."""
    pytest.importorskip("azure.monitor.opentelemetry", reason="the [azure] extra is not installed")
    vault = make_vault(tmp_path)
    port = free_port()
    client_id = str(uuid.uuid4())
    with ingestion(tmp_path, 403, TRACK_REFUSED) as (ingestion_port, bundle), identity_endpoint(client_id) as msi:
        env = process_env(
            APPLICATIONINSIGHTS_CONNECTION_STRING=f"InstrumentationKey={uuid.uuid4()};"
                                                  f"IngestionEndpoint=https://127.0.0.1:{ingestion_port}",
            IDENTITY_ENDPOINT=msi, IDENTITY_HEADER="identity-header-for-tests", AZURE_CLIENT_ID=client_id,
            REQUESTS_CA_BUNDLE=str(bundle), **QUIET_EXPORTER, TMPDIR=str(tmp_path))
        process = subprocess.Popen(
            [sys.executable, "-m", "geobot.bot", "--vault-url", vault.url, "--region", "north-europe",
             "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"

        async def until_refused() -> tuple[int, dict]:
            await wait_until_live(base, process, time.monotonic() + 60)
            deadline = time.monotonic() + 30
            async with aiohttp.ClientSession() as http:
                while True:
                    status, body = await health(http, base)
                    if body["components"]["telemetry"]["status"] != "pending":
                        return status, body
                    assert time.monotonic() < deadline, f"no telemetry verdict: {body['components']['telemetry']}"
                    await asyncio.sleep(0.1)

        try:
            status, body = asyncio.run(until_refused())
        finally:
            process.terminate()
            process.wait(30)
    assert (status, body["failed"]) == (200, [])  # Traffic Manager and Front Door keep routing to it
    assert body["components"]["telemetry"] == {
        "status": "refused", "reason": f"403 {TRACK_REFUSED}", "to": "Application Insights",
        "call": f"POST https://127.0.0.1:{ingestion_port}/v2.1/track", "action": "Microsoft.Insights/Telemetry/Write"}
