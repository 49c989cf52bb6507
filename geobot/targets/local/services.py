"""The stages that bring the declared services to life: the vault's settings, then processes.

configuration: the settings every bot reads from the vault at start (Key Vault's role in
  Azure): language endpoint and model, state store, health-cache time and a drill key made
  once. The model file's digest and the bot app's (`[bot] app`: its spec and, for a directory,
  its files) are part of the settings' fingerprint, so bots restart when they change, not only
  when a path does. The app reaches each bot as GEOBOT_BOT_APP.
services (always): the router and one bot per region running as declared; a crashed or
  missing process is started again, and a process no longer declared (a removed region) is
  stopped. A serving region whose code or settings changed is updated one region at a time
  (`geobot.rollout`, journaled as this stage's progress), or with `update = "all-at-once"`
  restarted in place, as is everything when nothing serves. Teardown stops them all.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from geobot.bot import appspec
from geobot.bot import settings as names
from geobot.bot.version import code_version
from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.planner import fingerprint
from geobot.pipeline.stage import Stage, StageContext
from geobot.rollout.driver import Driver
from geobot.rollout.machine import Rollout, choose_mode
from geobot.targets.local.declarations import Declarations
from geobot.targets.local.processes import ProcessSpec, Supervisor, port_in_use
from geobot.targets.local.readiness import online_seconds
from geobot.targets.local.rollout import DRAIN_GRACE, RouterRotation, SupervisorUpdater, check_seconds, drain_seconds

SETTINGS_DIGEST = "GEOBOT_SETTINGS_DIGEST"  # in each bot's environment: changed settings restart it
CODE_VERSION = "GEOBOT_CODE_VERSION"  # likewise the version of the code it runs (geobot.bot.version)
BOT_APP = "GEOBOT_BOT_APP"


def process_env(configuration: Mapping[str, Any]) -> dict[str, str]:
    """What a bot starts with (its settings digest and app), from the configuration stage's outputs."""
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
    description = "start or check the router and one bot per region; roll out new bot code region by region"
    always_run = True

    def __init__(self, config: Config) -> None:
        self.config = config

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        declared = Declarations.from_outputs(ctx.output_of("infrastructure"))
        processes = supervisor(ctx)
        bots = bot_specs(declared, ctx.output_of("configuration"))
        rotation = RouterRotation(declared, online_seconds(self.config))
        previous = Rollout.load(ctx.last_progress())
        stranded = previous.current if previous is not None and previous.current in bots else None
        changed = [region for region, spec in bots.items() if _replaces_live(processes, spec)]
        monitor = rotation.monitor()
        serving = None if monitor is None else [name for name, value in monitor.items() if value == "Online"]
        mode, why = choose_mode(self.config.update, changed, stranded, len(bots), serving)
        if mode is not None:
            ctx.note(f"{mode} update ({why})")
        rolled = list(dict.fromkeys([*([stranded] if stranded else []), *changed])) if mode == "rolling" else []
        actions: dict[str, str] = {}
        for region, spec in bots.items():
            if region not in rolled:
                actions[spec.name] = processes.ensure(spec)
        if mode == "rolling":
            resumed = previous.record() if previous is not None and stranded is not None else None
            self._roll(ctx, declared, processes, bots, rotation, Rollout.begin(changed, resumed), actions)
        elif previous is not None and previous.in_progress:
            if stranded is not None:
                rotation.set_enabled(stranded, True)  # restarted with the others: the online stage awaits it
            ctx.checkpoint(None)
        router = declared.router_spec()
        actions[router.name] = processes.ensure(router)
        for name, action in actions.items():
            if action != "running":
                ctx.note(f"{name} {action}")
        for state in processes.states():
            if state.name not in actions:
                processes.stop(state.name)
                actions[state.name] = "stopped"
                ctx.note(f"{state.name} stopped: no longer declared")
        return {"processes": actions, **({"update": {"mode": mode, "regions": rolled or changed}} if mode else {})}

    def _roll(self, ctx: StageContext, declared: Declarations, processes: Supervisor, bots: Mapping[str, ProcessSpec],
              rotation: RouterRotation, rollout: Rollout, actions: dict[str, str]) -> None:
        probe = declared.router()["probe"]
        updater = SupervisorUpdater(processes, bots, probe["path"], code_version(),
                                    check_seconds(probe["interval"], probe["timeout"], probe["tolerated_failures"]),
                                    actions)
        driver = Driver(rotation, updater, self.drain(), lambda rollout: ctx.checkpoint(rollout.record()), ctx.note,
                        rollback="to roll back, run `geobot deploy` with the previous code or settings: it updates "
                                 "that region again and puts it back; or fix the new version and deploy it",
                        settle=online_seconds(self.config))
        driver.run(rollout)

    def drain(self) -> float:
        return drain_seconds(self.config.probe.dns_ttl, self.config.local.retry)

    def preview(self, ctx: StageContext) -> str | None:
        if self.config.update == "all-at-once":
            return "update: all at once: bots whose code or settings changed restart together (speed over availability)"
        return (f"update: rolling, one region at a time: each leaves rotation for {self.drain():g} s (probe.dns_ttl "
                f"{0 if self.config.local.retry else self.config.probe.dns_ttl} s + {DRAIN_GRACE:g} s for requests in "
                "flight), restarts, passes its health check and comes back Online before the next "
                "(--all-at-once: all together)")

    def teardown(self, ctx: StageContext) -> None:
        processes = supervisor(ctx)
        ports = [state.port for state in processes.states() if state.port]
        processes.stop_all()
        ctx.checkpoint(None)
        held = [port for port in ports if port_in_use(port)]
        if held:
            raise CloudError(f"ports {', '.join(map(str, held))} are still in use after stopping the services",
                             "find the program holding them (`ss -ltnp`) and stop it")


def bot_specs(declared: Declarations, configuration: Mapping[str, Any]) -> dict[str, ProcessSpec]:
    """Each region's bot as the services stage runs it: its settings, app and code version in its environment."""
    return declared.bot_specs({**process_env(configuration), CODE_VERSION: code_version()})


def _replaces_live(processes: Supervisor, spec: ProcessSpec) -> bool:
    """Whether `ensure` would stop a running process to start this spec: that region serves now."""
    state = processes.state(spec.name)
    return state.running and state.digest != spec.digest()
