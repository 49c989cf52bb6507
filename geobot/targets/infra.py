"""The stage that applies a Terraform configuration, shared by every target.

The configuration is copied into the deployment's directory (state stays beside the journal,
never in the installed package), planned to a file with the rendered variables, shown, approved
and applied. Teardown plans a destroy and applies it the same way.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geobot.errors import GeobotError
from geobot.pipeline.stage import Stage, StageContext
from geobot.terraform.engine import Engine, SavedPlan


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.tf")):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Cancelled(GeobotError):
    """The user answered no: nothing was applied."""


class TerraformStage(Stage):
    def __init__(
        self,
        name: str,
        description: str,
        engine: Engine,
        source: Path,
        variables: Callable[[StageContext], Mapping[str, Any]],
        auto_approve: bool,
    ) -> None:
        self.name = name
        self.description = description
        self.engine = engine
        self.source = source
        self.variables = variables
        self.auto_approve = auto_approve

    def workdir(self, ctx: StageContext) -> Path:
        return ctx.workdir / "terraform" / self.name

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return {"configuration": tree_digest(self.source), "variables": dict(self.variables(ctx))}

    def _prepare(self, ctx: StageContext) -> Path:
        workdir = self.workdir(ctx)
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in workdir.glob("*.tf"):
            old.unlink()
        for path in self.source.glob("*.tf"):
            shutil.copyfile(path, workdir / path.name)
        self.engine.init(workdir)
        return workdir

    def _approved(self, ctx: StageContext, plan: SavedPlan) -> bool:
        if plan.summary.empty or self.auto_approve:
            return True
        s = plan.summary
        return ctx.approve(f"{self.name}: {s.add} to add, {s.change} to change, {s.remove} to destroy. Apply?")

    def _plan_and_apply(self, ctx: StageContext, *, destroy: bool) -> Path:
        workdir = self._prepare(ctx)
        plan = self.engine.plan(workdir, self.variables(ctx), destroy=destroy)
        if not self._approved(ctx, plan):
            plan.path.unlink(missing_ok=True)
            verb = "destroy" if destroy else "deploy"
            raise Cancelled(f"{verb} cancelled at stage {self.name}: nothing was applied", f"run `geobot {verb}` again and answer yes")
        self.engine.apply(workdir, plan)
        return workdir

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        workdir = self._plan_and_apply(ctx, destroy=False)
        return self.engine.output(workdir).public()

    def preview(self, ctx: StageContext) -> str | None:
        workdir = self._prepare(ctx)
        plan = self.engine.plan(workdir, self.variables(ctx))
        plan.path.unlink(missing_ok=True)
        s = plan.summary
        return f"terraform: {s.add} to add, {s.change} to change, {s.remove} to destroy"

    def teardown(self, ctx: StageContext) -> None:
        workdir = self._plan_and_apply(ctx, destroy=True)
        shutil.rmtree(workdir)
