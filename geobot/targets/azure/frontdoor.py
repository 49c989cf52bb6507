"""Front Door as a rolling update's rotation: a Disabled origin gets no request.

Front Door has no DNS TTL to wait out: clients resolve its endpoint, whose answer never
changes with an origin. A change of an origin is a configuration that Front Door deploys to
its edge sites (the origin's `deploymentStatus` goes InProgress → Succeeded, usually within
minutes); from then on no new request goes to it. So taking an origin out returns once Azure
reports the change deployed, and the drain is only the turns in flight (`IN_FLIGHT`).
Disabling and enabling go through azure-mgmt-cdn (AFDOrigins_Update: a PATCH of
`enabledState`, an ARM long-running operation). A 409 (another operation is changing the
profile) is tried again after a pause; 429 and 5xx are retried by the SDK's RetryPolicy.
Front Door keeps its probes' view of an origin to itself, and the web apps admit only Front
Door, so a region's health is read through the route Front Door has to that region alone
(`region_health_url`, terraform/azure edge.tf), which a Disabled origin of the bots' group
does not close.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geobot.bot import REGION_HEALTH_PATH
from geobot.errors import CloudError
from geobot.targets.azure.errors import call
from geobot.targets.azure.rollout import IN_FLIGHT, patiently
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.trafficmanager import _value
from geobot.targets.local.declarations import get_json

if TYPE_CHECKING:
    from azure.mgmt.cdn import CdnManagementClient

API_VERSION = "2026-10-01"  # what azure-mgmt-cdn 14.1 sends; pinned so a newer SDK does not change the wire
ROLE = "CDN Profile Contributor"


def _client(session: AzureSession, poll: float) -> CdnManagementClient:
    from azure.mgmt.cdn import CdnManagementClient

    return CdnManagementClient(session.credential, session.subscription_id, api_version=API_VERSION,
                               polling_interval=poll, **session.retry.sdk_options())


def region_health_url(endpoint_host_name: str, region: str) -> str:
    """One region's own health answer through Front Door: the route to its web app alone."""
    return f"https://{endpoint_host_name}{REGION_HEALTH_PATH.format(region=region)}"


class FrontDoorRotation:
    """`profile_id`, `origin_group`, `origins` (region → origin name) and `endpoint_host_name`:
    terraform/azure's front_door output."""

    def __init__(self, session: AzureSession, profile_id: str, origin_group: str, origins: Mapping[str, str],
                 endpoint_host_name: str, online_timeout: float, poll: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        parts = profile_id.split("/")
        self.resource_group, self.profile = parts[parts.index("resourceGroups") + 1], parts[-1]
        self.origin_group, self.origins, self.endpoint_host_name = origin_group, origins, endpoint_host_name
        self.online_timeout, self.poll, self._sleep = online_timeout, poll, sleep
        self._client = _client(session, poll)
        self._retry = session.retry

    def drain(self) -> float:
        """No DNS answer to expire: once the change is deployed only the turns in flight remain."""
        return IN_FLIGHT

    def take_out(self, region: str) -> None:
        self._set(region, "Disabled")
        self._wait_deployed(region)

    def enable(self, region: str) -> None:
        """Back in rotation without waiting for the edge: the online stage waits for Front Door to serve."""
        self._set(region, "Enabled")

    def put_back(self, region: str) -> None:
        """Enable the origin and wait until Front Door has deployed the change to its edge."""
        self._set(region, "Enabled")
        self._wait_deployed(region)

    def is_out(self, region: str) -> bool:
        return _value(self._read(region).properties.enabled_state) == "Disabled"

    def serving(self) -> Sequence[str]:
        """The regions whose origin is Enabled and whose own health answer, through Front Door, is 200."""
        return [region for region in self.origins if not self.is_out(region) and self._healthy(region)]

    def _healthy(self, region: str) -> bool:
        answer = get_json(region_health_url(self.endpoint_host_name, region), timeout=10.0)
        return answer is not None and answer[0] == 200

    def _where(self, region: str) -> tuple[str, str, str, str]:
        return self.resource_group, self.profile, self.origin_group, self.origins[region]

    def _read(self, region: str) -> Any:
        return call(f"read Front Door origin '{self.origins[region]}'",
                    lambda: self._client.afd_origins.get(*self._where(region)), retry=self._retry, role=ROLE)

    def _set(self, region: str, state: str) -> None:
        name = self.origins[region]
        action = f"{'disable' if state == 'Disabled' else 'enable'} Front Door origin '{name}'"
        body = {"properties": {"enabledState": state}}
        answer = patiently(action, lambda: self._client.afd_origins.begin_update(*self._where(region), body).result(),
                           self._retry, ROLE, self._sleep)
        if _value(answer.properties.enabled_state) != state:
            raise CloudError(f"Azure answered enabledState {_value(answer.properties.enabled_state)} to {action}",
                             "see the Front Door profile in the Azure portal; run `geobot deploy` again to resume")

    def _wait_deployed(self, region: str) -> None:
        """Read soon, then less often: a change is often deployed in seconds, sometimes in minutes."""
        deadline = time.monotonic() + self.online_timeout
        pause = 1.0
        while (status := _value(self._read(region).properties.deployment_status)) != "Succeeded":
            if time.monotonic() >= deadline:
                raise CloudError(f"Front Door has not deployed the change of origin '{self.origins[region]}' "
                                 f"{self.online_timeout:g} s later (deploymentStatus {status})",
                                 "see the Front Door profile in the Azure portal; run `geobot deploy` again to resume")
            self._sleep(min(pause, self.poll))
            pause *= 2
