"""The AWS target's stages after preflight: two applies of one configuration around the publishing.

bots       terraform/aws without bot_alias_ids: the bots in DRAFT, the region map, the Lex role.
publish    per region in parallel: each intent's samples and slot priorities (intents.py), then
           build, version, alias (lex.py); list the aliases in Connect.
functions  terraform/aws again, with the alias ids and the functions' zip: the health checks and
           their schedules and alarms, the region check, the Connect flow. Nothing that calls a
           bot exists before its alias does.
online     every region's health-check function, run now instead of waiting for its schedule,
           until each sees every region's bot pass.
smoke      what a caller meets: the region check's answer, then the test utterance to that alias.

Both Terraform stages share the state `bots`; whatever publish handed back stays in every later
apply, so re-running `bots` never removes the functions. Destroy runs in reverse: `functions`
re-applies without the aliases (everything that calls a bot goes), `publish` takes the aliases
off Connect and deletes them, and `bots`, the state's owner, destroys the rest.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.nlu.lexv2 import LexBot
from geobot.errors import CloudError
from geobot.pipeline.planner import fingerprint
from geobot.pipeline.stage import Stage, StageContext
from geobot.resources import terraform_dir
from geobot.rollout.regions import Rolling, have_from, rollback_hint, update_regions
from geobot.targets.aws import connect
from geobot.targets.aws.callers import Callers
from geobot.targets.aws.clients import Api, AwsSession
from geobot.targets.package import Package
from geobot.targets.parallel import each_region
from geobot.targets.aws.lambdas import invoke, run_health_check
from geobot.targets.aws.intents import arrange, intent_ids
from geobot.targets.aws.lex import Bot, Published, bots_of, prune, publish, unpublish
from geobot.targets.aws.preflight import STATE
from geobot.targets.aws.rollout import IN_FLIGHT, HealthChecks, RegionMapRotation, preview
from geobot.targets.aws.variables import lex_bot, render_variables
from geobot.targets.infra import TerraformStage
from geobot.terraform.engine import Engine

Session = Callable[[], AwsSession]


def functions_zip(ctx: StageContext) -> Path:
    return ctx.workdir.resolve() / "functions.zip"


def alias_ids(ctx: StageContext) -> dict[str, str]:
    """What publish handed back, or nothing before it ran (and after its teardown)."""
    return dict(ctx.output_of("publish").get("alias_ids") or {})


def alias_arn(ctx: StageContext, region: str, bot_id: str, alias_id: str) -> str:
    preflight = ctx.output_of("preflight")
    return f"arn:{preflight['partition']}:lex:{region}:{preflight['account']}:bot-alias/{bot_id}/{alias_id}"


class Infrastructure(TerraformStage):
    """terraform/aws, first apply; `geobot plan` shows its variables (it needs no credentials)."""

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, package: Callable[[], Package],
                 name: str = STATE, description: str = "") -> None:
        super().__init__(name, description or "the Lex V2 bots (DRAFT), the region map table and the Lex role "
                         "(terraform/aws, first apply)", engine, terraform_dir("aws"), lambda ctx: self.render(ctx),
                         auto_approve, state=STATE)
        self.config = config
        self.package = package

    def render(self, ctx: StageContext) -> dict[str, Any]:
        return render_variables(self.config, functions_zip(ctx), alias_ids(ctx))

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        """The alias ids publish added are not a change of this stage's inputs (no re-plan for them)."""
        inputs = dict(super().inputs(ctx))
        inputs["variables"] = {k: v for k, v in inputs["variables"].items() if k != "bot_alias_ids"}
        return inputs

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        self.package().write(functions_zip(ctx))  # Terraform hashes it whenever alias ids are given
        return super().run(ctx)

    def preview(self, ctx: StageContext) -> str | None:
        """Offline: a plan of hashicorp/aws needs credentials, the variables do not."""
        variables = self.render(ctx)
        lex = variables["lex"]
        variables["lex"] = {**lex, "intents": {name: f"{len(u)} utterances" for name, u in lex["intents"].items()},
                            "slot_types": {name: f"{len(t['values'])} values, {t['resolution']}"
                                           for name, t in lex["slot_types"].items()}}
        return "variables (no secret is a variable): " + json.dumps(variables, indent=2).replace("\n", "\n      ")


class Functions(Infrastructure):
    """terraform/aws again, with the published alias ids: everything that calls a bot."""

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, package: Callable[[], Package]) -> None:
        super().__init__(config, engine, auto_approve, package, "functions",
                         "the health-check functions, schedules and alarms, the region check and the Connect flow "
                         "(terraform/aws, second apply)")

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return {**TerraformStage.inputs(self, ctx), "package": self.package().sha256}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        if not alias_ids(ctx):
            raise CloudError("no published bot alias to point the functions at", "the publish stage must pass first")
        return super().run(ctx)

    def preview(self, ctx: StageContext) -> str | None:
        connect_flow = ", the Connect flow" if self.config.aws.connect_instance_id else ""
        return (f"re-applies terraform/aws with the alias ids publish hands back: the functions (zip sha256 "
                f"{self.package().sha256[:12]}), their schedules and alarms, the region check{connect_flow}")

    def teardown(self, ctx: StageContext) -> None:
        """Apply without the alias ids: what calls a bot goes before its alias does; the owner destroys the rest."""
        unpublished = copy.copy(self)
        unpublished.variables = lambda c: render_variables(self.config, functions_zip(c))
        unpublished._plan_and_apply(ctx, destroy=False)


class Publish(Stage):
    """Every region's bot built, versioned and aliased; to a deployment already serving (its aliases published,
    its health checks deployed and passing), one region at a time through the region map (`rollout`)."""

    name = "publish"
    description = ("set each intent's samples and slot priorities, build each region's bot, publish a version and "
                   "point the alias at it (to a serving deployment region by region); list the aliases in Connect")

    def __init__(self, config: Config, session: Session, poll: float = 10.0, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.session = session
        self.poll = poll
        self.clock = clock
        self.sleep = sleep

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        outputs = dict(ctx.output_of(STATE))
        bots = {region: vars(bot) for region, bot in bots_of(outputs).items()}
        intents = {region: (outputs["bots"][region].get("intents") or {}) for region in bots}
        model = lex_bot(self.config)
        return {"bots": bots, "intents": intents, "model": fingerprint([model.samples(), model.slot_names]),
                "connect_instance_id": self.config.aws.connect_instance_id}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        bots = bots_of(dict(ctx.output_of(STATE)))
        if not bots:
            raise CloudError("the bots stage has output no bots", "the bots stage must pass first")
        session = self.session()
        aliases = _Aliases(ctx, session, bots, lex_bot(self.config))
        have, wanted = self._have(ctx, bots), self.wanted(ctx)
        done = update_regions(ctx, self.config.update, list(bots), have, wanted,
                              lambda regions: aliases.publish([r for r in regions if have.get(r) != wanted]),
                              "language model", lambda: self._rolling(ctx, session, aliases))
        published = aliases.journal()
        arns = {region: alias_arn(ctx, region, bots[region].bot_id, alias)
                for region, alias in published["alias_ids"].items()}
        outputs: dict[str, Any] = {**published, "alias_arns": arns, "serves": done.pop("have"), **done,
                                   "intent_names": aliases.model.intent_names, "slot_names": aliases.model.slot_names}
        instance = self.config.aws.connect_instance_id
        if instance:
            changes = connect.associate(session.api("connect", self.config.global_region), instance, arns.values())
            for change in changes:
                ctx.note(("listed in" if change[0] == "+" else "taken off") + f" the Connect instance: {change[1:]}")
            outputs["connect_instance_id"] = instance
        return outputs

    def preview(self, ctx: StageContext) -> str | None:
        return preview(self.config)

    def wanted(self, ctx: StageContext) -> str:
        """What every alias should serve: a digest of the bots, their intents and the model (not of Connect)."""
        return fingerprint({key: value for key, value in self.inputs(ctx).items() if key != "connect_instance_id"})

    def _have(self, ctx: StageContext, bots: Mapping[str, Bot]) -> dict[str, str]:
        """Region → the digest its alias serves; a bot Terraform replaced since has no alias (its ARN names
        another bot), and a deployment published before the digests were kept serves "" (something else)."""
        last = ctx.output_of(self.name)
        arns = last.get("alias_arns") or {}
        have = have_from(ctx.last_progress(), last.get("serves") or dict.fromkeys(arns, ""))
        return {region: digest for region, digest in have.items()
                if region in bots and f"/{bots[region].bot_id}/" in arns.get(region, "")}

    def _rolling(self, ctx: StageContext, session: AwsSession, aliases: _Aliases) -> Rolling | None:
        """The region map as the rotation, a health-check run as the check; None before the functions stage
        has deployed the health checks (nothing serves)."""
        functions = ctx.output_of("functions")
        if not functions.get("health_checks"):
            return None
        checks = HealthChecks(session, functions["health_checks"], self.poll, self.sleep)
        rotation = RegionMapRotation(checks, Callers(session, functions, self.clock, self.sleep),
                                     (ctx.last_progress() or {}).get("callers"), lambda text: ctx.note(text, "warning"))

        def check(region: str) -> str | None:
            why = checks.passes(region, self.config.aws.failover_after)
            if why is None:
                aliases.prune(region)
            return why

        return Rolling(rotation, drain=lambda: IN_FLIGHT, check=check, release=rotation.put_back,
                       rollback=rollback_hint("language model") + "; until the region passes, the version it served "
                       "before stays published (`aws lexv2-models list-bot-versions`)",
                       settle=0.0, update=aliases.update, order=rotation.standby_first,
                       journal=lambda: {"callers": rotation.home, **aliases.journal()}, clock=self.clock,
                       sleep=self.sleep)

    def teardown(self, ctx: StageContext) -> None:
        bots = bots_of(dict(ctx.output_of(STATE)))
        session = self.session()
        published = ctx.output_of(self.name)
        if published.get("connect_instance_id"):
            connect.disassociate(session.api("connect", self.config.global_region), published["connect_instance_id"],
                                 (published.get("alias_arns") or {}).values())
        deleted = each_region(list(bots), lambda region: unpublish(session.api("lexv2-models", region), bots[region]))
        for region, alias in deleted.items():
            if alias:
                ctx.note(f"{region}: alias {alias} deleted")
        ctx.checkpoint(None)  # an unfinished rollout: nothing of it is left to resume


class _Aliases:
    """One publish run's aliases: each region's alias id and the version it serves, from the last run, then
    from what an unfinished rollout journaled, then from what this run publishes."""

    def __init__(self, ctx: StageContext, session: AwsSession, bots: Mapping[str, Bot], model: LexBot) -> None:
        self.ctx, self.session, self.bots, self.model = ctx, session, bots, model
        last, progress = ctx.output_of(Publish.name), ctx.last_progress() or {}
        self.ids: dict[str, str] = {**(last.get("alias_ids") or {}), **(progress.get("alias_ids") or {})}
        self.versions: dict[str, str] = {**(last.get("versions") or {}), **(progress.get("versions") or {})}

    def publish(self, regions: Sequence[str]) -> None:
        """At once: every region in parallel, each deleting the versions no alias uses any more."""
        self._record(each_region(regions, self._publish))

    def update(self, region: str) -> None:
        """One region of a rolling update: the version the alias served stays until `prune`."""
        self._record({region: self._publish(region, prune=False)})

    def prune(self, region: str) -> None:
        deleted = prune(self._lex(region), self.bots[region])
        if deleted:
            self.ctx.note(f"{region}: passes its check; unused versions {', '.join(deleted)} deleted")

    def journal(self) -> dict[str, dict[str, str]]:
        """The alias ids and versions of this deployment's regions, as the outputs and the progress keep them."""
        return {"alias_ids": {r: i for r, i in self.ids.items() if r in self.bots},
                "versions": {r: v for r, v in self.versions.items() if r in self.bots}}

    def _publish(self, region: str, prune: bool = True) -> Published:
        lex = self._lex(region)
        updated = arrange(lex, self.bots[region], intent_ids(dict(self.ctx.output_of(STATE)), region), self.model)
        if updated:
            self.ctx.note(f"{region}: samples and slot priorities set in {len(updated)} intents")
        return publish(lex, self.bots[region], self.ctx.note, prune)

    def _record(self, done: Mapping[str, Published]) -> None:
        for region, published in done.items():
            self.ids[region], self.versions[region] = published.alias_id, published.version

    def _lex(self, region: str) -> Api:
        return self.session.api("lexv2-models", region)


class Online(Stage):
    name = "online"
    description = "run every region's health check now, until each sees every region's bot pass"
    always_run = True

    def __init__(self, config: Config, session: Session, poll: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.session = session
        self.poll = poll
        self.clock = clock
        self.sleep = sleep

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        checks = ctx.output_of("functions").get("health_checks") or {}
        if not checks:
            raise CloudError("no health-check function is deployed", "the functions stage must pass first")
        session = self.session()
        timeout = self.config.aws.online_timeout
        deadline = self.clock() + timeout
        while True:
            outcomes = each_region(list(checks), lambda region: run_health_check(session, checks, region))
            failing = {region: reasons for outcome in outcomes.values()
                       for region, reasons in outcome["failures"].items() if not outcome["healthy"][region]}
            if not failing:
                break
            if self.clock() >= deadline:
                region, reasons = next(iter(failing.items()))
                function = checks[region]["function_name"]  # every check logs every region's probes
                raise CloudError(f"{region}: the bot still fails the health check after {timeout} s: "
                                 f"{reasons[0] if reasons else 'no probe passed'}",
                                 f"see the health check's log: aws logs tail /aws/lambda/{function} --region {region}")
            ctx.note(", ".join(f"{r}: {rs[0] if rs else 'failing'}" for r, rs in failing.items()) + "; checking again")
            self.sleep(self.poll)
        primary = self.config.regions[0]
        last = outcomes.get(primary) or next(iter(outcomes.values()))
        if last["active"] != primary:
            ctx.note(f"callers still use {last['active']}: the primary {primary} passes, and callers return to it "
                     + ("after aws.failback_after passed runs" if self.config.aws.failback == "auto"
                        else "when lexRegion is set back by hand (aws.failback = \"manual\")"), "warning")
        return {"regions": {region: "healthy" for region in last["healthy"]}, "active": last["active"]}


class Smoke(Stage):
    name = "smoke"
    description = "ask the region check which bot a caller gets, then say the test utterance to it"
    always_run = True

    def __init__(self, config: Config, session: Session) -> None:
        self.config = config
        self.session = session

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        from geobot.targets.aws.functions.probe import probe
        from geobot.targets.aws.functions.settings import BotAlias

        check = ctx.output_of("functions").get("region_check")
        if not check:
            raise CloudError("no region-check function is deployed", "the functions stage must pass first")
        session = self.session()
        caller = {"Details": {"Parameters": {"connectRegion": check["region"]}}}
        answer = invoke(session.api("lambda", check["region"]), check["function_name"], caller)
        region, arn = answer["lexRegion"], answer["botAliasArn"]
        bot_id, alias = arn.rsplit("/", 2)[1:]
        aws = self.config.aws
        result = probe(session.api("lexv2-runtime", region).client, BotAlias(region, arn, bot_id, alias),
                       locale_id=bots_of(dict(ctx.output_of(STATE)))[region].locale_id, utterance=aws.test_utterance,
                       session_id=f"geobot-smoke-{uuid.uuid4().hex}", expected_intent=aws.expected_intent,
                       min_confidence=aws.min_confidence)
        if not result.passed:
            raise CloudError(f"{region}: the bot the region check names fails {aws.test_utterance!r}: {result.reason}",
                             "see `geobot status` and the health check's log")
        return {"region": region, "alias_arn": arn, "region_check": answer.get("source"),
                "heard": f"{aws.test_utterance!r} as {aws.expected_intent}"}
