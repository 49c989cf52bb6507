"""Terraform commands as geobot uses them: init, plan to a file, apply that file, output.

Each method is argv (pure) + process (streamed) + parse (pure). Progress events go to the
`on_event` callback as they happen; a failed command raises a classified TerraformError.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geobot.terraform import argv as tfargv
from geobot.terraform import process
from geobot.terraform.binary import Binary
from geobot.terraform.errors import classify
from geobot.terraform.events import ChangeSummary, PlannedChange, TerraformEvent, parse_line
from geobot.terraform.tfvars import var_file

PLAN_FILE = "geobot.tfplan"


@dataclass(frozen=True)
class SavedPlan:
    """A plan written to disk; applying it runs exactly what was shown."""

    path: Path
    summary: ChangeSummary
    changes: tuple[PlannedChange, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Outputs:
    """`terraform output -json`, with the names of sensitive outputs kept apart."""

    values: Mapping[str, Any]
    sensitive: frozenset[str]

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k not in self.sensitive}


class Engine:
    def __init__(
        self,
        binary: Binary,
        env: Mapping[str, str] = os.environ,
        on_event: Callable[[TerraformEvent], None] = lambda event: None,
    ) -> None:
        self.binary = binary
        self._env = process.automation_env(env)
        self._on_event = on_event

    def with_env(self, extra: Mapping[str, str]) -> Engine:
        """The same engine with more environment for Terraform (a provider's settings, never a secret)."""
        return Engine(self.binary, {**self._env, **extra}, self._on_event)

    def _run(self, workdir: Path, args: list[str], collect: list[TerraformEvent] | None = None) -> process.Result:
        def on_line(line: str) -> None:
            event = parse_line(line)
            if event is None:
                return
            if collect is not None:
                collect.append(event)
            self._on_event(event)

        result = process.run([*self.binary.command, *args], workdir, self._env, on_line, log_name=f"terraform-{args[0]}")
        if result.code != 0:
            raise classify(args[0], result)
        return result

    def init(self, workdir: Path) -> None:
        self._run(workdir, tfargv.init())

    def plan(self, workdir: Path, variables: Mapping[str, Any], *, destroy: bool = False) -> SavedPlan:
        events: list[TerraformEvent] = []
        plan_path = workdir / PLAN_FILE
        with var_file(workdir, variables) as path:
            self._run(workdir, tfargv.plan(PLAN_FILE, path.name, destroy=destroy), events)
        if plan_path.exists():
            os.chmod(plan_path, 0o600)
        summary = next(
            (e for e in reversed(events) if isinstance(e, ChangeSummary)),
            ChangeSummary("destroy" if destroy else "plan", 0, 0, 0),
        )
        changes = tuple(e for e in events if isinstance(e, PlannedChange))
        return SavedPlan(plan_path, summary, changes)

    def apply(self, workdir: Path, plan: SavedPlan) -> None:
        """Apply a saved plan, then delete it: plan files hold variable values."""
        try:
            self._run(workdir, tfargv.apply(plan.path.name))
        finally:
            plan.path.unlink(missing_ok=True)

    def output(self, workdir: Path) -> Outputs:
        raw = json.loads(self._run(workdir, tfargv.output()).stdout or "{}")
        return Outputs(
            {name: item.get("value") for name, item in raw.items()},
            frozenset(name for name, item in raw.items() if item.get("sensitive")),
        )
