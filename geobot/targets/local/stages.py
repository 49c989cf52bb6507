"""The local target's stages.

preflight (always): the Terraform engine and the deployment directory are usable.
infrastructure: `terraform/local` applied with one entry per region (terraform_data only,
  so it runs offline); each resource provisions its directory and logs to provision.log.
verify (always): every region the configuration declares has been provisioned.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.stage import Stage, StageContext
from geobot.terraform.binary import Binary


def render_variables(config: Config, deployment_dir: Path) -> dict[str, Any]:
    """geobot.toml → the `terraform/local` variables: one `regions` entry per bot region."""
    return {
        "deployment": config.name,
        "deployment_dir": str(deployment_dir.resolve()),
        "global_region": config.global_region,
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
    }


class Preflight(Stage):
    name = "preflight"
    description = "check the Terraform engine and the state directory"
    always_run = True

    def __init__(self, binary: Binary) -> None:
        self.binary = binary

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        if not os.access(ctx.workdir, os.W_OK):
            raise CloudError(f"deployment directory {ctx.workdir} is not writable", "fix its permissions")
        return {"terraform": self.binary.describe()}


class Verify(Stage):
    name = "verify"
    description = "check that every region is provisioned"
    always_run = True

    def __init__(self, config: Config) -> None:
        self.config = config

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        provisioned = ctx.output_of("infrastructure").get("regions", {})
        for region in self.config.regions:
            record = provisioned.get(region)
            if record is None or not (Path(record["dir"]) / "region.json").is_file():
                raise CloudError(
                    f"region {region} is not provisioned (its directory is missing)",
                    "something removed it outside geobot; run `geobot destroy` and deploy again",
                )
        return {"regions": sorted(provisioned)}


def region_status(config: Config, deployment_dir: Path) -> dict[str, Any]:
    regions = {}
    for region in config.regions:
        settings = deployment_dir / "regions" / region / "region.json"
        regions[region] = {
            "provisioned": settings.is_file(),
            "priority": json.loads(settings.read_text())["priority"] if settings.is_file() else None,
        }
    return regions
