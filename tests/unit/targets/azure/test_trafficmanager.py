"""Traffic Manager: the profile GET of azure-mgmt-trafficmanager against Profiles_Get, and the wait.

Contract: trafficmanager/Profiles_Get.json (2026-09-01, Profile-GET-WithoutRecordType). Every
example shows CheckingEndpoint, so the waits serve copies with the status changed (the
contracts README suggests exactly that); the endpoint names are geobot's.

The DNS name check: Profiles_CheckTrafficManagerRelativeDnsNameAvailability_available
(2026-09-01); its unavailable case is recorded only at 2022-04-01 (same shape), whose answer is
served to the 2026-09-01 request.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.trafficmanager import DnsName, TrafficManager, TrafficManagerNames
from tests.unit.targets.azure.conftest import SUBSCRIPTION, StaticToken
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

API = contract("trafficmanager/Profiles_Get")["parameters"]["api-version"]
PROFILE_URL = (  # the path as the spec (and the SDK) spell it: trafficmanagerprofiles
    f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global"
    f"/providers/Microsoft.Network/trafficmanagerprofiles/geobot-tm?api-version={API}"
)

CHECK = "trafficmanager/Profiles_CheckTrafficManagerRelativeDnsNameAvailability"
CHECK_URL = (  # not under the subscription: the name is global
    "https://management.azure.com/providers/Microsoft.Network/checkTrafficManagerNameAvailability"
    f"?api-version={contract(CHECK + '_available')['parameters']['api-version']}"
)


def profile(**statuses: str) -> Reply:
    """Profiles_Get's answer with one endpoint per keyword (name=status), in that order."""
    body: dict[str, Any] = contract("trafficmanager/Profiles_Get")["responses"]["200"]["body"]
    recorded = body["properties"]["endpoints"][0]
    endpoints = []
    for name, status in statuses.items():
        endpoint = copy.deepcopy(recorded)
        endpoint["name"] = name
        endpoint["properties"]["endpointMonitorStatus"] = status
        endpoints.append(endpoint)
    body["properties"]["endpoints"] = endpoints
    return Reply(200, body)


def get(reply: Reply, repeat: bool = False) -> Exchange:
    return Exchange("GET", PROFILE_URL, reply, repeat=repeat)


def test_read_gets_the_profile_with_a_token_for_arm(
    azure: ContractServer, session: AzureSession, credential: StaticToken
) -> None:
    azure.expect(get(Reply.of("trafficmanager/Profiles_Get", 200)))
    status = TrafficManager(session, "rg-geobot-global", "geobot-tm").read()
    assert status.fqdn == "azuresdkfornetautoresttrafficmanager3880.tmpreview.watmtest.azure-test.net"
    assert status.monitor_status == "CheckingEndpoints"
    assert status.statuses() == {"My external endpoint": "CheckingEndpoint"}
    assert status.endpoints[0].target == "foobar.contoso.com"
    assert status.endpoints[0].location == "North Europe"
    assert set(credential.scopes) == {"https://management.azure.com/.default"}


def test_wait_online_follows_the_statuses_until_every_endpoint_is_online(
    azure: ContractServer, session: AzureSession
) -> None:
    azure.expect(
        get(profile(**{"geobot-eastus": "CheckingEndpoint", "geobot-westeurope": "CheckingEndpoint"})),
        get(profile(**{"geobot-eastus": "Online", "geobot-westeurope": "Degraded"})),
        get(profile(**{"geobot-eastus": "Online", "geobot-westeurope": "Degraded"})),
        get(profile(**{"geobot-eastus": "Online", "geobot-westeurope": "Online"})),
    )
    changes: list[dict[str, str]] = []
    status = TrafficManager(session, "rg-geobot-global", "geobot-tm").wait_online(
        timeout=30, poll=0.01, on_change=lambda now: changes.append(dict(now)), expect=["geobot-eastus"]
    )
    assert status.statuses() == {"geobot-eastus": "Online", "geobot-westeurope": "Online"}
    assert changes == [
        {"geobot-eastus": "CheckingEndpoint", "geobot-westeurope": "CheckingEndpoint"},
        {"geobot-eastus": "Online", "geobot-westeurope": "Degraded"},
        {"geobot-eastus": "Online", "geobot-westeurope": "Online"},
    ]
    assert len(azure.answered()) == 4  # it stopped polling at the first all-Online answer


def test_a_timeout_stops_the_wait_naming_each_endpoint_not_online_and_why(
    azure: ContractServer, session: AzureSession
) -> None:
    azure.expect(get(profile(**{"geobot-eastus": "Online", "geobot-westeurope": "Degraded"}), repeat=True))
    started = time.monotonic()
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, "rg-geobot-global", "geobot-tm").wait_online(timeout=0.2, poll=0.05)
    elapsed = time.monotonic() - started
    assert raised.value.message == (
        "Traffic Manager profile 'geobot-tm': not every endpoint is Online after 0.2 s: "
        "geobot-westeurope is Degraded (its health probes fail)"
    )
    assert "/api/health" in raised.value.hint and raised.value.exit_code == 1
    assert 0.2 <= elapsed < 1.5  # it gave up at the deadline, not before and not much later
    assert 2 <= len(azure.answered()) <= 0.2 / 0.05 + 2


def test_an_expected_endpoint_missing_from_the_profile_is_never_online(
    azure: ContractServer, session: AzureSession
) -> None:
    azure.expect(get(profile(**{"geobot-eastus": "Online"}), repeat=True))
    with pytest.raises(CloudError, match="geobot-westeurope is Absent \\(the profile has no such endpoint\\)"):
        TrafficManager(session, "rg-geobot-global", "geobot-tm").wait_online(
            timeout=0.05, poll=0.02, expect=["geobot-eastus", "geobot-westeurope"]
        )


def test_a_profile_without_endpoints_is_not_online(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(get(profile(), repeat=True))
    with pytest.raises(CloudError, match="the profile has no endpoints"):
        TrafficManager(session, "rg-geobot-global", "geobot-tm").wait_online(timeout=0.05, poll=0.02)


def test_stopped_and_checking_endpoints_get_their_reasons(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(get(profile(**{"geobot-eastus": "Stopped", "geobot-westeurope": "CheckingEndpoint"}), repeat=True))
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, "rg-geobot-global", "geobot-tm").wait_online(timeout=0.01, poll=0.01)
    assert raised.value.message.endswith(
        "geobot-eastus is Stopped (its web app is stopped, or its plan is below Standard); "
        "geobot-westeurope is CheckingEndpoint (the first health probes have not finished)"
    )


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("_available", DnsName(True, "")),
        (
            "_unavailable.2022-04-01",
            DnsName(
                False,
                "Domain name azsmnet4696.tmpreview.watmtest.azure-test.net already exists. "
                "Please choose a different DNS prefix.",
            ),
        ),
    ],
)
def test_the_dns_name_check_posts_the_name_and_type(
    azure: ContractServer, session: AzureSession, recorded: str, expected: DnsName
) -> None:
    name = contract(CHECK + recorded)["parameters"]["parameters"]["name"]
    azure.expect(
        Exchange(
            "POST",
            CHECK_URL,
            Reply.of(CHECK + recorded, 200),
            json=contract(CHECK + recorded)["parameters"]["parameters"],
        )
    )
    assert TrafficManagerNames(session).dns_name_available(name) == expected
