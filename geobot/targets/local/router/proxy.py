"""Forwarding one request to a regional endpoint, the DNS way or the Front Door way.

DNS mode (`retry: false`) sends the request where the client's cached answer points and
hands back whatever happens, as a client that resolved the name would see it. Retry mode
buffers the body and tries the candidates in preference order, each at most once, until one
answers below 500. Hop-by-hop headers are dropped both ways; bodies pass through untouched
(no decompression). Every forwarded request is one `request` event in the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from geobot.targets.local.router.log import EventLog
from geobot.targets.local.router.settings import Endpoint

# hop-by-hop headers (RFC 9110 7.6.1), plus the framing and Host headers that each hop sets for itself
NOT_FORWARDED = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                           "te", "trailer", "trailers", "transfer-encoding", "upgrade", "content-length", "host"})
CLIENT_HEADER = "X-Geobot-Client"
ENDPOINT_HEADER = "X-Geobot-Endpoint"

# (response, None) on success; (5xx response or None, why) on a failure
Outcome = tuple[web.Response | None, str | None]


def client_key(request: web.Request) -> str:
    """Who a resolver would answer: the client's own label if it sent one, else its address."""
    return request.headers.get(CLIENT_HEADER) or request.remote or "unknown"


def _end_to_end(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    listed = {token.strip().lower() for value in headers.getall("Connection", ()) for token in value.split(",")}
    return CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in NOT_FORWARDED and k.lower() not in listed)


def _error(status: int, message: str, attempts: list[str]) -> web.Response:
    return web.json_response({"error": message, "attempts": attempts}, status=status)


class Forwarder:
    """Sends requests upstream over one shared keep-alive session and logs each outcome."""

    def __init__(self, session: aiohttp.ClientSession, log: EventLog, timeout: Callable[[], float]) -> None:
        self._session = session
        self._log = log
        self._timeout = timeout

    async def once(self, request: web.Request, endpoint: Endpoint | None) -> web.Response:
        """DNS mode: one attempt at the client's endpoint; a failure goes back to the client."""
        started, body = time.perf_counter(), await request.read()
        if endpoint is None:
            return self._done(request, started, [], _error(503, "no endpoint is available", []), "no endpoint")
        response, error = await self._attempt(request, endpoint, body)
        if response is None:
            status = 504 if error == "timeout" else 502
            response = _error(status, f"endpoint {endpoint.name}: {error}", [endpoint.name])
        return self._done(request, started, [endpoint.name], response, error)

    async def retrying(self, request: web.Request, endpoints: list[Endpoint]) -> web.Response:
        """Retry mode: each candidate in turn until one answers below 500."""
        started, body = time.perf_counter(), await request.read()
        attempts: list[str] = []
        outcome: Outcome = (None, "no endpoint")
        for endpoint in endpoints:
            attempts.append(endpoint.name)
            outcome = await self._attempt(request, endpoint, body)
            if outcome[1] is None:
                break
        response, error = outcome
        if response is None:
            status = 503 if not attempts else 502
            response = _error(status, "no endpoint answered" if attempts else "no endpoint is available", attempts)
        return self._done(request, started, attempts, response, error)

    async def _attempt(self, request: web.Request, endpoint: Endpoint, body: bytes) -> Outcome:
        headers = _end_to_end(request.headers)
        forwarded_for = request.headers.get("X-Forwarded-For")
        peer = request.remote or "unknown"
        headers["X-Forwarded-For"] = f"{forwarded_for}, {peer}" if forwarded_for else peer
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        url = URL(endpoint.url + request.raw_path, encoded=True)
        try:
            async with self._session.request(
                request.method, url, headers=headers, data=body or None, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self._timeout()),
            ) as upstream:
                payload = await upstream.read()
                response = web.Response(status=upstream.status, body=payload, headers=_end_to_end(upstream.headers))
        except TimeoutError:
            return None, "timeout"
        except aiohttp.ClientError as e:
            return None, f"{type(e).__name__}: {e}"
        response.headers[ENDPOINT_HEADER] = endpoint.name
        return response, f"endpoint answered {response.status}" if response.status >= 500 else None

    def _done(self, request: web.Request, started: float, attempts: list[str], response: web.Response,
              error: str | None) -> web.Response:
        self._log.write("request", client=client_key(request), method=request.method, path=request.path,
                        endpoint=attempts[-1] if attempts else None, status=response.status,
                        ms=round((time.perf_counter() - started) * 1000, 2), attempts=attempts, error=error)
        return response
