"""What each listener answers, what reaches the region, what comes back, and what is logged."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from datetime import datetime
from pathlib import Path

import aiohttp
import trustme
from yarl import URL

from tests.unit.targets.local.router.helpers import (
    HOST,
    endpoint,
    events,
    https_client,
    router,
    statuses,
    until,
    upstreams,
    write_config,
)


def test_plain_http_forwards_acme_challenges_and_redirects_everything_else(tmp_path: Path) -> None:
    async def scenario() -> tuple[tuple, tuple, int]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=2), endpoint(east, priority=1)])
            async with router(config) as running, aiohttp.ClientSession() as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                base = f"http://127.0.0.1:{running.ports['http']}"
                async with http.get(f"{base}/.well-known/acme-challenge/tok_en-1") as response:
                    acme = response.status, response.headers["X-Geobot-Endpoint"], response.headers["X-Path"]
                async with http.post(URL(f"{base}/api/m%C3%A9?a=1&b=%2F", encoded=True), data=b"x",
                                         allow_redirects=False) as response:
                    moved = response.status, response.headers["Location"]
                return acme, moved, running.ports["https"]

    acme, moved, https_port = asyncio.run(scenario())
    assert acme == (200, "east", "/.well-known/acme-challenge/tok_en-1")
    assert moved == (308, f"https://{HOST}:{https_port}/api/m%C3%A9?a=1&b=%2F")


def test_status_reports_settings_pick_certificate_and_each_endpoints_monitor(tmp_path: Path) -> None:
    async def scenario() -> dict:
        async with upstreams("west", "east") as (west, east):
            east.healthy = False
            config = write_config(tmp_path, [endpoint(west), endpoint(east)], routing_method="performance")
            async with router(config) as running, aiohttp.ClientSession() as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Degraded"})
                async with http.get(f"http://127.0.0.1:{running.ports['http']}/_geobot/status") as response:
                    return await response.json()

    status = asyncio.run(scenario())
    assert {k: status[k] for k in ("host_name", "routing_method", "retry", "pick", "certificate")} == {
        "host_name": HOST, "routing_method": "performance", "retry": False, "pick": "west", "certificate": None}
    west, east = status["endpoints"]
    assert set(west) == {"name", "url", "monitor_status", "latency_ms", "consecutive_failures", "last_probe", "since"}
    assert (west["name"], west["monitor_status"], west["consecutive_failures"]) == ("west", "Online", 0)
    assert west["url"].startswith("http://127.0.0.1:") and 0 < west["latency_ms"] < 500
    assert datetime.fromisoformat(west["last_probe"]) >= datetime.fromisoformat(west["since"])
    assert (east["monitor_status"], east["latency_ms"]) == ("Degraded", None) and east["consecutive_failures"] >= 1


def test_requests_and_answers_pass_through_without_hop_by_hop_headers(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[dict, dict, bytes, dict, int]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                headers = {"Authorization": "Bearer SECRET-TOKEN", "Connection": "keep-alive, X-Hop",
                           "X-Hop": "1", "Keep-Alive": "timeout=5", "TE": "trailers", "X-Forwarded-For": "198.51.100.7",
                           "X-Geobot-Client": "alice"}
                url = f"https://127.0.0.1:{running.ports['https']}/api/messages?q=1"
                async with http.put(url, data=b"SECRET-BODY", headers=headers, server_hostname=HOST) as response:
                    answer, body = dict(response.headers), await response.read()
        return west.last_headers, answer, body, events(tmp_path / "router.jsonl", "request")[0], running.ports["https"]

    upstream_saw, answer, body, logged, port = asyncio.run(scenario())
    assert body == b"SECRET-BODY" and (answer["X-Method"], answer["X-Path"]) == ("PUT", "/api/messages?q=1")
    assert answer["X-Geobot-Endpoint"] == "west" and "Proxy-Authenticate" not in answer
    assert upstream_saw["Authorization"] == "Bearer SECRET-TOKEN"
    assert not {"X-Hop", "Keep-Alive", "TE"} & set(upstream_saw)
    assert upstream_saw["X-Forwarded-For"] == "198.51.100.7, 127.0.0.1"
    assert (upstream_saw["X-Forwarded-Proto"], upstream_saw["X-Forwarded-Host"]) == ("https", f"127.0.0.1:{port}")
    assert set(logged) == {"time", "event", "client", "method", "path", "endpoint", "status", "ms", "attempts", "error"}
    assert (logged["client"], logged["method"], logged["path"], logged["endpoint"], logged["status"],
            logged["attempts"], logged["error"]) == ("alice", "PUT", "/api/messages", "west", 200, ["west"], None)


def test_the_log_is_private_timestamped_and_never_holds_bodies_or_headers(tmp_path: Path) -> None:
    ca = trustme.CA()
    log = tmp_path / "router.jsonl"

    async def scenario() -> float:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            started = time.time()
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                url = f"https://127.0.0.1:{running.ports['https']}/api/messages"
                async with http.post(url, data=b"SECRET-BODY", server_hostname=HOST,
                                     headers={"Authorization": "Bearer SECRET-TOKEN"}) as response:
                    await response.read()
            return started

    started = asyncio.run(scenario())
    text = log.read_text()
    assert "SECRET" not in text
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    lines = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in lines if e["event"] in ("start", "stop")] == ["start", "stop"]
    assert (lines[0]["event"], lines[-1]["event"]) == ("start", "stop")
    assert all(started <= e["time"] <= started + 60 for e in events(log, "monitor") + events(log, "request"))
    assert set(events(log, "monitor")[0]) == {"time", "event", "endpoint", "from", "to", "reason"}
    assert set(events(log, "start")[0]) == {"time", "event", "http_port", "https_port"}
