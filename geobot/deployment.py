"""One deployment as the commands see it: plan, deploy, destroy, status, under its lock.

This is the pipeline's front door (chalice's Deployer): it takes the lock, shows the plan,
runs it, and forgets the deployment after a complete destroy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from geobot.pipeline.journal import Journal
from geobot.pipeline.model import Plan
from geobot.pipeline.runner import Runner
from geobot.targets.base import Target
from geobot.ui import Reporter


class Deployment:
    def __init__(self, journal: Journal, runner: Runner, target: Target, reporter: Reporter,
                 approve: Callable[[str], bool]) -> None:
        self.journal = journal
        self.runner = runner
        self.target = target
        self.reporter = reporter
        self.approve = approve

    def plan(self, command: str, *, preview: bool) -> tuple[Plan, dict[str, str]]:
        """What `command` would do. With `preview`, stages that can (Terraform) say what would change."""
        with self.journal.lock(f"geobot plan {command}"):
            ctx = self.runner.context(self.approve)
            stages = self.target.stages()
            plan = self.runner.plan(command, stages, ctx)
            previews: dict[str, str] = {}
            if preview and command == "deploy":
                for stage in stages:
                    ctx.stage = stage.name
                    step = next(s for s in plan.steps if s.stage == stage.name)
                    text = stage.preview(ctx) if step.action == "run" else None
                    if text:
                        previews[stage.name] = text
            return plan, previews

    def deploy(self) -> dict[str, Any]:
        with self.journal.lock("geobot deploy"):
            ctx = self.runner.context(self.approve)
            stages = self.target.stages()
            self.reporter.plan(self.runner.plan("deploy", stages, ctx), {})
            outputs = self.runner.deploy(stages, ctx)
        return {name: values for name, values in outputs.items() if values}

    def destroy(self) -> None:
        with self.journal.lock("geobot destroy"):
            ctx = self.runner.context(self.approve)
            stages = self.target.stages()
            self.reporter.plan(self.runner.plan("destroy", stages, ctx), {})
            self.runner.destroy(stages, ctx)
            self.journal.remove()
        shutil.rmtree(self.journal.directory, ignore_errors=True)

    def status(self) -> dict[str, Any]:
        records = self.journal.load()["stages"]
        return {
            "deployment": self.journal.deployment,
            "target": self.journal.target,
            "deployed": bool(records) and all(r.get("status") == "successful" for r in records.values()),
            "stages": {name: record.get("status") for name, record in records.items()},
            **self.target.status(self.journal),
        }
