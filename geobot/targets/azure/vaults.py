"""Key Vault names, management plane: is the name free, is it held by a soft-deleted vault, purge it.

Vault names are global and a deleted vault keeps its name for the soft-delete retention
(7 to 90 days), so a redeploy after `geobot destroy` fails in Terraform unless preflight
finds the deleted vault first and the user recovers or purges it. A deleted vault is listed,
not read: Vaults_GetDeleted needs the location it was deleted in, which preflight cannot know.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from geobot.errors import CloudError
from geobot.targets.azure.errors import AzureNotFound, call
from geobot.targets.azure.session import AzureSession

if TYPE_CHECKING:
    from azure.mgmt.core.polling.arm_polling import ARMPolling

API_VERSION = "2026-02-01"  # the recorded contracts' version (CheckNameAvailability, ListDeleted, PurgeDeleted)
READ_ROLE = "Reader"  # checkNameAvailability/read and deletedVaults/read, on the subscription
PURGE_ROLE = "Key Vault Contributor"  # locations/deletedVaults/purge/action, on the subscription


@dataclass(frozen=True)
class DeletedVault:
    """A soft-deleted vault of this subscription. With purge protection it cannot be purged
    before `purge_date`, only recovered."""

    name: str
    location: str
    deletion_date: datetime | None
    purge_date: datetime | None
    purge_protection: bool


@dataclass(frozen=True)
class VaultName:
    """`reason`: Azure's explanation when the name is not available (empty when it is);
    `deleted`: this subscription's soft-deleted vault that holds the name, if that is why."""

    available: bool
    reason: str
    deleted: DeletedVault | None


class Vaults:
    def __init__(self, session: AzureSession) -> None:
        from azure.mgmt.keyvault import KeyVaultManagementClient

        self._client = KeyVaultManagementClient(
            session.credential, session.subscription_id, api_version=API_VERSION, **session.retry.sdk_options()
        )
        self._retry = session.retry
        self.subscription_id = session.subscription_id

    def name_available(self, name: str) -> VaultName:
        """Whether a vault can be created as `name`; when not, the deleted vault holding it, if ours."""
        from azure.mgmt.keyvault.models import VaultCheckNameAvailabilityParameters

        result = call(
            f"check whether the Key Vault name '{name}' is available",
            lambda: self._client.vaults.check_name_availability(VaultCheckNameAvailabilityParameters(name=name)),
            retry=self._retry,
            role=READ_ROLE,
        )
        if result.name_available:
            return VaultName(True, "", None)
        reason = str(getattr(result.reason, "value", result.reason) or "")
        deleted = self.deleted(name) if reason == "AlreadyExists" else None  # not for AccountNameInvalid
        return VaultName(False, result.message or reason, deleted)

    def deleted(self, name: str) -> DeletedVault | None:
        """This subscription's soft-deleted vault called `name` (vault names ignore case), or None."""
        vaults = call(
            f"list the deleted Key Vaults of subscription {self.subscription_id}",
            lambda: list(self._client.vaults.list_deleted()),
            retry=self._retry,
            role=READ_ROLE,
        )
        for vault in vaults:
            if (vault.name or "").lower() == name.lower() and vault.properties is not None:
                p = vault.properties
                return DeletedVault(
                    vault.name or name,
                    p.location or "",
                    p.deletion_date,
                    p.scheduled_purge_date,
                    bool(p.purge_protection_enabled),
                )
        return None

    def purge(self, name: str, location: str, timeout: float = 900.0, poll: float = 10.0) -> bool:
        """Purge the soft-deleted vault `name` of `location` for good and wait until it is gone.

        False when there was no such deleted vault (already purged: a resumed destroy). Raises
        CloudError when the purge has not finished at `timeout`.
        """
        action = f"purge the deleted Key Vault '{name}' ({location})"

        def purge() -> bool:
            polling = _polling_until(time.monotonic() + timeout, poll)
            poller = self._client.vaults.begin_purge_deleted(name, location, polling=polling)
            try:
                poller.wait(timeout)
            except _PastDeadline:  # the polling thread saw the deadline first
                return False
            return poller.done()

        try:
            done = call(action, purge, retry=self._retry, role=PURGE_ROLE)
        except AzureNotFound:
            return False
        if not done:
            raise CloudError(
                f"the deleted Key Vault '{name}' ({location}) is not purged after {timeout:g} s",
                "Azure may still finish it: check with `az keyvault list-deleted`, then run again",
            )
        return True


class _PastDeadline(Exception):
    """Ends the SDK's polling thread once the caller has stopped waiting for it."""


def _polling_until(deadline: float, interval: float) -> ARMPolling:
    """ARM's LRO polling, every `interval` s (or as Retry-After says), that stops at `deadline`.

    The SDK polls in a thread that nothing can cancel: without this, a purge that timed out
    would go on polling Azure after geobot has reported the timeout.
    """
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    class Polling(ARMPolling):
        def update_status(self) -> None:
            if time.monotonic() > deadline:
                raise _PastDeadline
            super().update_status()

    return Polling(interval)
