"""AzureClients addresses each client from terraform/azure's outputs; no SDK import at module level."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import geobot.targets.azure as package
from geobot.targets.azure.clients import AzureClients
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply
from tests.unit.targets.azure.test_keyvault import KV_API
from tests.unit.targets.azure.test_trafficmanager import PROFILE_URL, profile


def outputs(edge: str = "trafficmanager") -> dict[str, Any]:
    """The values of `terraform output -json` for two regions (shape of terraform/azure/outputs.tf)."""
    regions = {
        name: {
            "resource_group": f"rg-geobot-{name}",
            "web_app_name": f"geobot-{name}",
            "default_hostname": f"geobot-{name}.azurewebsites.net",
            "endpoint_name": f"geobot-{name}",
        }
        for name in ("westeurope", "eastus")
    }
    return {
        "deployment": "geobot",
        "edge": edge,
        "host_name": "bot.example.com",
        "key_vault": {"id": "/subscriptions/s/...", "name": "kv-geobot", "uri": "https://kv-geobot.vault.azure.net/"},
        "bot": {"name": "geobot-bot", "resource_group": "rg-geobot-global", "id": "/subscriptions/s/..."},
        "traffic_manager": {
            "name": "geobot-tm",
            "fqdn": "geobot-tm.trafficmanager.net",
            "resource_group": "rg-geobot-global",
            "endpoints": {name: f"geobot-{name}" for name in regions},
        }
        if edge == "trafficmanager"
        else None,
        "regions": regions,
    }


def test_clients_are_addressed_by_the_outputs(session: AzureSession) -> None:
    clients = AzureClients(session, outputs())
    traffic_manager = clients.traffic_manager()
    assert traffic_manager is not None
    assert (traffic_manager.resource_group, traffic_manager.profile) == ("rg-geobot-global", "geobot-tm")
    assert clients.expected_endpoints() == {"westeurope": "geobot-westeurope", "eastus": "geobot-eastus"}
    assert clients.key_vault().url == "https://kv-geobot.vault.azure.net/"
    bot = clients.bot_service()
    assert (bot.resource_group, bot.name) == ("rg-geobot-global", "geobot-bot")
    assert clients.zip_deploy("eastus").url == "https://geobot-eastus.scm.azurewebsites.net"


def test_front_door_has_no_traffic_manager_to_wait_for(session: AzureSession) -> None:
    clients = AzureClients(session, outputs("frontdoor"))
    assert clients.traffic_manager() is None and clients.expected_endpoints() == {}


def test_the_wired_clients_reach_the_right_urls(azure: ContractServer, session: AzureSession) -> None:
    clients = AzureClients(session, outputs())
    azure.expect(
        Exchange("GET", PROFILE_URL, profile(**{"geobot-westeurope": "Online", "geobot-eastus": "Online"})),
        Exchange(
            "PUT",
            f"https://kv-geobot.vault.azure.net/secrets/acme-token?api-version={KV_API}",
            Reply.of("keyvault/SetSecret", 200),
            json={"value": "key-auth"},
        ),
    )
    traffic_manager = clients.traffic_manager()
    assert traffic_manager is not None
    traffic_manager.wait_online(timeout=1, poll=0.01, expect=clients.expected_endpoints().values())
    clients.key_vault().set_secret("acme-token", "key-auth")


def test_azure_sdks_are_imported_only_inside_functions() -> None:
    """`geobot --help` and the local target must not pay for the Azure SDKs."""
    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in tree.body:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":  # never run
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "azure"], f"{source.name}: {ast.unparse(node)}"
