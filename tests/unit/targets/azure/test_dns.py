"""The dns stage's lookups, over real DNS (UDP) to the loopback name server GEOBOT_DNS_RESOLVER names."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from functools import partial

import dns.resolver
import pytest

from geobot.errors import CloudError, InputError
from geobot.targets.azure.stages import RESOLVER, resolve, resolver_for
from tests.azure_rehearsal.dns import nameserver


@pytest.fixture
def resolver() -> Iterator[dns.resolver.Resolver]:
    """The name server GEOBOT_DNS_RESOLVER names, knowing the records the domain's owner created."""
    with nameserver() as server:
        server.add("CNAME", "bot.example.com", "geobot.trafficmanager.net.")
        server.add("TXT", "asuid.bot.example.com", "A1B2C3")
        yield resolver_for({RESOLVER: server.address})


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
        resolver = resolver_for({RESOLVER: f"127.0.0.1:{silent.getsockname()[1]}"})
        with pytest.raises(CloudError, match="cannot look up CNAME bot.example.com"):
            resolve("bot.example.com", "CNAME", resolver=resolver, lifetime=0.3)


def test_without_geobot_dns_resolver_the_system_resolver_is_used() -> None:
    assert resolver_for({}) is None


def test_a_bad_geobot_dns_resolver_is_bad_input() -> None:
    with pytest.raises(InputError, match="GEOBOT_DNS_RESOLVER = '1.1.1.1:dns': the port is not a number"):
        resolver_for({RESOLVER: "1.1.1.1:dns"})
