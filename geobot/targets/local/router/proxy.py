"""Forwarding one request to a regional endpoint, the DNS way or the Front Door way.

DNS mode (`retry: false`) sends the request where the client's cached answer points and
hands back whatever happens, as a client that resolved the name would see it. Retry mode
tries the candidates in preference order, each at most once, until one answers below 500.
Hop-by-hop headers are dropped both ways; other headers and bodies pass through as raw
bytes (no decompression, no re-encoding). Every forwarded request is one `request` event in
the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from geobot.targets.local.router.http1 import Headers, Request, Response
from geobot.targets.local.router.log import EventLog
from geobot.targets.local.router.settings import Endpoint
from geobot.targets.local.router.upstream import Address, Upstreams

# hop-by-hop headers (RFC 9110 7.6.1), the framing and Host headers that each hop sets for
# itself, and Expect, which the listener answers itself
NOT_FORWARDED = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization",
                           b"proxy-connection", b"te", b"trailer", b"trailers", b"transfer-encoding", b"upgrade",
                           b"content-length", b"host", b"expect"})
REPLACED = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})  # set by the router
CLIENT_HEADER = b"x-geobot-client"
ENDPOINT_HEADER = b"X-Geobot-Endpoint"

# (response, None) on success; (5xx response or None, why) on a failure
Outcome = tuple[Response | None, str | None]


def client_key(request: Request) -> str:
    """Who a resolver would answer: the client's own label if it sent one, else its address."""
    label = request.header(CLIENT_HEADER)
    return label.decode("latin-1") if label else request.remote or "unknown"


def _end_to_end(headers: Headers) -> Headers:
    listed = {token.strip().lower() for name, value in headers if name.lower() == b"connection"
              for token in value.split(b",")}
    return [(n, v) for n, v in headers if (lower := n.lower()) not in NOT_FORWARDED and lower not in listed]


def _error(status: int, message: str, attempts: list[str]) -> Response:
    return Response.json({"error": message, "attempts": attempts}, status)


def _upstream_request(request: Request, address: Address) -> bytes:
    """The request as the endpoint gets it: end-to-end headers plus X-Forwarded-*, and the body."""
    headers = _end_to_end(request.headers)
    peer = (request.remote or "unknown").encode()
    forwarded_for = request.header(b"x-forwarded-for")
    lines = [b"%s %s%s HTTP/1.1" % (request.method.encode(), address.base, request.target),
             b"Host: " + address.authority]
    lines += [name + b": " + value for name, value in headers if name.lower() not in REPLACED]
    lines += [b"X-Forwarded-For: " + (forwarded_for + b", " + peer if forwarded_for else peer),
              b"X-Forwarded-Proto: " + request.scheme.encode(),
              b"X-Forwarded-Host: " + (request.header(b"host") or b""),
              b"Content-Length: %d" % len(request.body)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.body


class Forwarder:
    """Sends requests upstream over pooled keep-alive connections and logs each outcome."""

    def __init__(self, upstreams: Upstreams, log: EventLog, timeout: Callable[[], float]) -> None:
        self._upstreams = upstreams
        self._log = log
        self._timeout = timeout

    async def once(self, request: Request, endpoint: Endpoint | None) -> Response:
        """DNS mode: one attempt at the client's endpoint; a failure goes back to the client."""
        started = time.perf_counter()
        if endpoint is None:
            return self._done(request, started, [], _error(503, "no endpoint is available", []), "no endpoint")
        response, error = await self._attempt(request, endpoint)
        if response is None:
            status = 504 if error == "timeout" else 502
            response = _error(status, f"endpoint {endpoint.name}: {error}", [endpoint.name])
        return self._done(request, started, [endpoint.name], response, error)

    async def retrying(self, request: Request, endpoints: list[Endpoint]) -> Response:
        """Retry mode: each candidate in turn until one answers below 500."""
        started = time.perf_counter()
        attempts: list[str] = []
        outcome: Outcome = (None, "no endpoint")
        for endpoint in endpoints:
            attempts.append(endpoint.name)
            outcome = await self._attempt(request, endpoint)
            if outcome[1] is None:
                break
        response, error = outcome
        if response is None:
            status = 503 if not attempts else 502
            response = _error(status, "no endpoint answered" if attempts else "no endpoint is available", attempts)
        return self._done(request, started, attempts, response, error)

    async def _attempt(self, request: Request, endpoint: Endpoint) -> Outcome:
        address = Address.of(endpoint.url)
        head = request.method == "HEAD"
        try:
            answer = await self._upstreams.send(address, _upstream_request(request, address), self._timeout(), head)
        except TimeoutError:
            return None, "timeout"
        except OSError as e:  # refused, reset, closed before answering, malformed answer
            return None, f"{type(e).__name__}: {e}"
        headers = _end_to_end(answer.headers)
        length = next((v for n, v in answer.headers if n.lower() == b"content-length"), None) if head else None
        headers.append((ENDPOINT_HEADER, endpoint.name.encode()))
        response = Response(answer.status, headers, answer.body, answer.reason, length)
        return response, f"endpoint answered {response.status}" if response.status >= 500 else None

    def _done(self, request: Request, started: float, attempts: list[str], response: Response,
              error: str | None) -> Response:
        self._log.write("request", client=client_key(request), method=request.method, path=request.path,
                        endpoint=attempts[-1] if attempts else None, status=response.status,
                        ms=round((time.perf_counter() - started) * 1000, 2), attempts=attempts, error=error)
        return response
