"""The custom domain's public DNS as its owner configured it: a loopback UDP nameserver.

geobot's dns stage asks it (GEOBOT_DNS_RESOLVER) for the CNAME and TXT records the
infrastructure outputs name; a test creates them with `add()`, as the domain's owner would at
their DNS provider, and a record nobody created is NXDOMAIN.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class Nameserver:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def add(self, kind: str, name: str, value: str) -> None:
        self.records.setdefault((name.rstrip(".").lower(), kind), []).append(value)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            answer = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            kind = dns.rdatatype.to_text(question.rdtype)
            values = self.records.get((name, kind), [])
            if values:
                texts = [f'"{v}"' if kind == "TXT" else (v if v.endswith(".") else f"{v}.") for v in values]
                answer.answer.append(dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, kind, texts))
            elif not any(n == name for n, _ in self.records):
                answer.set_rcode(dns.rcode.NXDOMAIN)
            self._socket.sendto(answer.to_wire(), peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()


@contextmanager
def nameserver() -> Iterator[Nameserver]:
    server = Nameserver()
    try:
        yield server
    finally:
        server.close()
