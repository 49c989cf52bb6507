"""Which Microsoft Entra credential geobot signs in with, chosen from the environment.

A CI job's federated token lives minutes (GitHub's about five), but a deploy asks for new
tokens for an hour (ARM, Key Vault, Language, Kudu): the Azure CLI session an OIDC login
leaves behind cannot renew itself. So in GitHub Actions and Azure Pipelines geobot asks the CI
system for a fresh federated token each time Entra needs one; everywhere else it uses
DefaultAzureCredential (az login, a service principal's environment, a managed identity).

    GitHub Actions   ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN (permissions: id-token: write) and
                     AZURE_CLIENT_ID + AZURE_TENANT_ID (or ARM_CLIENT_ID + ARM_TENANT_ID)
    Azure Pipelines  SYSTEM_ACCESSTOKEN, SYSTEM_OIDCREQUESTURI and the service connection's
                     AZURESUBSCRIPTION_CLIENT_ID/_TENANT_ID/_SERVICE_CONNECTION_ID (AzureCLI@2),
                     or ARM_CLIENT_ID/ARM_TENANT_ID/ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from geobot.errors import PrerequisiteError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

AUDIENCE = "api://AzureADTokenExchange"


def _first(env: Mapping[str, str], *names: str) -> str | None:
    return next((env[name] for name in names if env.get(name)), None)


def github_assertion(env: Mapping[str, str]) -> Callable[[], str]:
    """A fresh GitHub Actions OIDC token for Entra's token exchange, each time it is called."""
    url, token = env["ACTIONS_ID_TOKEN_REQUEST_URL"], env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")

    def assertion() -> str:
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        request = urllib.request.Request(f"{url}{separator}audience={urllib.parse.quote(AUDIENCE, safe='')}",
                                         headers={"Authorization": f"bearer {token}", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the runner's own URL)
                return json.load(answer)["value"]
        except (OSError, ValueError, KeyError) as exc:
            raise PrerequisiteError(f"cannot get a GitHub OIDC token ({exc.__class__.__name__})",
                                    "give the job `permissions: id-token: write`") from exc

    return assertion


def credential(env: Mapping[str, str]) -> TokenCredential:
    client = _first(env, "AZURE_CLIENT_ID", "ARM_CLIENT_ID")
    tenant = _first(env, "AZURE_TENANT_ID", "ARM_TENANT_ID")
    if env.get("ACTIONS_ID_TOKEN_REQUEST_URL") and client and tenant:
        from azure.identity import ClientAssertionCredential

        return ClientAssertionCredential(tenant, client, github_assertion(env))
    connection = _first(env, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID")
    if env.get("SYSTEM_OIDCREQUESTURI") and env.get("SYSTEM_ACCESSTOKEN") and connection:
        from azure.identity import AzurePipelinesCredential

        return AzurePipelinesCredential(
            tenant_id=_first(env, "AZURESUBSCRIPTION_TENANT_ID", "ARM_TENANT_ID") or "",
            client_id=_first(env, "AZURESUBSCRIPTION_CLIENT_ID", "ARM_CLIENT_ID") or "",
            service_connection_id=connection,
            system_access_token=env["SYSTEM_ACCESSTOKEN"],
        )
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()
