"""The local target wired from its stages: what the factory hands to the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geobot.config import Config
from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage
from geobot.resources import terraform_dir
from geobot.targets.infra import TerraformStage
from geobot.targets.local.stages import Preflight, Verify, region_status, render_variables
from geobot.terraform.engine import Engine


class LocalTarget:
    name = "local"

    def __init__(self, config: Config, engine: Engine, auto_approve: bool) -> None:
        self.config = config
        self.engine = engine
        self.auto_approve = auto_approve

    def stages(self) -> Sequence[Stage]:
        return (
            Preflight(self.engine.binary),
            TerraformStage(
                "infrastructure",
                "global services and one bot per region (terraform/local)",
                self.engine,
                terraform_dir("local"),
                lambda ctx: render_variables(self.config, ctx.workdir),
                self.auto_approve,
            ),
            Verify(self.config),
        )

    def status(self, journal: Journal) -> dict[str, Any]:
        return {"regions": region_status(self.config, journal.directory)}
