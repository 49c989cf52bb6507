"""A refused call in words: the status and the permission each service names, nothing else of its text."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from geobot.bot.refusal import refusal

KEY_VAULT = ("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role "
             "definitions were changed recently, please observe propagation time.\r\nCaller: appid=a;oid=b;iss=c\r\n"
             "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/s/x'\r\n")
COSMOS = ("Request blocked by Auth cosmos-geobot : Request is blocked because principal [b] does not have required RBAC "
          "permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on resource [/]. "
          "Learn more: https://aka.ms/cosmos-native-rbac.")
ARM = ("The client 'b' with object id 'b' does not have authorization to perform action "
       "'Microsoft.Network/trafficManagerProfiles/read' over scope '/subscriptions/s' or the scope is invalid.")


def error(status: int, message: str) -> HttpResponseError:
    raised = HttpResponseError(message=message)
    raised.status_code = status
    return raised


@pytest.mark.parametrize(("message", "permission"), [
    (KEY_VAULT, "Microsoft.KeyVault/vaults/secrets/getSecret/action"),
    (COSMOS, "Microsoft.DocumentDB/databaseAccounts/readMetadata"),
    (ARM, "Microsoft.Network/trafficManagerProfiles/read"),
], ids=["key vault", "cosmos db", "arm"])
def test_a_403_names_the_permission_the_service_says_is_missing(message: str, permission: str) -> None:
    assert refusal(error(403, message)) == f"refused (403): the identity lacks {permission}"


def test_a_refusal_that_names_no_permission_says_only_its_status() -> None:
    assert refusal(error(403, "(PermissionDenied) Principal does not have access to API/Operation.")) == "refused (403)"
    assert refusal(error(401, "")) == "refused (401)"


@pytest.mark.parametrize("failure", [error(500, KEY_VAULT), error(404, "not found"), TimeoutError(), ValueError("403")])
def test_other_failures_are_not_refusals(failure: Exception) -> None:
    assert refusal(failure) is None
