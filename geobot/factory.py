"""The one place that builds geobot's collaborators from the options and the config.

Commands ask the factory for a reporter, a config or a deployment and never construct
anything themselves (chalice's CLIFactory). Targets are imported only when asked for, so
`geobot --help` loads no target, Terraform library or cloud SDK.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from geobot import wording
from geobot.errors import ConfigError, InputError, NoDeployment
from geobot.ui import Redactor, Reporter, make_reporter

TARGETS = {"local": "geobot.targets.local.target:LocalTarget", "azure": "geobot.targets.azure.target:AzureTarget",
           "aws": "geobot.targets.aws.target:AwsTarget"}


@dataclass(frozen=True)
class Options:
    """The global command-line options, after Typer has read flags and GEOBOT_* variables."""

    config_path: Path | None = None
    state_dir: Path = Path(".geobot")
    target: str | None = None
    output: str = "text"
    auto_approve: bool = False
    verbose: bool = False
    color: bool = True
    config_flag: str = "--config"  # how the user gave config_path: the flag or GEOBOT_CONFIG
    state_dir_flag: str = "--state-dir"  # the flag or GEOBOT_STATE_DIR


class Factory:
    def __init__(self, options: Options, env: Mapping[str, str] = os.environ, interactive: bool | None = None) -> None:
        self.options = options
        self.env = env
        self.interactive = sys.stdin.isatty() and sys.stderr.isatty() if interactive is None else interactive
        self.redact = Redactor()
        self.flags: dict[str, object] = {}  # config keys set by a command's own options

    @cached_property
    def reporter(self) -> Reporter:
        color = self.options.color and "NO_COLOR" not in self.env
        return make_reporter(
            self.options.output, tty=self.interactive, verbose=self.options.verbose, color=color, redact=self.redact
        )

    @cached_property
    def config(self):  # -> geobot.config.Config (imported lazily: pydantic is not free)
        from geobot import config as configuration

        flags = {**self.flags, **({"target": self.options.target} if self.options.target else {})}
        prompt = self._prompt_secret if self.interactive else None
        loaded = configuration.load(self.options.config_path, self.env, flags, prompt, self.options.config_flag)
        if loaded.certificate.pfx_password is not None:
            self.redact.add(loaded.certificate.pfx_password.get_secret_value())
        for warning in loaded.warnings:
            self.reporter.warning(warning)
        return loaded

    def set_flag(self, key: str, value: object) -> None:
        """A command option that is a config key (`deploy --all-at-once`); before the config is read."""
        assert "config" not in self.__dict__, "set_flag after the config was loaded"
        self.flags[key] = value

    def language_model(self, target: str | None = None):  # -> geobot.nlu.fit.Fit
        """The [bot] model checked for the target (the configured one unless given): every problem
        stops the command (exit 2), what the target drops is warned of."""
        from geobot.nlu.fit import check

        fit = check(self.config.bot.model, target or self.config.target)
        for warning in fit.warnings:
            self.reporter.warning(warning)
        return fit

    @staticmethod
    def _prompt_secret(label: str) -> str:
        import getpass

        return getpass.getpass(f"{label}: ")

    def export_password(self) -> str:
        """The password a certificate export is protected with: GEOBOT_EXPORT_PASSWORD or asked twice."""
        password = self.env.get("GEOBOT_EXPORT_PASSWORD")
        if not password and self.interactive:
            password = self._prompt_secret("Password for the exported PFX")
            if password != self._prompt_secret("The same password again"):
                raise InputError("the two passwords differ", "run the command again and type the same password twice")
        if not password:
            raise InputError("the certificate export needs a password",
                             "set GEOBOT_EXPORT_PASSWORD (or run in a terminal to be asked); keep it with the PFX")
        if len(password) < 8:
            raise InputError("GEOBOT_EXPORT_PASSWORD: is shorter than 8 characters", "choose a longer password")
        self.redact.add(password)
        return password

    def import_password(self, path: Path) -> str:
        """The password of a PFX to import: GEOBOT_PFX_PASSWORD, or asked."""
        password = self.env.get("GEOBOT_PFX_PASSWORD")
        if password is None and self.interactive:
            password = self._prompt_secret(f"Password for {path}")
        if password is None:
            raise InputError(f"{path}: the PFX's password is needed", "set GEOBOT_PFX_PASSWORD, or run in a terminal to be asked")
        self.redact.add(password)
        return password

    def deployment_dir(self) -> Path:
        """Where this deployment lives; checked, not created (a refused command leaves nothing)."""
        directory = self.options.state_dir / self.config.name
        flag = self.options.state_dir_flag
        try:
            existing = next(p for p in (directory, *directory.parents) if p.exists())
        except OSError as exc:  # a name too long, a loop of links ...
            raise ConfigError(flag, str(self.options.state_dir), f"cannot be used: {wording.os_reason(exc)}",
                              f"give {flag} a directory you can write to") from None
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            why = f"{existing} is not writable" if existing.is_dir() else f"{existing} is a file, not a directory"
            raise ConfigError(flag, str(self.options.state_dir), f"cannot be created: {why}",
                              f"give {flag} a directory you can write to")
        return directory

    @cached_property
    def binary(self):  # -> geobot.terraform.binary.Binary
        from geobot.terraform.binary import find

        return find(self.env)

    def engine(self):  # -> geobot.terraform.engine.Engine
        from geobot.terraform.engine import Engine

        return Engine(self.binary, self.env, self.reporter.emit)

    def target(self):  # -> geobot.targets.base.Target
        name = self.config.target
        if name not in TARGETS:
            raise InputError(f"target = {name!r}: this geobot release cannot deploy it yet", "use --target local")
        module, _, cls = TARGETS[name].partition(":")
        return getattr(importlib.import_module(module), cls)(self.config, self.engine(), self.options.auto_approve, self.env)

    def deployment(self, resume_command: Callable[[str], str], approve: Callable[[str], bool], *, existing: bool = False):
        """The deployment; with `existing`, it must have been deployed (status, chat, cert need one)."""
        from geobot.deployment import Deployment
        from geobot.pipeline.journal import Journal
        from geobot.pipeline.runner import Runner

        directory = self.deployment_dir()
        journal = Journal(directory, self.config.name, self.config.target)
        if existing and not journal.exists():
            raise NoDeployment(f"there is no deployment {self.config.name} in {self.options.state_dir}",
                               "deploy it with `geobot deploy`, or point --state-dir / --config at it")
        journal.load()
        runner = Runner(journal, self.reporter.emit, resume_command)
        return Deployment(journal, runner, self.target(), self.reporter, approve, self.options.state_dir_flag)
