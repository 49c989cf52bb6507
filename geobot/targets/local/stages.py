"""The local target's first stages: the variables Terraform gets, and the preflight checks.

preflight (always): the Terraform engine, the deployment directory, and for Let's Encrypt
  certbot and the ACME directory; it journals the ports the deployment settled on (`auto`
  ones included). The ports are checked even earlier, by `ports.check` before the deploy
  takes its lock, so a busy port changes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.local import ports
from geobot.terraform.binary import Binary


def render_variables(config: Config, deployment_dir: Path) -> dict[str, Any]:
    """geobot.toml → the `terraform/local` variables: one `regions` entry per bot region."""
    ports = config.local.bot_ports(config.regions)
    return {
        "deployment": config.name,
        "deployment_dir": str(deployment_dir.resolve()),
        "python": sys.executable,
        "global_region": config.global_region,
        "host_name": config.host_name,
        "routing_method": config.routing,
        "probe": config.probe.model_dump(),
        "router": {
            "https_port": config.local.https_port,
            "http_port": config.local.http_port,
            "retry": config.local.retry,
            "hold_down": config.local.hold_down,
        },
        "regions": {
            region: {
                "priority": index + 1,
                "weight": config.weights.get(region, 1),
                "port": ports[region],
                "names": config.region_resource_names(region),
            }
            for index, region in enumerate(config.regions)
        },
    }


class Preflight(Stage):
    name = "preflight"
    description = "check Terraform, the state directory and the certificate source"
    always_run = True

    def __init__(self, config: Callable[[Path], Config], binary: Binary, env: Mapping[str, str]) -> None:
        self.config = config
        self.binary = binary
        self.env = env

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        if not os.access(ctx.workdir, os.W_OK):
            raise CloudError(f"deployment directory {ctx.workdir} is not writable", "fix its permissions")
        config = self.config(ctx.workdir)
        outputs: dict[str, Any] = {"terraform": self.binary.describe(), "ports": ports.settled_ports(config)}
        if config.certificate.source == "letsencrypt":
            from geobot.certs import acme

            outputs["certbot"] = " ".join(acme.find_certbot(self.env))
            acme.check_directory(config.certificate.acme_directory, self.env)
        return outputs
