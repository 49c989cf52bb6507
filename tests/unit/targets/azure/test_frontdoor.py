"""Front Door as the rollout's rotation, through azure-mgmt-cdn against the contracts.

Contracts: frontdoor/AFDOrigins_Update_Disabled.derived (the spec's PATCH of an origin with only
enabledState, at the api-version the SDK sends; the specs' only example is a 2025-09-01-preview
one changing more than the state), the same AFDOrigin body for reads (AFDOrigins_Get answers the
same model), frontdoor/OperationResults_Succeeded.derived for the long-running PATCH's status,
arm-errors/Conflict_409 and TooManyRequests_429 (Retry-After shrunk to tenths of a second).
"""

from __future__ import annotations

import copy

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.errors import AzureConflict
from geobot.targets.azure.frontdoor import API_VERSION, FrontDoorRotation
from geobot.targets.azure.rollout import IN_FLIGHT
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.conftest import FAST, SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

UPDATE = "frontdoor/AFDOrigins_Update_Disabled.derived"
PROFILE_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global/providers/Microsoft.Cdn/profiles/afd-geobot"
ORIGIN_URL = f"https://management.azure.com{PROFILE_ID}/originGroups/bots/origins/geobot-eastus?api-version={API_VERSION}"
ORIGINS = {"eastus": "geobot-eastus", "westeurope": "geobot-westeurope"}


def test_the_contract_is_at_the_api_version_the_client_pins() -> None:
    assert contract(UPDATE)["parameters"]["api-version"] == API_VERSION


def origin(state: str = "Disabled", deployment: str = "Succeeded", provisioning: str = "Succeeded",
           status: int = 200) -> Reply:
    body = copy.deepcopy(contract(UPDATE)["responses"]["200"]["body"])
    body["properties"].update(enabledState=state, deploymentStatus=deployment, provisioningState=provisioning)
    return Reply(status, body)


def patch(state: str, reply: Reply) -> Exchange:
    return Exchange("PATCH", ORIGIN_URL, reply, json={"properties": {"enabledState": state}})


def get(reply: Reply) -> Exchange:
    return Exchange("GET", ORIGIN_URL, reply)


def conflict() -> Reply:
    return Reply.of("arm-errors/Conflict_409.derived", 409)


@pytest.fixture
def rotation(session: AzureSession) -> FrontDoorRotation:
    return FrontDoorRotation(session, PROFILE_ID, "bots", ORIGINS, "fde-geobot.z01.azurefd.net", online_timeout=30, poll=0)


def test_taking_a_region_out_disables_its_origin_and_waits_until_the_edge_has_it(
        azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(patch("Disabled", Reply.of(UPDATE, 200)),
                 get(origin(deployment="InProgress")), get(origin(deployment="Succeeded")))
    rotation.take_out("eastus")


def test_a_patch_azure_accepts_for_later_is_followed_to_its_end(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    accepted = Reply.of(UPDATE, 202)
    status_url = accepted.headers["azure-asyncoperation"]
    azure.expect(patch("Disabled", accepted),
                 Exchange("GET", status_url, Reply.of("frontdoor/OperationResults_Succeeded.derived", 200)),
                 get(origin()),  # the operation's result: the origin as it is now
                 get(origin()))  # deployed to the edge
    rotation.take_out("eastus")


def test_putting_it_back_enables_it(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(patch("Enabled", origin("Enabled")), get(origin("Enabled")))
    rotation.put_back("eastus")


def test_whether_a_region_is_out_is_its_origins_enabled_state(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(get(origin("Disabled")), get(origin("Enabled")))
    assert rotation.is_out("eastus") and not rotation.is_out("eastus")


def test_the_drain_is_the_turns_in_flight_only(rotation: FrontDoorRotation) -> None:
    assert rotation.drain() == IN_FLIGHT


def test_a_conflict_is_tried_again_after_a_pause(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(patch("Disabled", conflict()), patch("Disabled", Reply.of(UPDATE, 200)), get(origin()))
    rotation.take_out("eastus")


def test_a_conflict_that_persists_stops_the_rollout_naming_the_origin(
        azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(*[patch("Disabled", conflict()) for _ in range(FAST.propagation_attempts + 1)])
    with pytest.raises(AzureConflict) as raised:
        rotation.take_out("eastus")
    assert raised.value.message.startswith("conflict, cannot disable Front Door origin 'geobot-eastus' (409 Conflict)")


def test_throttling_is_waited_out_as_retry_after_says(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    throttled = Reply.of("arm-errors/TooManyRequests_429.derived", 429)
    azure.expect(patch("Disabled", Reply(429, throttled.body, {**throttled.headers, "Retry-After": "0.1"})),
                 patch("Disabled", Reply.of(UPDATE, 200)), get(origin()))
    rotation.take_out("eastus")
    first, second = azure.answered()[:2]
    assert second.at - first.at >= 0.1


def test_an_answer_with_another_state_is_not_taken_as_out(azure: ContractServer, rotation: FrontDoorRotation) -> None:
    azure.expect(patch("Disabled", origin("Enabled")))
    with pytest.raises(CloudError, match="answered enabledState Enabled to disable"):
        rotation.take_out("eastus")
