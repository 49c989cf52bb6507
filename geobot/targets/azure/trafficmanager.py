"""The Traffic Manager profile's view of the regions, and the wait until all of them are Online.

The endpoint switch must not happen before Traffic Manager routes to every region, and a wait
that times out must stop the deploy (the original project's waits carried on regardless), so
`wait_online` either returns with every endpoint Online or raises, naming the endpoints that
are not and why. Before any of that, preflight checks that the profile's DNS name is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geobot.errors import CloudError
from geobot.targets.azure.errors import call
from geobot.targets.azure.session import AzureSession

if TYPE_CHECKING:
    from azure.mgmt.trafficmanager import TrafficManagerManagementClient

API_VERSION = "2026-09-01"
ROLE = "Reader"  # profiles/read and checkTrafficManagerNameAvailability are all geobot does here
PROFILE_TYPE = "microsoft.network/trafficmanagerprofiles"  # as the spec's examples spell it

# Traffic Manager's endpoint monitor statuses, as a reason a person can act on.
WHY = {
    "CheckingEndpoint": "the first health probes have not finished",
    "Degraded": "its health probes fail",
    "Stopped": "its web app is stopped, or its plan is below Standard",
    "Disabled": "the endpoint is disabled",
    "Inactive": "the profile is disabled",
    "Unmonitored": "monitoring is off for it",
    "Absent": "the profile has no such endpoint",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    monitor_status: str
    target: str
    location: str
    priority: int | None = None  # the profile's, which decides the order with priority routing


@dataclass(frozen=True)
class ProfileStatus:
    name: str
    fqdn: str
    monitor_status: str
    endpoints: tuple[Endpoint, ...]
    ttl: int | None = None  # seconds resolvers may keep an answer (dnsConfig.ttl)

    def statuses(self, expect: Collection[str] = ()) -> dict[str, str]:
        """Endpoint name → monitor status; endpoints in `expect` the profile lacks are Absent."""
        found = {e.name: e.monitor_status for e in self.endpoints}
        return found | {name: "Absent" for name in expect if name not in found}


@dataclass(frozen=True)
class DnsName:
    """`reason`: Azure's explanation when the name is taken or invalid (empty when available)."""

    available: bool
    reason: str


def _client(session: AzureSession) -> TrafficManagerManagementClient:
    from azure.mgmt.trafficmanager import TrafficManagerManagementClient

    return TrafficManagerManagementClient(
        session.credential, session.subscription_id, api_version=API_VERSION, **session.retry.sdk_options()
    )


class TrafficManagerNames:
    """The profile's relative DNS name, `<name>.trafficmanager.net`, is global: checked in preflight,
    before Terraform would fail on a name someone else holds."""

    def __init__(self, session: AzureSession) -> None:
        self._client = _client(session)
        self._retry = session.retry

    def dns_name_available(self, name: str) -> DnsName:
        result = call(
            f"check whether the Traffic Manager DNS name '{name}' is available",
            lambda: self._client.profiles.check_traffic_manager_relative_dns_name_availability(
                {"name": name, "type": PROFILE_TYPE}
            ),
            retry=self._retry,
            role=ROLE,
        )
        if result.name_available:
            return DnsName(True, "")
        return DnsName(False, result.message or result.reason or "")


class TrafficManager:
    def __init__(self, session: AzureSession, resource_group: str, profile: str) -> None:
        self._client = _client(session)
        self._retry = session.retry
        self.resource_group = resource_group
        self.profile = profile

    def read(self) -> ProfileStatus:
        """The profile with each endpoint's monitor status (one GET of the profile)."""
        profile = call(
            f"read Traffic Manager profile '{self.profile}'",
            lambda: self._client.profiles.get(self.resource_group, self.profile),
            retry=self._retry,
            role=ROLE,
            propagating=True,
        )
        return ProfileStatus(
            name=profile.name or self.profile,
            fqdn=profile.dns_config.fqdn if profile.dns_config else "",
            monitor_status=_value(profile.monitor_config.profile_monitor_status) if profile.monitor_config else "",
            endpoints=tuple(
                Endpoint(e.name or "", _value(e.endpoint_monitor_status), e.target or "", e.endpoint_location or "", e.priority)
                for e in profile.endpoints or ()
            ),
            ttl=profile.dns_config.ttl if profile.dns_config else None,
        )

    def wait_online(
        self,
        timeout: float,
        poll: float = 10.0,
        on_change: Callable[[Mapping[str, str]], None] | None = None,
        expect: Collection[str] = (),
    ) -> ProfileStatus:
        """Poll until every endpoint (and each of `expect`) is Online, or raise CloudError at `timeout`.

        `on_change` gets the endpoint → status map on the first read and whenever it changes.
        """
        deadline = time.monotonic() + timeout
        last: dict[str, str] | None = None
        while True:
            status = self.read()
            now = status.statuses(expect)
            if now != last and on_change is not None:
                on_change(now)
            last = now
            if now and all(s == "Online" for s in now.values()):
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                raise CloudError(
                    f"Traffic Manager profile '{self.profile}': not every endpoint is Online after {timeout:g} s: "
                    + (_describe(now) or "the profile has no endpoints"),
                    "check each region's /api/health and its web app's logs",
                )
            time.sleep(min(poll, left))


def _value(status: object) -> str:
    """The wire value of an SDK enum member (or of a status the SDK does not know yet)."""
    return str(getattr(status, "value", status) or "")


def _describe(statuses: Mapping[str, str]) -> str:
    return "; ".join(
        f"{name} is {s} ({WHY.get(s, 'unknown status')})" for name, s in sorted(statuses.items()) if s != "Online"
    )
