"""One vault URL, two kinds of vault: Azure Key Vault in Azure, the local vault elsewhere.

`https://<name>.vault.azure.net` is read with azure-keyvault-secrets and the App Service
managed identity (ManagedIdentityCredential when App Service's identity endpoint is present,
else DefaultAzureCredential); those packages are imported only on that branch, so the local
target needs none of them. `file:///abs/path` opens `geobot.targets.local.vault.LocalVault`.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from geobot.errors import InputError


class SecretSource(Protocol):
    def get_secret(self, name: str) -> str | None: ...


class KeyVaultSecrets:
    """Latest secret values from Key Vault; a missing secret reads as None."""

    def __init__(self, url: str, credential: Any = None, **client_options: Any) -> None:
        from azure.keyvault.secrets import SecretClient

        self._client = SecretClient(url, credential or bot_credential(), **client_options)

    def get_secret(self, name: str) -> str | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._client.get_secret(name).value
        except ResourceNotFoundError:
            return None


def bot_credential() -> Any:
    client_id = os.environ.get("AZURE_CLIENT_ID") or None  # set for a user-assigned identity
    if os.environ.get("IDENTITY_ENDPOINT"):  # App Service: go straight to its identity endpoint
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=client_id)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=client_id)


def open_vault(url: str) -> SecretSource:
    """The vault a URL names: `file:///…` (local) or `https://…` (Key Vault)."""
    if url.startswith("file:"):
        from geobot.targets.local.vault import LocalVault

        return LocalVault.from_url(url)
    if url.startswith("https://"):
        return KeyVaultSecrets(url)
    raise InputError(
        f"vault URL {url!r}: expected https://<name>.vault.azure.net or file:///absolute/path",
        "pass --vault-url (or GEOBOT_BOT_VAULT_URL) with one of those forms",
    )
