"""Small loopback HTTP(S) servers for tests: a handler class on port 0, TLS from a trustme CA when given."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler with a JSON answer."""

    protocol_version = "HTTP/1.1"

    def answer(self, status: int, body: Any, reason: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests assert on what was answered."""


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], ca: Any = None) -> Iterator[int]:
    """Serve `handler` on 127.0.0.1 (HTTPS with a certificate from trustme `ca`, if given); yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if ca is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
