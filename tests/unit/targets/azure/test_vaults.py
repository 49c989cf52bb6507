"""Key Vault names: azure-mgmt-keyvault's name check, deleted-vault list and purge against the contracts.

Contracts: keyvault-mgmt/Vaults_CheckNameAvailability, Vaults_ListDeleted, Vaults_PurgeDeleted
(2026-02-01, official examples). The only recorded name check answers `nameAvailable: true`;
the unavailable answers add `reason` (AlreadyExists or AccountNameInvalid) and `message`, as
the contracts README documents, with message texts as quoted from live responses (Az
PowerShell's Test-AzKeyVaultNameAvailability docs, ARM deployment errors). The purge's recorded
202 `Location` points at some.endpoint.com, which the contract server does not answer: the
tests keep its path and put it on management.azure.com. Error bodies: arm-errors/*.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.errors import SIGN_IN_HINT, AzureConflict
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.vaults import DeletedVault, VaultName, Vaults
from tests.unit.targets.azure.conftest import FAST, SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract
from tests.unit.targets.azure.test_errors import gaps, throttled

API = contract("keyvault-mgmt/Vaults_CheckNameAvailability")["parameters"]["api-version"]
KEYVAULT = f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/providers/Microsoft.KeyVault"
CHECK_URL = f"{KEYVAULT}/checkNameAvailability?api-version={API}"
DELETED_URL = f"{KEYVAULT}/deletedVaults?api-version={API}"
PURGE_URL = f"{KEYVAULT}/locations/westus/deletedVaults/sample-vault/purge?api-version={API}"
IN_USE = (  # Azure's message for a name that is taken, live or soft-deleted
    "The vault name 'sample-vault' is already in use. Vault names are globally unique so it is possible that "
    "the name is already taken. If you are sure that the vault name was not taken then it is possible that a "
    "vault with the same name was recently deleted but not purged after being placed in a recoverable state. "
    "If the vault is in a recoverable state then the vault will need to be purged before reusing the name."
)
DELETED = DeletedVault(
    name="sample-vault",
    location="westus",
    deletion_date=datetime(2017, 1, 1, 0, 0, 59, tzinfo=UTC),
    purge_date=datetime(2017, 4, 1, 0, 0, 59, tzinfo=UTC),
    purge_protection=True,
)


def check(reply: Reply, name: str = "sample-vault") -> Exchange:
    body = contract("keyvault-mgmt/Vaults_CheckNameAvailability")["parameters"]["vaultName"] | {"name": name}
    return Exchange("POST", CHECK_URL, reply, json=body)


def unavailable(reason: str, message: str) -> Reply:
    reply = Reply.of("keyvault-mgmt/Vaults_CheckNameAvailability", 200)
    reply.body |= {"nameAvailable": False, "reason": reason, "message": message}
    return reply


def deleted_pages(*names: str) -> list[Exchange]:
    """ListDeleted as two pages: the recorded one (with its nextLink), then one deleted vault per name."""
    first = Reply.of("keyvault-mgmt/Vaults_ListDeleted", 200)
    recorded: dict[str, Any] = first.body["value"][0]
    second = Reply(200, {"value": [copy.deepcopy(recorded) | {"name": name} for name in names]})
    return [Exchange("GET", DELETED_URL, first), Exchange("GET", first.body["nextLink"], second)]


def purge(reply: Reply, repeat: bool = False) -> Exchange:
    return Exchange("POST", PURGE_URL, reply, repeat=repeat)


def accepted() -> tuple[Reply, str]:
    """The recorded 202 and the URL its Location points at, moved to management.azure.com."""
    reply = Reply.of("keyvault-mgmt/Vaults_PurgeDeleted", 202)
    location = reply.headers["Location"].replace("https://some.endpoint.com", "https://management.azure.com")
    return Reply(202, None, {"Location": location}), location


def test_a_free_name_is_available_and_nothing_else_is_asked(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(check(Reply.of("keyvault-mgmt/Vaults_CheckNameAvailability", 200)))
    assert Vaults(session).name_available("sample-vault") == VaultName(True, "", None)


def test_a_name_held_by_our_soft_deleted_vault_finds_that_vault(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(check(unavailable("AlreadyExists", IN_USE)), *deleted_pages("other-vault", "Sample-Vault"))
    name = Vaults(session).name_available("sample-vault")
    assert name == VaultName(False, IN_USE, replace(DELETED, name="Sample-Vault"))  # names ignore case


def test_a_name_taken_elsewhere_has_no_deleted_vault(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(check(unavailable("AlreadyExists", IN_USE)), *deleted_pages("other-vault"))
    assert Vaults(session).name_available("sample-vault") == VaultName(False, IN_USE, None)


def test_an_invalid_name_is_not_looked_for_among_the_deleted(azure: ContractServer, session: AzureSession) -> None:
    message = (
        "The vault name 'a' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
        "The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens."
    )
    azure.expect(check(unavailable("AccountNameInvalid", message), name="a"))
    assert Vaults(session).name_available("a") == VaultName(False, message, None)


def test_deleted_finds_the_vault_by_name(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(*deleted_pages("sample-vault"))
    assert Vaults(session).deleted("sample-vault") == DELETED


def test_purge_waits_for_the_long_running_operation(azure: ContractServer, session: AzureSession) -> None:
    reply, location = accepted()
    azure.expect(
        purge(reply),
        Exchange("GET", location, reply),
        Exchange("GET", location, Reply.of("keyvault-mgmt/Vaults_PurgeDeleted", 200)),
    )
    assert Vaults(session).purge("sample-vault", "westus", timeout=10, poll=0.01) is True
    assert azure.answered()[0].body == b""


def test_a_purge_that_does_not_finish_stops_at_the_timeout(azure: ContractServer, session: AzureSession) -> None:
    reply, location = accepted()
    azure.expect(purge(reply), Exchange("GET", location, reply, repeat=True))
    with pytest.raises(CloudError) as raised:
        Vaults(session).purge("sample-vault", "westus", timeout=0.2, poll=0.05)
    assert raised.value.message == "the deleted Key Vault 'sample-vault' (westus) is not purged after 0.2 s"
    assert "az keyvault list-deleted" in raised.value.hint
    polls = len(azure.answered())
    time.sleep(0.2)
    assert len(azure.answered()) == polls  # nothing polls on behind geobot's back


def test_purging_a_vault_that_is_already_gone_is_not_an_error(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(purge(Reply.of("arm-errors/ResourceNotFound_404.derived", 404)))
    assert Vaults(session).purge("sample-vault", "westus") is False
    assert len(azure.answered()) == 1  # a purge is not a resource that propagates: no retry


def test_a_synchronous_purge_is_done_at_once(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(purge(Reply.of("keyvault-mgmt/Vaults_PurgeDeleted", 200)))
    assert Vaults(session).purge("sample-vault", "westus") is True


# error paths ------------------------------------------------------------------------------------


def test_401_on_the_name_check_means_sign_in_again(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(check(Reply.of("arm-errors/InvalidAuthenticationToken_401.derived", 401)))
    with pytest.raises(CloudError) as raised:
        Vaults(session).name_available("sample-vault")
    assert raised.value.message == (
        "not signed in to Azure: refused to check whether the Key Vault name 'sample-vault' is available "
        "(401 InvalidAuthenticationToken): The access token is invalid."
    )
    assert raised.value.hint == SIGN_IN_HINT


def test_403_on_the_deleted_list_names_the_permission_and_reader(azure: ContractServer, session: AzureSession) -> None:
    denied = Reply.of("arm-errors/AuthorizationFailed_403.derived", 403)
    message = denied.body["error"]["message"]
    denied.body["error"]["message"] = message.replace(
        "Microsoft.Network/trafficManagerProfiles/read", "Microsoft.KeyVault/deletedVaults/read"
    )
    azure.expect(Exchange("GET", DELETED_URL, denied))
    with pytest.raises(CloudError) as raised:
        Vaults(session).deleted("sample-vault")
    assert raised.value.message == (
        f"permission denied to list the deleted Key Vaults of subscription {SUBSCRIPTION}: "
        "missing permission 'Microsoft.KeyVault/deletedVaults/read'"
    )
    assert raised.value.hint.startswith("give the signed-in identity the role 'Reader'")


def test_403_on_purge_names_key_vault_contributor(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(purge(Reply.of("arm-errors/AuthorizationFailed_403.derived", 403)))
    with pytest.raises(CloudError) as raised:
        Vaults(session).purge("sample-vault", "westus")
    assert raised.value.message.startswith("permission denied to purge the deleted Key Vault 'sample-vault' (westus)")
    assert raised.value.hint.startswith("give the signed-in identity the role 'Key Vault Contributor'")


def test_409_on_purge_is_a_conflict(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(purge(Reply.of("arm-errors/Conflict_409.derived", 409)))
    with pytest.raises(AzureConflict, match="^conflict, cannot purge the deleted Key Vault 'sample-vault'"):
        Vaults(session).purge("sample-vault", "westus")


def test_a_throttled_name_check_waits_as_long_as_retry_after_says(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(check(throttled("0.3")), check(Reply.of("keyvault-mgmt/Vaults_CheckNameAvailability", 200)))
    assert Vaults(session).name_available("sample-vault").available
    assert gaps(azure)[0] >= 0.3


def test_a_purge_that_keeps_failing_with_5xx_is_a_cloud_error(azure: ContractServer, session: AzureSession) -> None:
    unavailable = Reply.of("arm-errors/ServiceUnavailable_503.derived", 503)
    azure.expect(*[purge(unavailable) for _ in range(FAST.attempts + 1)])
    with pytest.raises(CloudError) as raised:
        Vaults(session).purge("sample-vault", "westus")
    assert raised.value.message.startswith(
        "Azure failed to purge the deleted Key Vault 'sample-vault' (westus) (503 ServiceUnavailable)"
    )
