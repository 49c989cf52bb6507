"""A loopback HTTPS server that answers only what the recorded Azure contracts allow.

Each test lists the exchanges it expects, in order: method, exact URL (host, path and every
query parameter, so the api-version too), the bearer token, the body, and the recorded answer
from `contracts/`. A request that differs from the next expected one gets a 400 and is
recorded as a violation; `verify()` (run after every test) fails the test on any violation or
on an expected exchange that never came. Key Vault's token-less first request of its
challenge handshake is answered with the recorded 401 challenge and must carry no body.

The production URLs are used unchanged (`https://management.azure.com/...`,
`https://<vault>.vault.azure.net/...`): the `azure` fixture resolves those host names to this
server and trusts its test CA through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

CONTRACTS = Path(__file__).parent / "contracts"
TOKEN = "contract-test-token"


def contract(name: str) -> dict[str, Any]:
    """One recorded contract, e.g. `contract("keyvault/SetSecret")`."""
    return json.loads((CONTRACTS / f"{name}.json").read_text())


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, status: int) -> Reply:
        """The recorded response `status` of contract `name` (a fresh copy, safe to change)."""
        recorded = contract(name)["responses"][str(status)]
        return cls(status, recorded.get("body"), recorded.get("headers", {}))

    def encoded(self) -> bytes:
        if self.body is None or self.body == "":
            return b""
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Exchange:
    """One expected request and its answer. `json` (or `body` for raw bytes) is the exact body.

    A `repeat` exchange answers every further request once reached (polls of unknown count);
    it must be reached at least once.
    """

    method: str
    url: str
    reply: Reply
    json: Any = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    repeat: bool = False
    used: int = 0


@dataclass
class Seen:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    at: float
    challenge: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


class ContractServer:
    def __init__(self, ca: trustme.CA, hosts: list[str]) -> None:
        self.expected: list[Exchange] = []
        self.seen: list[Seen] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(*hosts).configure_cert(context)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def expect(self, *exchanges: Exchange) -> None:
        self.expected.extend(exchanges)

    def answered(self) -> list[Seen]:
        """The requests other than Key Vault's challenge handshake."""
        return [s for s in self.seen if not s.challenge]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def verify(self) -> None:
        assert not self.violations, "requests broke the contract:\n" + "\n".join(self.violations)
        missing = [(e.method, e.url) for e in self.expected if not (e.repeat and e.used)]
        assert not missing, f"expected requests never came: {missing}"

    def answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            if _is_challenge(seen):
                seen.challenge = True
                return Reply.of("keyvault/Error_401_Challenge.derived", 401)
            if not self.expected:
                return self._violate(seen, "no request was expected")
            wanted = self.expected[0] if self.expected[0].repeat else self.expected.pop(0)
            wanted.used += 1
            problem = _mismatch(wanted, seen)
            return self._violate(seen, problem) if problem else wanted.reply

    def _violate(self, seen: Seen, problem: str) -> Reply:
        self.violations.append(f"{seen.method} {seen.url}: {problem}")
        return Reply(400, {"error": {"code": "ContractViolation", "message": problem}})


def _is_challenge(seen: Seen) -> bool:
    """Key Vault's SDK elicits the challenge with a token-less, body-less copy of the request."""
    vault = urlsplit(seen.url).hostname or ""
    return vault.endswith(".vault.azure.net") and "authorization" not in seen.headers and not seen.body


def _mismatch(wanted: Exchange, seen: Seen) -> str:
    if seen.method != wanted.method:
        return f"method {seen.method}, contract says {wanted.method}"
    got, want = urlsplit(seen.url), urlsplit(wanted.url)
    if (got.hostname, unquote(got.path)) != (want.hostname, unquote(want.path)):
        return f"URL {got.hostname}{unquote(got.path)}, contract says {want.hostname}{unquote(want.path)}"
    if parse_qs(got.query) != parse_qs(want.query):
        return f"query {parse_qs(got.query)}, contract says {parse_qs(want.query)}"
    if seen.headers.get("authorization") != f"Bearer {TOKEN}":
        return f"Authorization {seen.headers.get('authorization')!r}, expected the bearer token"
    for name, value in wanted.headers.items():
        if seen.headers.get(name.lower(), "").split(";")[0] != value:
            return f"header {name}: {seen.headers.get(name.lower())!r}, contract says {value!r}"
    if wanted.json is not None:
        try:
            body = json.loads(seen.body)
        except ValueError:
            return f"body is not JSON: {seen.body[:80]!r}"
        if body != wanted.json:
            return f"body {body}, contract says {wanted.json}"
    elif seen.body != wanted.body:
        return f"body of {len(seen.body)} bytes differs from the {len(wanted.body)} expected"
    return ""


def _handler(server: ContractServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            host = self.headers.get("Host", "").split(":")[0]
            seen = Seen(
                self.command,
                f"https://{host}{self.path}",
                {k.lower(): v for k, v in self.headers.items()},
                body,
                time.monotonic(),
            )
            reply = server.answer(seen)
            data = reply.encoded()
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if data and not any(n.lower() == "content-type" for n in reply.headers):
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: violations are reported by verify()."""

    return Handler
