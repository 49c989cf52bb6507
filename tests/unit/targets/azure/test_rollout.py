"""Traffic Manager as the rollout's rotation, through azure-mgmt-trafficmanager against the contracts.

Contracts: trafficmanager/Endpoints_Get (2026-09-01, official) for reads and for the answer to
enabling (it is Enabled); trafficmanager/Endpoints_Update_Disabled.derived for disabling (the
spec's PATCH of an endpoint with only endpointStatus; no official example sets the status);
arm-errors/Conflict_409 and TooManyRequests_429 (Retry-After shrunk to tenths of a second);
trafficmanager/Profiles_Get for which regions serve.
"""

from __future__ import annotations

import copy

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.errors import AzureConflict
from geobot.targets.azure.rollout import IN_FLIGHT, TrafficManagerRotation
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.conftest import FAST, SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract
from tests.unit.targets.azure.test_trafficmanager import PROFILE_URL, profile

API = contract("trafficmanager/Endpoints_Get")["parameters"]["api-version"]
ENDPOINT_URL = (
    f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global/providers"
    f"/Microsoft.Network/trafficmanagerprofiles/geobot-tm/AzureEndpoints/geobot-eastus?api-version={API}"
)
ENDPOINTS = {"eastus": "geobot-eastus", "westeurope": "geobot-westeurope"}


def endpoint(status: str = "Enabled", monitor: str = "CheckingEndpoint") -> Reply:
    body = copy.deepcopy(contract("trafficmanager/Endpoints_Get")["responses"]["200"]["body"])
    body["properties"].update(endpointStatus=status, endpointMonitorStatus=monitor)
    return Reply(200, body)


def patch(status: str, reply: Reply) -> Exchange:
    return Exchange("PATCH", ENDPOINT_URL, reply, json={"properties": {"endpointStatus": status}})


def conflict() -> Reply:
    return Reply.of("arm-errors/Conflict_409.derived", 409)


def throttled(seconds: str) -> Reply:
    reply = Reply.of("arm-errors/TooManyRequests_429.derived", 429)
    return Reply(429, reply.body, {**reply.headers, "Retry-After": seconds})


@pytest.fixture
def rotation(session: AzureSession) -> TrafficManagerRotation:
    return TrafficManagerRotation(session, "rg-geobot-global", "geobot-tm", ENDPOINTS, online_timeout=30, poll=0)


def test_taking_a_region_out_disables_its_endpoint_and_azure_confirms_it(
        azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(patch("Disabled", Reply.of("trafficmanager/Endpoints_Update_Disabled.derived", 200)))
    rotation.take_out("eastus")


def test_putting_it_back_enables_it_and_waits_for_the_probes_to_find_it_online(
        azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(
        patch("Enabled", Reply.of("trafficmanager/Endpoints_Get", 200)),
        Exchange("GET", ENDPOINT_URL, endpoint(monitor="CheckingEndpoint")),
        Exchange("GET", ENDPOINT_URL, endpoint(monitor="Online")),
    )
    rotation.put_back("eastus")


def test_whether_a_region_is_out_is_its_endpoints_status(azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(Exchange("GET", ENDPOINT_URL, endpoint(status="Disabled", monitor="Disabled")),
                 Exchange("GET", ENDPOINT_URL, endpoint()))
    assert rotation.is_out("eastus") and not rotation.is_out("eastus")


def test_the_regions_serving_are_those_online_in_the_profile(azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(Exchange("GET", PROFILE_URL, profile(**{"geobot-eastus": "Disabled", "geobot-westeurope": "Online"})))
    assert rotation.serving() == ["westeurope"]


def test_a_conflict_is_tried_again_after_a_pause(azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(patch("Disabled", conflict()),
                 patch("Disabled", Reply.of("trafficmanager/Endpoints_Update_Disabled.derived", 200)))
    rotation.take_out("eastus")


def test_a_conflict_that_persists_stops_the_rollout_naming_the_endpoint(
        azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(*[patch("Disabled", conflict()) for _ in range(FAST.propagation_attempts + 1)])
    with pytest.raises(AzureConflict) as raised:
        rotation.take_out("eastus")
    assert raised.value.message.startswith("conflict, cannot disable Traffic Manager endpoint 'geobot-eastus' (409 Conflict)")


def test_throttling_is_waited_out_as_retry_after_says(azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(patch("Disabled", throttled("0.1")),
                 patch("Disabled", Reply.of("trafficmanager/Endpoints_Update_Disabled.derived", 200)))
    rotation.take_out("eastus")
    first, second = azure.answered()
    assert second.at - first.at >= 0.1


def test_an_answer_with_another_status_is_not_taken_as_out(azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(patch("Disabled", Reply.of("trafficmanager/Endpoints_Get", 200)))
    with pytest.raises(CloudError, match="answered endpointStatus Enabled to disable"):
        rotation.take_out("eastus")


def test_the_drain_is_the_profiles_dns_ttl_plus_the_turns_in_flight(
        azure: ContractServer, rotation: TrafficManagerRotation) -> None:
    azure.expect(Exchange("GET", PROFILE_URL, Reply.of("trafficmanager/Profiles_Get", 200)))  # dnsConfig.ttl 35
    assert rotation.drain() == 35 + IN_FLIGHT
