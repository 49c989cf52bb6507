"""The object every command receives through `ctx.obj`: options, factory, reporter."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from geobot.errors import InputError
from geobot.factory import Factory, Options
from geobot.ui import PlainReporter, Redactor, Reporter


@dataclass
class AppContext:
    factory: Factory | None = None
    argv_globals: list[str] = field(default_factory=list)

    def configure(self, options: Options, argv_globals: list[str]) -> None:
        self.factory = Factory(options)
        self.argv_globals = argv_globals

    @property
    def reporter(self) -> Reporter:
        return self.factory.reporter if self.factory else PlainReporter(Redactor())

    def resume_command(self, command: str) -> str:
        return shlex.join(["geobot", *self.argv_globals, command])

    def deployment(self, *, approve_for: str | None = None, existing: bool = False):  # -> geobot.deployment.Deployment
        """The deployment, asking consent for `approve_for` (deploy/destroy); `existing`: it must exist."""
        assert self.factory is not None
        approve = self.approval(approve_for) if approve_for else (lambda question: False)
        return self.factory.deployment(self.resume_command, approve, existing=existing)

    def approval(self, command: str) -> Callable[[str], bool]:
        """How deploy/destroy get consent: --auto-approve, a question on a TTY, or a refusal."""
        assert self.factory is not None
        if self.factory.options.auto_approve:
            return lambda question: True
        if not self.factory.interactive or self.factory.options.output == "json":
            raise InputError(
                f"{command} needs --auto-approve when there is no terminal to ask on",
                f"review `geobot plan`, then run `geobot {command} --auto-approve` (or set GEOBOT_AUTO_APPROVE=1)",
            )
        return self.factory.reporter.approve
