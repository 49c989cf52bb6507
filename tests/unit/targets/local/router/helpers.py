"""Tiny regional upstreams, an in-process router on free loopback ports, and test certificates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import trustme
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from geobot.certs.pfx import build_pfx
from geobot.targets.local.router.server import Router
from geobot.targets.local.router.settings import load

HOST = "demo.localhost"
FAST_PROBE = {"path": "/api/health", "interval": 0.1, "timeout": 0.5, "tolerated_failures": 0, "dns_ttl": 0}


class Upstream:
    """A bot-like region: names itself in X-Upstream, health and answer switchable, echoes the body."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.healthy = True
        self.answer_status = 200
        self.delay = 0.0
        self.requests = 0
        self.last_headers: dict[str, str] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"name": self.name}, status=200 if self.healthy else 503)

    async def _echo(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.last_headers = dict(request.headers)
        body = await request.read()
        await asyncio.sleep(self.delay)
        return web.Response(body=body, status=self.answer_status, headers={
            "X-Upstream": self.name, "X-Path": request.path_qs, "X-Method": request.method,
            "Proxy-Authenticate": "Basic realm=hop"})

    async def start(self, port: int = 0) -> str:
        """Listen on `port` (0: any; a stopped upstream's own port: the same region restarted)."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/api/health", self._health)
        app.router.add_route("*", "/{tail:.*}", self._echo)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def endpoint(upstream: Upstream, **fields: Any) -> dict:
    return {"name": upstream.name, "url": upstream.url, **fields}


def write_config(tmp_path: Path, endpoints: list[dict], ca: trustme.CA | None = None, **fields: Any) -> Path:
    """A router.json on free ports with fast probes (and a PFX from `ca`); `fields` override the top level."""
    if ca is not None:
        (tmp_path / "tls.pfx").write_bytes(pfx_for(ca)[0])
    config = {"host_name": HOST, "listen": "127.0.0.1", "https_port": 0, "http_port": 0,
              "routing_method": "priority", "probe": FAST_PROBE, "retry": False,
              "certificate": str(tmp_path / "tls.pfx"), "log": str(tmp_path / "router.jsonl"),
              "endpoints": endpoints, **fields}
    path = tmp_path / "router.json"
    path.write_text(json.dumps(config))
    return path


@contextlib.asynccontextmanager
async def upstreams(*names: str) -> AsyncIterator[list[Upstream]]:
    servers = [Upstream(name) for name in names]
    for server in servers:
        await server.start()
    try:
        yield servers
    finally:
        for server in servers:
            await server.stop()


class ManualClock:
    """A clock that moves only when a test sets `now`."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def router(config: Path, **options: Any) -> AsyncIterator[Router]:
    running = Router(config, load(config), watch_interval=0.05, **options)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def statuses(running: Router) -> dict[str, str]:
    return {name: state.status for name, state in running.monitor.states.items()}


def events(log: Path, kind: str) -> list[dict]:
    return [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == kind]


def pfx_for(ca: trustme.CA, host: str = HOST) -> tuple[bytes, x509.Certificate]:
    """A password-less PFX (key, leaf, intermediates) for `host`, and its leaf certificate."""
    leaf = ca.issue_cert(host)
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    chain = [x509.load_pem_x509_certificate(blob.bytes()) for blob in leaf.cert_chain_pems]
    return build_pfx(key, chain[0], chain[1:], None), chain[0]


def https_client(ca: trustme.CA, **connector: Any) -> aiohttp.ClientSession:
    """A client that trusts only the test CA, as a browser trusting it would."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, **connector))


async def send(http: aiohttp.ClientSession, running: Router, path: str = "/api/messages", client: str = "alice",
               method: str = "POST", data: bytes = b"hello") -> tuple[int, str | None, bytes]:
    """One request through the router's HTTPS listener: (status, X-Geobot-Endpoint, body)."""
    url = f"https://127.0.0.1:{running.ports['https']}{path}"
    async with http.request(method, url, data=data, server_hostname=HOST,
                            headers={"X-Geobot-Client": client}) as response:
        return response.status, response.headers.get("X-Geobot-Endpoint"), await response.read()
