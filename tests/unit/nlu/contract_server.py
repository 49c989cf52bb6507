"""A real local HTTP server that replays recorded Azure REST responses and records requests.

Each expected (method, path) has a queue of answers; a request nobody expected gets 418, so
a client that calls the wrong URL fails instead of being accepted by a catch-all stub.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "azure"


def fixture(service: str, operation: str) -> dict:
    return json.loads((FIXTURES / service / f"{operation}.json").read_text())


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


class ContractServer:
    """`async with ContractServer() as server:` → `server.url`; `expect(...)`; `server.requests`."""

    def __init__(self, ssl_context: Any = None) -> None:
        self.requests: list[Recorded] = []
        self._answers: dict[tuple[str, str], list[tuple[int, Any, dict]]] = defaultdict(list)
        self._ssl = ssl_context
        self.url = ""

    def expect(self, method: str, path: str, status: int, body: Any = None, headers: dict | None = None) -> None:
        self._answers[(method, path)].append((status, body, {k: str(v) for k, v in (headers or {}).items()}))

    def endpoint(self, value: str) -> str:
        """A fixture value with its `{Endpoint}` placeholder pointed at this server."""
        return value.replace("{Endpoint}", self.url)

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        self.requests.append(Recorded(request.method, request.path, dict(request.query), dict(request.headers), body))
        queue = self._answers.get((request.method, request.path))
        if not queue:
            return web.json_response({"error": {"code": "Unexpected", "message": request.path_qs}}, status=418)
        status, answer, headers = queue.pop(0)
        text = "" if answer is None else json.dumps(answer)
        if text and not any(k.lower() == "content-type" for k in headers):
            headers = {**headers, "Content-Type": "application/json"}
        return web.Response(status=status, body=text.encode(), headers=headers)

    async def __aenter__(self) -> ContractServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"{'https' if self._ssl else 'http'}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._runner.cleanup()
