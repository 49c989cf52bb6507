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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.planner import fingerprint
from geobot.pipeline.stage import Stage, StageContext
from geobot.resources import terraform_dir
from geobot.targets.aws import connect
from geobot.targets.aws.clients import AwsSession
from geobot.targets.package import Package
from geobot.targets.parallel import each_region
from geobot.targets.aws.lambdas import invoke
from geobot.targets.aws.intents import arrange, intent_ids
from geobot.targets.aws.lex import Published, bots_of, publish, unpublish
from geobot.targets.aws.preflight import STATE
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
    name = "publish"
    description = ("set each intent's samples and slot priorities, build each region's bot, publish a version and "
                   "point the alias at it; list the aliases in Connect")

    def __init__(self, config: Config, session: Session) -> None:
        self.config = config
        self.session = session

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
        model = lex_bot(self.config)
        outputs_of_bots = dict(ctx.output_of(STATE))

        def region_publish(region: str) -> Published:
            lex = session.api("lexv2-models", region)
            updated = arrange(lex, bots[region], intent_ids(outputs_of_bots, region), model)
            if updated:
                ctx.note(f"{region}: samples and slot priorities set in {len(updated)} intents")
            return publish(lex, bots[region], ctx.note)

        done = each_region(list(bots), region_publish)
        arns = {region: alias_arn(ctx, region, bots[region].bot_id, p.alias_id) for region, p in done.items()}
        outputs: dict[str, Any] = {"alias_ids": {region: p.alias_id for region, p in done.items()}, "alias_arns": arns,
                                   "versions": {region: p.version for region, p in done.items()},
                                   "intent_names": model.intent_names, "slot_names": model.slot_names}
        instance = self.config.aws.connect_instance_id
        if instance:
            changes = connect.associate(session.api("connect", self.config.global_region), instance, arns.values())
            for change in changes:
                ctx.note(("listed in" if change[0] == "+" else "taken off") + f" the Connect instance: {change[1:]}")
            outputs["connect_instance_id"] = instance
        return outputs

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
            outcomes = each_region(list(checks), lambda region: invoke(
                session.api("lambda", region), checks[region]["function_name"], {}))
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
