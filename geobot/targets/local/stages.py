"""The local target's first stages: the variables Terraform gets, and the preflight checks.

preflight (always): the Terraform engine, the deployment directory, and for Let's Encrypt
  certbot and the ACME directory. The loopback ports are checked even earlier, by
  `check_ports` before the deploy takes its lock, so a busy port changes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import CloudError, ConfigError
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.local.processes import Supervisor, port_in_use
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


def declared_ports(config: Config) -> dict[int, tuple[str, str]]:
    """port → (config field, the process that listens on it)."""
    ports = {config.local.https_port: ("local.https_port", "router"), config.local.http_port: ("local.http_port", "router")}
    for region, port in config.local.bot_ports(config.regions).items():
        ports[port] = ("local.bot_port", f"bot-{region}")
    return ports


class Preflight(Stage):
    name = "preflight"
    description = "check Terraform, the state directory and the certificate source"
    always_run = True

    def __init__(self, config: Config, binary: Binary, env: Mapping[str, str]) -> None:
        self.config = config
        self.binary = binary
        self.env = env

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        if not os.access(ctx.workdir, os.W_OK):
            raise CloudError(f"deployment directory {ctx.workdir} is not writable", "fix its permissions")
        outputs = {"terraform": self.binary.describe()}
        if self.config.certificate.source == "letsencrypt":
            from geobot.certs import acme

            outputs["certbot"] = " ".join(acme.find_certbot(self.env))
            acme.check_directory(self.config.certificate.acme_directory, self.env)
        return outputs


def check_ports(config: Config, run_dir: Path) -> None:
    """Every declared port is free or held by the process geobot runs there (a re-deploy)."""
    ours = {state.name for state in Supervisor(run_dir).states() if state.running} if run_dir.is_dir() else set()
    for port, (field, owner) in declared_ports(config).items():
        if port_in_use(port) and owner not in ours:
            where = "" if field != "local.bot_port" else f" (region {owner.removeprefix('bot-')})"
            variable = {"local.https_port": "GEOBOT_LOCAL_HTTPS_PORT", "local.http_port": "GEOBOT_LOCAL_HTTP_PORT",
                        "local.bot_port": "GEOBOT_LOCAL_BOT_PORT"}[field]
            raise ConfigError(field, port, f"is in use by another program{where}",
                              f"stop that program, or choose a free port with {field} in geobot.toml or {variable}")
