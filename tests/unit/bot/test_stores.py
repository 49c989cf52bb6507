"""The Cosmos DB store with the real azure-cosmos SDK against the recorded account's regions.

The account has one write region (terraform/azure): each region's bot must read its own
replica and send every write to the write region, where `If-Match` is checked against the
one authoritative copy; even on an account with several write regions the store keeps
writing to one, so a stale ETag can never win in another region.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import pytest

from geobot.bot.stores import preferred_locations
from geobot.targets.local.store import PreconditionFailed
from tests.unit.bot.cosmos_server import CosmosServer, recorded, single_write
from tests.unit.bot.helpers import FixedToken

pytest.importorskip("azure.cosmos", reason="the [azure] extra is not installed")
trustme = pytest.importorskip("trustme", reason="trustme makes the local TLS certificate")


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("*.documents.azure.com").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return context, str(bundle)


def run_turns(arm: dict, tls: tuple[ssl.SSLContext, str], region: str, monkeypatch: pytest.MonkeyPatch,
              regions: str = "eastus,westeurope") -> CosmosServer:
    """One region's store: create a conversation, read it, replace it, then try a stale ETag."""
    from geobot.bot.stores import CosmosStore

    context, bundle = tls
    server = CosmosServer(arm, context)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)

    def turns() -> None:
        store = CosmosStore(f"{server.url}?database=geobot&container=conversations&regions={regions}",
                            credential=FixedToken(), region=region)
        first = store.write("conversation|c1", {"turn": 1}, None)
        doc, etag = store.read("conversation|c1")
        assert (doc, etag) == ({"turn": 1}, first)
        store.write("conversation|c1", {"turn": 2}, etag)
        with pytest.raises(PreconditionFailed):
            store.write("conversation|c1", {"turn": 3}, first)

    async def scenario() -> None:
        async with server:
            monkeypatch.setattr(socket, "getaddrinfo", server.resolve(socket.getaddrinfo))
            await asyncio.to_thread(turns)

    asyncio.run(scenario())
    assert not server.violations, server.violations
    assert server.documents["conversation|c1"]["doc"] == {"turn": 2}
    return server


def test_a_region_reads_its_own_replica_first_then_the_others_in_failover_order() -> None:
    assert preferred_locations("westeurope", ["eastus", "westeurope", "northeurope"]) == [
        "westeurope", "eastus", "northeurope"]
    assert preferred_locations("eastus", []) == ["eastus"]


def test_the_secondary_region_reads_locally_and_writes_to_the_write_region(tls, monkeypatch) -> None:
    server = run_turns(single_write(recorded("DatabaseAccounts_Get_multiwrite.derived")), tls, "westeurope", monkeypatch)
    assert server.data_calls() == [
        ("eastus", "POST", ""),
        ("westeurope", "GET", "conversation|c1"),
        ("eastus", "PUT", "conversation|c1"),
        ("eastus", "PUT", "conversation|c1"),
    ]


def test_the_write_region_reads_and_writes_its_own_replica(tls, monkeypatch) -> None:
    server = run_turns(single_write(recorded("DatabaseAccounts_Get_multiwrite.derived")), tls, "eastus", monkeypatch)
    assert {region for region, _, _ in server.data_calls()} == {"eastus"}


def test_on_a_multi_write_account_every_region_still_writes_to_one_region(tls, monkeypatch) -> None:
    """If-Match protects only within one replica: a second write region would let stale turns win."""
    server = run_turns(recorded("DatabaseAccounts_Get_multiwrite.derived"), tls, "westeurope", monkeypatch)
    writes = [region for region, method, _ in server.data_calls() if method in ("POST", "PUT")]
    assert writes == ["eastus", "eastus", "eastus"]


def test_a_single_region_account_serves_every_bot_region(tls, monkeypatch) -> None:
    server = run_turns(recorded("DatabaseAccounts_Get"), tls, "westeurope", monkeypatch)
    assert {region for region, _, _ in server.data_calls()} == {"eastus"}
