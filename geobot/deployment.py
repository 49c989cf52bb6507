"""One deployment as the commands see it: plan, deploy, destroy, status, under its lock.

This is the pipeline's front door (chalice's Deployer): it takes the lock, shows the plan,
runs it, and forgets the deployment after a complete destroy.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from geobot import wording
from geobot.certs.pfx import describe
from geobot.errors import ConfigError
from geobot.pipeline.journal import Journal
from geobot.pipeline.model import Note, Plan
from geobot.pipeline.runner import Runner
from geobot.targets.base import Target
from geobot.ui import Reporter

T = TypeVar("T")


class Deployment:
    def __init__(self, journal: Journal, runner: Runner, target: Target, reporter: Reporter,
                 approve: Callable[[str], bool], state_dir_flag: str = "--state-dir") -> None:
        """`state_dir_flag`: how the user gave the state directory (--state-dir or GEOBOT_STATE_DIR)."""
        self.journal = journal
        self.state_dir_flag = state_dir_flag
        self.runner = runner
        self.target = target
        self.reporter = reporter
        self.approve = approve

    def _create_directory(self) -> None:
        directory = self.journal.directory
        try:
            directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            directory.mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise ConfigError(self.state_dir_flag, str(directory.parent), f"cannot be created: {wording.os_reason(exc)}",
                              f"give {self.state_dir_flag} a directory you can write to") from exc

    def plan(self, command: str, *, preview: bool) -> tuple[Plan, dict[str, str]]:
        """What `command` would do. With `preview`, stages that can (Terraform) say what would change."""
        self._create_directory()
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
        self.target.validate(self.journal.directory)
        self._create_directory()
        with self.journal.lock("geobot deploy"):
            ctx = self.runner.context(self.approve)
            stages = self.target.stages()
            self.reporter.plan(self.runner.plan("deploy", stages, ctx), {})
            outputs = self.runner.deploy(stages, ctx)
        return {name: values for name, values in outputs.items() if values}

    def destroy(self, export: Path | None, password: str | None) -> dict[str, Any]:
        """Export the certificate (unless export is None), prove the file, and only then tear down."""
        exported: dict[str, Any] = {}
        with self.journal.lock("geobot destroy"):
            ctx = self.runner.context(self.approve)
            stages = self.target.stages()
            self.reporter.plan(self.runner.plan("destroy", stages, ctx), {})
            if export is not None and self.holds_certificate():
                assert password is not None
                pfx = self.target.certificates(self.journal, self._note).export(export, password, "--export")
                info = describe(pfx)
                exported = {"exported": str(export), "subject": info["subject"], "not_after": info["not_after"]}
                self._note(f"certificate exported to {export} and verified; tearing down")
            self.runner.destroy(stages, ctx)
            self.journal.remove()
        shutil.rmtree(self.journal.directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.journal.directory.parent.rmdir()  # the state directory, when no other deployment is left
        return exported

    def holds_certificate(self) -> bool:
        """Whether a certificate stage made one that destroy must save (Front Door and AWS have none)."""
        return self.journal.stage("certificate").get("status") not in (None, "destroyed")

    def certificates(self, command: str, action: Callable[[Any], T]) -> T:
        """Run a certificate operation (renew, import, export) under the deployment's lock."""
        with self.journal.lock(command):
            return action(self.target.certificates(self.journal, self._note))

    def chat_endpoint(self) -> Any:
        return self.target.chat_endpoint(self.journal)

    def _note(self, text: str) -> None:
        self.reporter.emit(Note("", text))

    def status(self) -> dict[str, Any]:
        records = self.journal.load()["stages"]
        return {
            "deployment": self.journal.deployment,
            "target": self.journal.target,
            "deployed": bool(records) and all(r.get("status") == "successful" for r in records.values()),
            "stages": {stage.name: records[stage.name].get("status") for stage in self.target.stages() if stage.name in records},
            **self.target.status(self.journal),
        }
