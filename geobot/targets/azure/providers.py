"""The resource providers a deployment needs, registered before Terraform runs.

azurerm 5 no longer registers resource providers itself, and a subscription that has never
used, say, Microsoft.BotService fails the global apply half-way with a provider error. So
the preflight stage registers what is missing and waits until ARM says Registered: a
registration that does not finish in time stops the stage naming the provider, instead of
letting Terraform find out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from geobot.errors import CloudError
from geobot.targets.azure.errors import call, translate
from geobot.targets.azure.session import AzureSession

API_VERSION = "2024-11-01"  # Providers_List's recorded version; the SDK's own default varies by release
ROLE = "Contributor"  # holds */register/action; Reader is enough to read the states
REGISTERED = "Registered"

# What terraform/azure creates, by the namespace that owns it.
_PROVIDERS = (
    "Microsoft.BotService",  # the Azure Bot
    "Microsoft.CognitiveServices",  # the CLU language resources
    "Microsoft.DocumentDB",  # Cosmos DB
    "microsoft.insights",  # Application Insights (ARM spells this namespace in lower case)
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",  # the web apps' user-assigned identities
    "Microsoft.Network",  # Traffic Manager
    "Microsoft.OperationalInsights",  # the Log Analytics workspace behind Application Insights
    "Microsoft.Web",  # App Service plans and web apps
)
_FRONT_DOOR = "Microsoft.Cdn"  # Front Door Standard is a Microsoft.Cdn resource
_BLOB_STATE = "Microsoft.Storage"  # the storage account of the Terraform state (azure.backend = "blob")


def required_providers(front_door: bool, blob_state: bool = False) -> tuple[str, ...]:
    """The namespaces a deployment needs; Microsoft.Cdn only with Front Door, Microsoft.Storage only with blob state."""
    extra = (_FRONT_DOOR,) * front_door + (_BLOB_STATE,) * blob_state
    return tuple(sorted((*_PROVIDERS, *extra), key=str.lower))


@dataclass(frozen=True)
class ProviderRegistration:
    """What preflight found and did: `already` were Registered; `registered` became so in this run
    (registered by it, or found Registering and waited for)."""

    already: tuple[str, ...]
    registered: tuple[str, ...]


class Providers:
    def __init__(self, session: AzureSession) -> None:
        from azure.mgmt.resource.resources import ResourceManagementClient

        self._client = ResourceManagementClient(
            session.credential, session.subscription_id, api_version=API_VERSION, **session.retry.sdk_options()
        )
        self._retry = session.retry
        self.subscription_id = session.subscription_id

    def ensure_registered(
        self, namespaces: Iterable[str], timeout: float = 600.0, poll: float = 10.0
    ) -> ProviderRegistration:
        """Register each of `namespaces` that is not Registered, then wait until all of them are.

        Raises CloudError naming the providers that are not Registered at `timeout`, and for a
        403 on register one naming the missing `<namespace>/register/action` and the
        `az provider register` command an administrator can run instead.
        """
        wanted = tuple(namespaces)
        states = self._states()
        already = tuple(ns for ns in wanted if states.get(ns.lower()) == REGISTERED)
        pending = [ns for ns in wanted if ns not in already]
        for ns in pending:
            if states.get(ns.lower()) != "Registering":  # NotRegistered, Unregistered, or unknown to the list
                self._register(ns)
        self._wait(pending, timeout, poll)
        return ProviderRegistration(already, tuple(pending))

    def _states(self) -> dict[str, str]:
        """Lower-cased namespace → registration state, for every provider of the subscription."""
        providers = call(
            f"read the resource providers of subscription {self.subscription_id}",
            lambda: list(self._client.providers.list()),
            retry=self._retry,
            role="Reader",
        )
        return {(p.namespace or "").lower(): p.registration_state or "" for p in providers}

    def _register(self, namespace: str) -> None:
        from azure.core.exceptions import HttpResponseError

        action = f"register resource provider '{namespace}'"

        def register() -> None:
            try:
                self._client.providers.register(namespace)
            except HttpResponseError as e:
                if e.status_code != 403:
                    raise
                denied = translate(e, action, ROLE, self._retry)
                raise CloudError(
                    denied.message,
                    f"registering needs '{namespace}/register/action' on subscription {self.subscription_id} "
                    f"(e.g. the role '{ROLE}'); or have someone who has it run "
                    f"`az provider register --namespace {namespace} --subscription {self.subscription_id}`",
                ) from e

        call(action, register, retry=self._retry, role=ROLE)

    def _state(self, namespace: str) -> str:
        provider = call(
            f"read resource provider '{namespace}'",
            lambda: self._client.providers.get(namespace),
            retry=self._retry,
            role="Reader",
        )
        return provider.registration_state or ""

    def _wait(self, namespaces: list[str], timeout: float, poll: float) -> None:
        """Poll each namespace until it is Registered; raise CloudError at `timeout`."""
        deadline = time.monotonic() + timeout
        waiting = {ns: "" for ns in namespaces}
        while waiting:
            waiting = {ns: state for ns in waiting if (state := self._state(ns)) != REGISTERED}
            left = deadline - time.monotonic()
            if waiting and left <= 0:
                raise CloudError(
                    f"resource providers not Registered after {timeout:g} s: "
                    + ", ".join(f"{ns} ({state or 'no state'})" for ns, state in waiting.items()),
                    "registration can take several minutes: check with "
                    + " and ".join(f"`az provider show --namespace {ns}`" for ns in waiting)
                    + ", then run again",
                )
            if waiting:
                time.sleep(min(poll, left))
