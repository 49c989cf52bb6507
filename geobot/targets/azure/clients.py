"""The Azure clients of one deployment, addressed by what `terraform/azure` outputs.

The azure target's stages get their clients here and nowhere else; preflight, which runs
before Terraform has output anything, gets its subscription-wide ones from `PreflightClients`.
Each client is built when a stage asks for it and imports its SDK in its constructor, so
`geobot --help` and the local target import no Azure SDK, and a stage that needs only Key
Vault imports only azure-keyvault. Only the modules of this package import Azure SDKs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geobot.targets.azure.botservice import BotNames, BotService
from geobot.targets.azure.frontdoor import FrontDoorRotation, region_health_url
from geobot.targets.azure.keyvault import KeyVault
from geobot.targets.azure.providers import Providers
from geobot.targets.azure.rollout import TrafficManagerRotation
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.trafficmanager import TrafficManager, TrafficManagerNames
from geobot.targets.azure.vaults import Vaults
from geobot.targets.azure.zipdeploy import ZipDeploy


class AzureClients:
    def __init__(self, session: AzureSession, outputs: Mapping[str, Any]) -> None:
        """`outputs`: the values of `terraform output -json` (`Outputs.values`)."""
        self.session = session
        self.outputs = outputs

    def traffic_manager(self) -> TrafficManager | None:
        """None with the Front Door edge, which has no endpoints to wait for."""
        profile = self.outputs.get("traffic_manager")
        return TrafficManager(self.session, profile["resource_group"], profile["name"]) if profile else None

    def rotation(self, online_timeout: float, poll: float) -> TrafficManagerRotation | FrontDoorRotation:
        """What takes a region out of rotation for a rolling update: its endpoint or its origin."""
        profile = self.outputs.get("traffic_manager")
        if profile:
            return TrafficManagerRotation(self.session, profile["resource_group"], profile["name"],
                                          profile["endpoints"], online_timeout, poll)
        front_door = self.outputs["front_door"]
        return FrontDoorRotation(self.session, front_door["profile_id"], front_door["origin_group"],
                                 front_door["origins"], front_door["endpoint_host_name"], online_timeout, poll)

    def health_url(self, region: str, probe_path: str) -> str:
        """Where the deployer reads one region's own health answer: its web app's host name, or behind
        Front Door (whose web apps admit only Front Door) the route to that region alone (edge.tf)."""
        front_door = self.outputs.get("front_door")
        if front_door:
            return region_health_url(front_door["endpoint_host_name"], region)
        return f"https://{self.outputs['regions'][region]['default_hostname']}{probe_path}"

    def expected_endpoints(self) -> dict[str, str]:
        """Region → Traffic Manager endpoint name: what `wait_online(expect=...)` must see Online."""
        return dict((self.outputs.get("traffic_manager") or {}).get("endpoints", {}))

    def key_vault(self) -> KeyVault:
        """The configuration vault: the bots' settings and the ACME tokens they answer with."""
        return KeyVault(self.session, self.outputs["key_vault"]["uri"])

    def certificate_vault(self) -> KeyVault:
        """The certificate's own vault, which no bot can read."""
        return KeyVault(self.session, self.outputs["certificate_vault"]["uri"])

    def bot_service(self) -> BotService:
        bot = self.outputs["bot"]
        return BotService(self.session, bot["resource_group"], bot["name"])

    def zip_deploy(self, region: str) -> ZipDeploy:
        return ZipDeploy(self.session, self.outputs["regions"][region]["default_hostname"])


class PreflightClients:
    """The subscription-wide clients preflight needs: addressed by the session alone."""

    def __init__(self, session: AzureSession) -> None:
        self.session = session

    def providers(self) -> Providers:
        return Providers(self.session)

    def traffic_manager_names(self) -> TrafficManagerNames:
        return TrafficManagerNames(self.session)

    def vaults(self) -> Vaults:
        return Vaults(self.session)

    def bot_names(self) -> BotNames:
        return BotNames(self.session)
