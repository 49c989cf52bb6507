"""Resource providers: azure-mgmt-resource's list, register and get against the recorded contracts.

Contracts: resources/Providers_List.json (2024-11-01, official GetProviders example, with one
provider Registered, one Registering and one NotRegistered) and Providers_Register.derived.json
(no official example exists). There is no Providers_Get example either; the contracts README
says it answers one element of Providers_List's `value`, so the polls serve such an element.
The list answers below are the recorded one with geobot's namespaces put into copies of the
recorded elements of the wanted state. Error bodies: arm-errors/*.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.errors import SIGN_IN_HINT, AzureConflict
from geobot.targets.azure.providers import ProviderRegistration, Providers, required_providers
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.conftest import FAST, SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract
from tests.unit.targets.azure.test_errors import gaps, throttled

API = contract("resources/Providers_List")["parameters"]["api-version"]
PROVIDERS = f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/providers"
NEEDED = required_providers(front_door=False)


def recorded(state: str) -> dict[str, Any]:
    """The recorded Providers_List element in `state` (a fresh copy)."""
    listed = contract("resources/Providers_List")["responses"]["200"]["body"]["value"]
    return copy.deepcopy(next(p for p in listed if p["registrationState"] == state))


def provider(namespace: str, state: str) -> dict[str, Any]:
    element = recorded(state)
    element["namespace"] = namespace
    element["id"] = f"/subscriptions/{SUBSCRIPTION}/providers/{namespace}"
    return element


def listing(**states: str) -> Reply:
    """Providers_List's answer: the recorded providers, and each of NEEDED Registered unless in `states`."""
    body = contract("resources/Providers_List")["responses"]["200"]["body"]
    body["value"] += [provider(ns, states.get(ns, "Registered")) for ns in NEEDED]
    return Reply(200, body)


def list_providers(reply: Reply) -> Exchange:
    return Exchange("GET", f"{PROVIDERS}?api-version={API}", reply)


def register(namespace: str, reply: Reply | None = None) -> Exchange:
    if reply is None:
        reply = Reply.of("resources/Providers_Register.derived", 200)
        reply.body |= {"namespace": namespace, "id": f"/subscriptions/{SUBSCRIPTION}/providers/{namespace}"}
    return Exchange("POST", f"{PROVIDERS}/{namespace}/register?api-version={API}", reply)


def get(namespace: str, state: str, repeat: bool = False) -> Exchange:
    return Exchange(
        "GET", f"{PROVIDERS}/{namespace}?api-version={API}", Reply(200, provider(namespace, state)), repeat=repeat
    )


def test_the_providers_geobot_needs_and_cdn_only_for_front_door() -> None:
    assert NEEDED == (
        "Microsoft.BotService",
        "Microsoft.CognitiveServices",
        "Microsoft.DocumentDB",
        "microsoft.insights",
        "Microsoft.KeyVault",
        "Microsoft.ManagedIdentity",
        "Microsoft.Network",
        "Microsoft.OperationalInsights",
        "Microsoft.Web",
    )
    assert set(required_providers(front_door=True)) - set(NEEDED) == {"Microsoft.Cdn"}
    assert set(required_providers(front_door=False, blob_state=True)) - set(NEEDED) == {"Microsoft.Storage"}
    assert "Microsoft.Storage" not in NEEDED


def test_the_missing_ones_are_registered_and_waited_for(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(
        list_providers(listing(**{"Microsoft.BotService": "NotRegistered", "Microsoft.Web": "Registering"})),
        register("Microsoft.BotService"),  # not Microsoft.Web: it is already on its way
        get("Microsoft.BotService", "Registering"),
        get("Microsoft.Web", "Registered"),
        get("Microsoft.BotService", "Registered"),
    )
    done = Providers(session).ensure_registered(NEEDED, timeout=10, poll=0.01)
    assert done == ProviderRegistration(
        already=tuple(ns for ns in NEEDED if ns not in ("Microsoft.BotService", "Microsoft.Web")),
        registered=("Microsoft.BotService", "Microsoft.Web"),
    )
    assert azure.answered()[1].body == b""  # no third-party consent or other properties


def test_nothing_is_registered_when_everything_is(azure: ContractServer, session: AzureSession) -> None:
    reply = listing()
    insights = next(p for p in reply.body["value"] if p["namespace"] == "microsoft.insights")
    insights["namespace"] = "Microsoft.Insights"  # namespaces are case-insensitive
    azure.expect(list_providers(reply))
    assert Providers(session).ensure_registered(NEEDED) == ProviderRegistration(NEEDED, ())


def test_a_provider_the_list_does_not_show_is_registered(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(list_providers(listing()), register("Microsoft.Cdn"), get("Microsoft.Cdn", "Registered"))
    done = Providers(session).ensure_registered(required_providers(front_door=True), timeout=10, poll=0.01)
    assert done.registered == ("Microsoft.Cdn",)


def test_a_registration_that_does_not_finish_stops_naming_the_provider(
    azure: ContractServer, session: AzureSession
) -> None:
    azure.expect(
        list_providers(listing(**{"Microsoft.DocumentDB": "NotRegistered"})),
        register("Microsoft.DocumentDB"),
        get("Microsoft.DocumentDB", "Registering", repeat=True),
    )
    with pytest.raises(CloudError) as raised:
        Providers(session).ensure_registered(NEEDED, timeout=0.1, poll=0.02)
    assert raised.value.message == "resource providers not Registered after 0.1 s: Microsoft.DocumentDB (Registering)"
    assert "`az provider show --namespace Microsoft.DocumentDB`" in raised.value.hint
    assert 2 <= len(azure.answered()) - 2 <= 0.1 / 0.02 + 2  # polled until the deadline, then stopped


def test_403_on_register_names_the_register_action_and_the_az_command(
    azure: ContractServer, session: AzureSession
) -> None:
    denied = Reply.of("arm-errors/AuthorizationFailed_403.derived", 403)
    denied.body["error"]["message"] = (
        "The client 'user@example.com' with object id '00000000-0000-0000-0000-000000000000' does not have "
        "authorization to perform action 'Microsoft.BotService/register/action' over scope "
        f"'/subscriptions/{SUBSCRIPTION}' or the scope is invalid. "
        "If access was recently granted, please refresh your credentials."
    )
    azure.expect(
        list_providers(listing(**{"Microsoft.BotService": "NotRegistered"})), register("Microsoft.BotService", denied)
    )
    with pytest.raises(CloudError) as raised:
        Providers(session).ensure_registered(NEEDED)
    assert raised.value.message == (
        "permission denied to register resource provider 'Microsoft.BotService': "
        "missing permission 'Microsoft.BotService/register/action'"
    )
    assert raised.value.hint == (
        f"registering needs 'Microsoft.BotService/register/action' on subscription {SUBSCRIPTION} "
        "(e.g. the role 'Contributor'); or have someone who has it run "
        f"`az provider register --namespace Microsoft.BotService --subscription {SUBSCRIPTION}`"
    )


def test_401_on_the_list_means_sign_in_again(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(list_providers(Reply.of("arm-errors/InvalidAuthenticationToken_401.derived", 401)))
    with pytest.raises(CloudError) as raised:
        Providers(session).ensure_registered(NEEDED)
    assert raised.value.message.startswith(
        f"not signed in to Azure: refused to read the resource providers of subscription {SUBSCRIPTION} (401 "
    )
    assert raised.value.hint == SIGN_IN_HINT


def test_409_on_register_is_a_conflict(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(
        list_providers(listing(**{"Microsoft.Web": "NotRegistered"})),
        register("Microsoft.Web", Reply.of("arm-errors/Conflict_409.derived", 409)),
    )
    with pytest.raises(AzureConflict, match="^conflict, cannot register resource provider 'Microsoft.Web' \\(409"):
        Providers(session).ensure_registered(NEEDED)


def test_a_throttled_register_waits_as_long_as_retry_after_says(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(
        list_providers(listing(**{"Microsoft.KeyVault": "NotRegistered"})),
        register("Microsoft.KeyVault", throttled("0.3")),
        register("Microsoft.KeyVault"),
        get("Microsoft.KeyVault", "Registered"),
    )
    assert Providers(session).ensure_registered(NEEDED, poll=0.01).registered == ("Microsoft.KeyVault",)
    assert gaps(azure)[1] >= 0.3


def test_a_register_that_keeps_failing_with_5xx_is_a_cloud_error(azure: ContractServer, session: AzureSession) -> None:
    unavailable = Reply.of("arm-errors/ServiceUnavailable_503.derived", 503)
    azure.expect(
        list_providers(listing(**{"Microsoft.Network": "NotRegistered"})),
        *[register("Microsoft.Network", unavailable) for _ in range(FAST.attempts + 1)],
    )
    with pytest.raises(CloudError) as raised:
        Providers(session).ensure_registered(NEEDED)
    assert raised.value.message.startswith(
        "Azure failed to register resource provider 'Microsoft.Network' (503 ServiceUnavailable)"
    )
