"""The bot's traces from a real bot process: the request, its language and store calls, the region."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.conftest import free_port
from tests.unit.bot.helpers import make_vault, process_env, say, wait_until_live


def _spans(path: Path, until: str, deadline: float) -> list[dict]:
    """The exported spans once one named `until` is among them (spans end after the response)."""
    while True:
        spans = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if any(span["name"] == until for span in spans):
            return spans
        assert time.monotonic() < deadline, f"no span {until!r} in {[s['name'] for s in spans]}"
        time.sleep(0.05)


def test_a_turn_is_traced_as_the_request_with_its_language_and_store_calls_in_its_region(tmp_path: Path) -> None:
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
            status, _, _ = await say(http, base, "book a table for 2 in Paris")
        return status

    try:
        assert asyncio.run(turn()) == 200
        spans = _spans(spans_file, "POST /api/messages", time.monotonic() + 30)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"telemetry to {spans_file}" in stderr
    (request,) = [s for s in spans if s["name"] == "POST /api/messages"]
    assert request["kind"] == "SpanKind.SERVER" and request["attributes"]["http.status_code"] == 200
    turn_spans = [s for s in spans if s["context"]["trace_id"] == request["context"]["trace_id"]]
    calls = {s["name"]: s for s in turn_spans if s["kind"] == "SpanKind.CLIENT"}
    assert {"language recognize", "store read", "store write"} <= set(calls)
    assert calls["store write"]["attributes"]["geobot.dependency"] == "store"
    assert {s["attributes"]["cloud.region"] for s in spans} == {"north-europe"}
    assert request["resource"]["attributes"]["cloud.region"] == "north-europe"
    assert request["resource"]["attributes"]["service.name"] == "geobot-bot"
    assert spans_file.stat().st_mode & 0o777 == 0o600


def test_without_a_destination_nothing_is_traced_and_no_telemetry_package_is_imported() -> None:
    code = ("import sys; from geobot.bot.telemetry import configure; print(configure('r', {})); "
            "print(sorted(m for m in sys.modules if m.startswith(('azure.monitor', 'opentelemetry.instrumentation'))))")
    done = subprocess.run([sys.executable, "-c", code], env=process_env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["telemetry off", "[]"], done.stderr


def test_telemetry_that_cannot_start_is_logged_and_the_bot_runs_without_it(tmp_path: Path) -> None:
    code = ("import logging, sys; logging.basicConfig(stream=sys.stdout, format='%(message)s'); "
            "from geobot.bot.telemetry import configure; "
            f"print(configure('r', {{'GEOBOT_BOT_SPANS': {str(tmp_path / 'missing' / 'spans.jsonl')!r}}}))")
    done = subprocess.run([sys.executable, "-c", code], env=process_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["region r: telemetry off: FileNotFoundError: [Errno 2] No such file or directory: "
                                        f"'{tmp_path / 'missing' / 'spans.jsonl'}'", "telemetry off (failed to start)"]
