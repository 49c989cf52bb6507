"""The dns stage's lookups, over real DNS (UDP) to a loopback name server that knows a few records."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial

import dns.message
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest

from geobot.errors import CloudError
from geobot.targets.azure.stages import resolve

ZONE = {
    ("bot.example.com.", "CNAME"): ["geobot.trafficmanager.net."],
    ("asuid.bot.example.com.", "TXT"): ['"A1B2C3"'],
}


@pytest.fixture
def resolver() -> Iterator[dns.resolver.Resolver]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                wire, peer = server.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            reply = dns.message.make_response(query)
            kind = dns.rdatatype.to_text(question.rdtype)
            records = ZONE.get((question.name.to_text(), kind))
            if records:
                reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", kind, *records))
            elif not any(name == question.name.to_text() for name, _ in ZONE):
                reply.set_rcode(dns.rcode.NXDOMAIN)
            server.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = server.getsockname()[1]
    yield resolver
    stop.set()
    thread.join()
    server.close()


def test_a_cname_and_a_txt_record_are_read_as_the_stage_compares_them(resolver: dns.resolver.Resolver) -> None:
    lookup = partial(resolve, resolver=resolver)
    assert lookup("bot.example.com", "CNAME") == ["geobot.trafficmanager.net."]
    assert lookup("asuid.bot.example.com", "TXT") == ["A1B2C3"]


def test_a_missing_record_or_name_is_no_answer_not_an_error(resolver: dns.resolver.Resolver) -> None:
    lookup = partial(resolve, resolver=resolver)
    assert lookup("bot.example.com", "TXT") == []
    assert lookup("nothing.example.com", "CNAME") == []


def test_an_unreachable_name_server_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = silent.getsockname()[1]
        with pytest.raises(CloudError, match="cannot look up CNAME bot.example.com"):
            resolve("bot.example.com", "CNAME", resolver=resolver, lifetime=0.3)
