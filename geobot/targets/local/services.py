"""The stages that bring the declared services to life: the vault's settings, then processes.

configuration: the settings every bot reads from the vault at start (Key Vault's role in
  Azure): language endpoint and model, state store, health-cache time and a drill key made
  once. The model file's digest and the bot app's (`[bot] app`: its spec and, for a directory,
  its files) are part of the settings' fingerprint, so bots restart when they change, not only
  when a path does. The app reaches each bot as GEOBOT_BOT_APP.
services (always): the router and one bot per region running as declared; a crashed or
  missing process is started again, a running one whose declaration changed is restarted, and
  a process no longer declared (a removed region) is stopped. Teardown stops them all.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from geobot.bot import appspec
from geobot.bot import settings as names
from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.planner import fingerprint
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.local.declarations import Declarations
from geobot.targets.local.processes import Supervisor, port_in_use

SETTINGS_DIGEST = "GEOBOT_SETTINGS_DIGEST"  # in each bot's environment: changed settings restart it
BOT_APP = "GEOBOT_BOT_APP"


def process_env(configuration: Mapping[str, Any]) -> dict[str, str]:
    """The environment every declared process starts with, from the configuration stage's outputs."""
    return {SETTINGS_DIGEST: configuration.get("settings", ""), BOT_APP: configuration.get("app", appspec.SAMPLE)}


def supervisor(ctx: StageContext) -> Supervisor:
    return Supervisor(ctx.workdir / "run")


class Configuration(Stage):
    name = "configuration"
    description = "write the bots' settings into the vault"

    def __init__(self, config: Config) -> None:
        self.config = config

    def settings(self, ctx: StageContext) -> dict[str, str]:
        declared = Declarations.from_outputs(ctx.output_of("infrastructure"))
        return {
            names.LANGUAGE_ENDPOINT: "local",
            names.LANGUAGE_MODEL: str(self.config.bot.model),
            names.STORE_URL: declared.store_url,
            names.HEALTH_CACHE_SECONDS: str(min(5.0, self.config.probe.interval / 2)),
        }

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        if not ctx.output_of("infrastructure"):
            return {}
        return {**self.settings(ctx), "model_sha256": hashlib.sha256(self.config.bot.model.read_bytes()).hexdigest(),
                "app": self.config.bot.app, "app_sha256": self.config.bot.app_spec.digest()}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        vault = Declarations.from_outputs(ctx.output_of("infrastructure")).vault()
        settings = self.settings(ctx)
        for name, value in settings.items():
            if vault.get_secret(name) != value:
                vault.set_secret(name, value)
        if vault.get_secret(names.DRILL_KEY) is None:
            vault.set_secret(names.DRILL_KEY, secrets.token_urlsafe(32))
        return {"settings": fingerprint(self.inputs(ctx)), "app": self.config.bot.app}


class Services(Stage):
    name = "services"
    description = "start or check the router and one bot per region"
    always_run = True

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        declared = Declarations.from_outputs(ctx.output_of("infrastructure"))
        env = process_env(ctx.output_of("configuration"))
        processes = supervisor(ctx)
        actions: dict[str, str] = {}
        for spec in declared.process_specs(env):
            actions[spec.name] = processes.ensure(spec)
            if actions[spec.name] != "running":
                ctx.note(f"{spec.name} {actions[spec.name]} on 127.0.0.1:{spec.port}")
        for state in processes.states():
            if state.name not in actions:
                processes.stop(state.name)
                actions[state.name] = "stopped"
                ctx.note(f"{state.name} stopped: no longer declared")
        return {"processes": actions}

    def teardown(self, ctx: StageContext) -> None:
        processes = supervisor(ctx)
        ports = [state.port for state in processes.states() if state.port]
        processes.stop_all()
        held = [port for port in ports if port_in_use(port)]
        if held:
            raise CloudError(f"ports {', '.join(map(str, held))} are still in use after stopping the services",
                             "find the program holding them (`ss -ltnp`) and stop it")
