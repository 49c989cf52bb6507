"""The stage that applies a Terraform configuration, shared by every target.

The configuration (its root and its `modules/`) is copied into the deployment's directory
(state stays beside the journal, never in the installed package), planned to a file with the
rendered variables, shown, approved and applied. Teardown plans a destroy and applies it the
same way. Several stages may apply one configuration with different variables (the Azure
target binds its TLS this way): they share one `state`, and only its owner tears it down.
A `backend` (e.g. {"azurerm": {...}}) is written as `backend_override.tf.json` before
`terraform init`: the configurations have no backend block, so local state is the default.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geobot.errors import GeobotError
from geobot.pipeline.stage import Stage, StageContext
from geobot.terraform.engine import Engine, SavedPlan


COPIED = ("*.tf", "modules/**/*.tf", "flows/*.json")  # flows: the Amazon Connect flow terraform/aws templates
BACKEND_FILE = "backend_override.tf.json"


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for pattern in COPIED for p in directory.glob(pattern)):
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
        *,
        state: str | None = None,
        backend: Callable[[StageContext], Mapping[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.engine = engine
        self.source = source
        self.variables = variables
        self.auto_approve = auto_approve
        self.state = state or name
        self.backend = backend

    @property
    def owns_state(self) -> bool:
        return self.state == self.name

    def workdir(self, ctx: StageContext) -> Path:
        return ctx.workdir / "terraform" / self.state

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        inputs = {"configuration": tree_digest(self.source), "variables": dict(self.variables(ctx))}
        return inputs | ({"backend": dict(self.backend(ctx))} if self.backend else {})

    def _prepare(self, ctx: StageContext) -> Path:
        workdir = self.workdir(ctx)
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in [p for pattern in COPIED for p in workdir.glob(pattern)]:
            old.unlink()
        for path in [p for pattern in COPIED for p in self.source.glob(pattern)]:
            copy = workdir / path.relative_to(self.source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        backend = workdir / BACKEND_FILE
        if self.backend:
            backend.write_text(json.dumps({"terraform": {"backend": dict(self.backend(ctx))}}, indent=2))
        else:
            backend.unlink(missing_ok=True)
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
        """The state's owner destroys everything in it; a stage that only changes variables has nothing of its own."""
        if not self.owns_state:
            return
        workdir = self._plan_and_apply(ctx, destroy=True)
        shutil.rmtree(workdir)
