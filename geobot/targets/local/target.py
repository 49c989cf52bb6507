"""The local target wired from its stages: what the factory hands to the pipeline.

preflight → infrastructure (terraform/local) → configuration → services → certificate →
online → smoke: the Azure pipeline's order, with processes on this machine for cloud resources.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geobot.bot import appspec
from geobot.config import Config
from geobot.errors import ConfigError
from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage
from geobot.resources import terraform_dir
from geobot.targets.infra import TerraformStage
from geobot.targets.certificates import Certificates
from geobot.targets.local.certificate import certificate_stage, local_certificates
from geobot.targets.local.declarations import Declarations
from geobot.targets.local import ports
from geobot.targets.local.readiness import Online, Smoke, tls_endpoint
from geobot.targets.local.report import local_status
from geobot.targets.local.services import Configuration, Services
from geobot.targets.local.stages import Preflight, render_variables
from geobot.terraform.engine import Engine


class LocalTarget:
    name = "local"

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, env: Mapping[str, str]) -> None:
        self.config = config
        self.engine = engine
        self.auto_approve = auto_approve
        self.env = env
        self._settled: Config | None = None

    def settled(self, deployment_dir: Path) -> Config:
        """The config with `auto` ports made concrete, once per command so every stage sees the same."""
        if self._settled is None:
            self._settled = ports.settle(self.config, deployment_dir)
        return self._settled

    def validate(self, deployment_dir: Path) -> None:
        try:  # the bots run in this Python: what the user's bot needs must be installed here
            appspec.check_installed(self.config.bot.app_spec)
        except appspec.AppSpecError as exc:
            raise ConfigError("bot.app", self.config.bot.app, exc.rule, exc.fix) from None
        ports.check(self.settled(deployment_dir), deployment_dir / "run")

    def stages(self) -> Sequence[Stage]:
        return (
            Preflight(self.settled, self.engine.binary, self.env),
            TerraformStage(
                "infrastructure",
                "global services and one bot per region (terraform/local)",
                self.engine,
                terraform_dir("local"),
                lambda ctx: render_variables(self.settled(ctx.workdir), ctx.workdir),
                self.auto_approve,
            ),
            Configuration(self.config),
            Services(self.config),
            certificate_stage(self.config, self.env),
            Online(self.config),
            Smoke(self.config),
        )

    def status(self, journal: Journal) -> dict[str, Any]:
        return local_status(self.config, journal.directory, journal.outputs(), journal.stage("services").get("progress"))

    def summary(self, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        certificate = outputs.get("certificate", {})
        return {
            "url": outputs.get("smoke", {}).get("url"),
            "regions": ", ".join(f"{name} {state}" for name, state in outputs.get("online", {}).get("endpoints", {}).items()),
            "certificate": f"{certificate.get('subject')} from {certificate.get('issuer')}, until {certificate.get('not_after', '')[:10]}",
            "next": "geobot status; geobot chat; geobot destroy (saves the certificate first)",
        }

    def certificates(self, journal: Journal, note: Callable[[str], None]) -> Certificates:
        declared = Declarations.from_outputs(journal.outputs().get("infrastructure", {}))
        return local_certificates(self.config, journal.directory, declared, self.env, note)

    def chat_endpoint(self, journal: Journal) -> tuple[str, str, ssl.SSLContext]:
        return tls_endpoint(self.config.host_name, Declarations.from_outputs(journal.outputs().get("infrastructure", {})))
