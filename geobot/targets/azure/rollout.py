"""The Azure target's rolling update: Traffic Manager is the rotation, the web app's health check the gate.

Traffic Manager only answers DNS queries: once an endpoint is Disabled it is left out of new
answers, and resolvers drop their old answers within the profile's DNS TTL; requests a client
sent just before still run on the web app for a moment. The drain `geobot.rollout` waits is
both: the TTL the profile reports plus `IN_FLIGHT`. Disabling and enabling go through
azure-mgmt-trafficmanager (PATCH of the endpoint's `endpointStatus`); Azure's answer confirms
the new status. A 409 (another operation, often Terraform, is changing the profile) is tried
again after a pause; 429 and 5xx are retried by the SDK's RetryPolicy as for every call
(`errors.call`). After a region's update, `HealthCheck` waits for its deep health check
(`AzureClients.health_url`) to pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from geobot.errors import CloudError
from geobot.targets.azure.errors import AzureConflict, call
from geobot.targets.azure.session import AzureSession, Retry
from geobot.targets.azure.trafficmanager import TrafficManager, _client, _value
from geobot.targets.local.declarations import get_json

if TYPE_CHECKING:
    from geobot.targets.azure.clients import AzureClients

T = TypeVar("T")

ENDPOINT_TYPE = "AzureEndpoints"  # the web apps, as terraform/azure declares them
ROLE = "Traffic Manager Contributor"
IN_FLIGHT = 5.0  # seconds for a turn a client sent just before its cached answer expired


def drain_seconds(dns_ttl: float) -> float:
    """How long a region is out of rotation before its update: cached answers expire, turns finish."""
    return dns_ttl + IN_FLIGHT


def patiently(action: str, fn: Callable[[], T], retry: Retry, role: str, sleep: Callable[[float], None]) -> T:
    """One change of a profile: a 409 (another operation holds it, often Terraform) is tried again after a pause."""
    for _ in range(retry.propagation_attempts):
        try:
            return call(action, fn, retry=retry, role=role)
        except AzureConflict:
            sleep(retry.propagation_delay)
    return call(action, fn, retry=retry, role=role)


class TrafficManagerRotation:
    """`endpoints`: region → its endpoint's name in the profile (terraform/azure's outputs)."""

    def __init__(self, session: AzureSession, resource_group: str, profile: str, endpoints: Mapping[str, str],
                 online_timeout: float, poll: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = _client(session)
        self._retry = session.retry
        self._profile = TrafficManager(session, resource_group, profile)
        self.endpoints = endpoints
        self.online_timeout, self.poll, self._sleep = online_timeout, poll, sleep

    def drain(self) -> float:
        """The drain for this profile, from the DNS TTL it reports now (Terraform sets probe.dns_ttl)."""
        return drain_seconds(self._profile.read().ttl or 0)

    def take_out(self, region: str) -> None:
        self._set(region, "Disabled")

    def enable(self, region: str) -> None:
        """Back in rotation without waiting: the online stage waits for every region."""
        self._set(region, "Enabled")

    def put_back(self, region: str) -> None:
        """Enable the endpoint, then wait until Traffic Manager's probes find it Online."""
        self.enable(region)
        deadline = time.monotonic() + self.online_timeout
        while (status := self._read(region)[1]) != "Online":
            if time.monotonic() >= deadline:
                raise CloudError(f"Traffic Manager endpoint '{self.endpoints[region]}' of region {region} is {status} "
                                 f"{self.online_timeout:g} s after it was enabled",
                                 "check the region's /api/health and its web app's logs")
            self._sleep(self.poll)

    def is_out(self, region: str) -> bool:
        return self._read(region)[0] == "Disabled"

    def serving(self) -> Sequence[str]:
        online = {name for name, status in self._profile.read().statuses().items() if status == "Online"}
        return [region for region, name in self.endpoints.items() if name in online]

    def _where(self) -> tuple[str, str]:
        return self._profile.resource_group, self._profile.profile

    def _read(self, region: str) -> tuple[str, str]:
        """(endpointStatus, endpointMonitorStatus) of the region's endpoint."""
        name = self.endpoints[region]
        endpoint = call(f"read Traffic Manager endpoint '{name}'",
                        lambda: self._client.endpoints.get(*self._where(), ENDPOINT_TYPE, name),
                        retry=self._retry, role=ROLE)
        return _value(endpoint.endpoint_status), _value(endpoint.endpoint_monitor_status)

    def _set(self, region: str, status: str) -> None:
        from azure.mgmt.trafficmanager.models import Endpoint, EndpointProperties

        name = self.endpoints[region]
        action = f"{'disable' if status == 'Disabled' else 'enable'} Traffic Manager endpoint '{name}'"
        body = Endpoint(properties=EndpointProperties(endpoint_status=status))
        answer = patiently(action, lambda: self._client.endpoints.update(*self._where(), ENDPOINT_TYPE, name, body),
                           self._retry, ROLE, self._sleep)
        if _value(answer.endpoint_status) != status:
            raise CloudError(f"Azure answered endpointStatus {_value(answer.endpoint_status)} to {action}",
                             "see the profile in the Azure portal; run `geobot deploy` again to resume")


class HealthCheck:
    """A region's deep health check: Traffic Manager's probe path on its web app's own host name, or
    behind Front Door the route to that region alone (`AzureClients.health_url`).

    With `version` (the code's, `geobot.bot.version`), it passes only once the app reports it:
    a site still running its previous code answers 200 too.
    """

    def __init__(self, clients: AzureClients, health_path: str, seconds: float, version: str | None = None,
                 poll: float = 2.0) -> None:
        self.clients, self.health_path, self.seconds, self.version, self.poll = clients, health_path, seconds, version, poll

    def check(self, region: str) -> str | None:
        """None once it answers 200 (with the version) within `seconds`; else why not."""
        url = self.clients.health_url(region, self.health_path)
        deadline = time.monotonic() + self.seconds
        while not self._passes(answer := get_json(url, timeout=10.0)):
            if time.monotonic() >= deadline:
                return self._why(url, answer)
            time.sleep(self.poll)
        return None

    def _passes(self, answer: tuple[int, Any] | None) -> bool:
        return answer is not None and answer[0] == 200 and self.version in (None, _field(answer[1], "version"))

    def _why(self, url: str, answer: tuple[int, Any] | None) -> str:
        if answer is None:
            return f"its health check {url} does not answer after {self.seconds:g} s"
        if answer[0] == 200:
            return f"it runs version {_field(answer[1], 'version')}, not {self.version}, {self.seconds:g} s after its update"
        failed = ", ".join(_field(answer[1], "failed") or ())
        return f"its health check answers {answer[0]}{f' (failed: {failed})' if failed else ''} after {self.seconds:g} s"


def _field(body: Any, name: str) -> Any:
    return body.get(name) if isinstance(body, dict) else None
