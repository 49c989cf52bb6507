"""certbot's manual HTTP-01 hooks: `python -m geobot.certs.hook auth|cleanup`.

certbot runs `auth` once per challenge with CERTBOT_TOKEN and CERTBOT_VALIDATION (the key
authorization) in the environment; it goes into the central vault under
`acme_secret_name(token)`, where every regional bot answers
/.well-known/acme-challenge/<token> from, whichever region the ACME server reaches. `cleanup`
deletes it again. The vault is GEOBOT_HOOK_VAULT_URL: `file:///abs` (the local vault) or
`https://<name>.vault.azure.net` (Key Vault, with DefaultAzureCredential).

Exit 0 on success, 1 with one line on stderr otherwise (certbot shows it). The validation
value is never printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Protocol

from geobot.bot.settings import acme_secret_name
from geobot.errors import GeobotError
from geobot.targets.local.vault import LocalVault

VAULT_URL = "GEOBOT_HOOK_VAULT_URL"


class HookError(Exception):
    """A hook cannot do its job; the message is the one line certbot shows."""


class Secrets(Protocol):
    def set_secret(self, name: str, value: str) -> object: ...

    def delete_secret(self, name: str) -> None: ...


class KeyVaultSecrets:
    """Key Vault through the SDK, imported here only: the local target needs no Azure package."""

    def __init__(self, url: str) -> None:
        from azure.keyvault.secrets import SecretClient

        from geobot.targets.azure.signin import credential

        self._client = SecretClient(url, credential(os.environ))

    def set_secret(self, name: str, value: str) -> object:
        return self._client.set_secret(name, value)

    def delete_secret(self, name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        try:  # not waited for: each token's name is used once, so a soft-deleted one never clashes
            self._client.begin_delete_secret(name)
        except ResourceNotFoundError:
            pass


def open_secrets(url: str) -> Secrets:
    if url.startswith("file:"):
        return LocalVault.from_url(url)
    if url.startswith("https://"):
        return KeyVaultSecrets(url)
    raise HookError(f"{VAULT_URL}={url!r}: expected file:///abs/path or https://<name>.vault.azure.net")


def run(action: str, env: Mapping[str, str]) -> None:
    """Store (auth) or remove (cleanup) one challenge's key authorization."""
    if action not in ("auth", "cleanup"):
        raise HookError(f"unknown action {action!r}: expected auth or cleanup")
    token = _required(env, "CERTBOT_TOKEN")
    try:
        name = acme_secret_name(token)
    except ValueError as e:
        raise HookError(f"CERTBOT_TOKEN: {e}") from e
    secrets = open_secrets(_required(env, VAULT_URL))
    if action == "auth":
        secrets.set_secret(name, _required(env, "CERTBOT_VALIDATION"))
    else:
        secrets.delete_secret(name)


def main() -> int:
    args = sys.argv[1:]
    action = args[0] if len(args) == 1 else " ".join(args) or "(none)"
    try:
        run(action, os.environ)
    except Exception as e:  # whatever failed, certbot gets one line, never a traceback
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if not isinstance(e, (HookError, GeobotError)):
            reason = f"{type(e).__name__}: {reason}"
        print(f"geobot ACME hook {action}: {reason}", file=sys.stderr)
        return 1
    return 0


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise HookError(f"{name} is not set (this hook is run by certbot, see geobot.certs.acme)")
    return value


if __name__ == "__main__":
    sys.exit(main())
