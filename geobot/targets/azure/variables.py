"""geobot.toml → the variables of `terraform/azure`, and the combinations Azure cannot deploy.

The shape parallels `terraform/local`'s (deployment, global_region, routing_method, probe, one
`regions` entry per bot region with the names `geobot/naming.py` derives); the rest is Azure's
own. No variable holds a secret, so `geobot plan` can print all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geobot.config import Config
from geobot.errors import ConfigError
from geobot.targets.azure.package import startup_command
from geobot.targets.certificates import CERTIFICATE


@dataclass(frozen=True)
class Binding:
    """How far the TLS of the custom domain has got: later stages re-apply with more of it bound."""

    hostname: bool = False
    certificate: bool = False


def render_variables(config: Config, binding: Binding = Binding()) -> dict[str, Any]:
    azure = config.azure
    return {
        "deployment": config.name,
        "global_region": config.global_region,
        "names": config.resource_names(),
        "routing_method": config.routing,
        "probe": config.probe.model_dump(),
        "regions": {
            region: {
                "priority": index + 1,
                "weight": config.weights.get(region, 1),
                "names": config.region_resource_names(region),
            }
            for index, region in enumerate(config.regions)
        },
        "edge": azure.edge,
        "domain": config.domain,
        "bind_hostname": binding.hostname,
        "bind_certificate": binding.certificate,
        "certificate_name": CERTIFICATE,
        "app_service_sku": azure.app_service_sku,
        "language_sku": azure.language_sku,
        "purge_protection": azure.purge_protection,
        "app_service_principal_object_id": azure.app_service_principal_object_id,
        "startup_command": startup_command(config.bot.app_spec),
    }


def impossible(config: Config) -> list[ConfigError]:
    """What deploy must refuse (exit 2) on Azure; `geobot plan` shows the same as warnings."""
    problems = []
    if config.azure.edge == "trafficmanager":
        if config.domain is None:
            problems.append(ConfigError(
                "domain", None,
                f"is needed with azure.edge = \"trafficmanager\": App Service binds no certificate to {config.host_name}",
                'set domain = "bot.example.com" (geobot prints its CNAME and TXT records), or azure.edge = "frontdoor"'))
        if config.certificate.source == "local-ca":
            problems.append(ConfigError(
                "certificate.source", "local-ca", "a local CA is trusted only on this machine, not by Azure's clients",
                'use "letsencrypt" with certificate.email, or "pfx" with certificate.pfx_path'))
    return problems
