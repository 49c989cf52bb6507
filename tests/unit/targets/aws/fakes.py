"""What the stage tests stand on: Terraform at its seam, and the AWS answers a deploy gets.

`Terraform` replaces the engine (hashicorp/aws cannot be downloaded here): it records what each
apply was given and answers `terraform output` as terraform/aws's outputs.tf declares it for
those variables. The `expect_*` helpers queue, on the Stubbed session, the exact calls one step
makes in one region, with the shapes the real API answers.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.response import StreamingBody
from botocore.stub import ANY

from geobot.nlu.lexv2 import LexBot
from geobot.targets.aws.lex import DESCRIPTION
from geobot.targets.aws.variables import lex_bot, lex_variable
from geobot.terraform.binary import find
from geobot.terraform.engine import Outputs, SavedPlan
from geobot.terraform.events import ChangeSummary

from .conftest import Stubbed

ACCOUNT = "123456789012"
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
BOT_IDS = {PRIMARY: "BOTEAST001", SECONDARY: "BOTWEST001"}
ALIAS_IDS = {PRIMARY: "ALIASE0001", SECONDARY: "ALIASW0001"}
INSTANCE = "0b3e1f2a-1111-4a2b-9c3d-123456789abc"
WHEN = datetime(2026, 11, 23, tzinfo=UTC)


def alias_arn(region: str) -> str:
    return f"arn:aws:lex:{region}:{ACCOUNT}:bot-alias/{BOT_IDS[region]}/{ALIAS_IDS[region]}"


def intent_ids(lex: dict[str, Any]) -> dict[str, Any]:
    """The ids Lex would assign: INTENT0001 ... in the order of lex.intents, SLOT000001 ... in the order of lex.slots."""
    slots = list(lex.get("slots") or {})
    return {name: {"intent_id": f"INTENT{number:04d}",
                   "slots": {slot: f"SLOT{slots.index(slot) + 1:06d}" for slot in slots if lex["slots"][slot]["intent"] == name}}
            for number, name in enumerate(lex["intents"], start=1)}


def outputs(variables: dict[str, Any]) -> dict[str, Any]:
    """terraform/aws's outputs for an apply of `variables`."""
    regions = sorted(variables["regions"], key=lambda r: variables["regions"][r]["priority"])
    ids = variables["bot_alias_ids"]
    home = variables["global_region"]
    published = bool(ids)
    return {
        "deployment": variables["deployment"],
        "regions": regions,
        "region_map": {"table_name": variables["names"]["dynamodb_table"], "table_arn": "arn:table", "write_region": home,
                       "replica_regions": regions, "key": "connectRegion", "item_key": home},
        "bots": {r: {"bot_id": BOT_IDS[r], "bot_name": variables["regions"][r]["names"]["lex_bot"], "locale_id": "en_US",
                     "alias_name": "live", "alias_id": ids.get(r), "alias_arn": alias_arn(r) if published else None,
                     "intents": intent_ids(variables["lex"])}
                 for r in regions},
        "published": published,
        "health_checks": {r: {"function_name": variables["regions"][r]["names"]["health_check_function"],
                              "function_arn": "arn:function", "schedule_name": variables["names"]["schedule"],
                              "log_group": "/aws/lambda/x", "alarms": {}} for r in regions} if published else {},
        "region_check": {"function_name": variables["names"]["region_check_function"], "function_arn": "arn:function",
                         "region": home} if published else None,
        "connect": {"instance_id": variables["connect_instance_id"], "region": home, "flow_id": "flow-1",
                    "flow_arn": "arn:flow"} if published and variables["connect_instance_id"] else None,
    }


class Terraform:
    """The engine's seam: plan records the variables, apply makes them the state, output answers for it."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log
        self.binary = find({})
        self.state: dict[str, Any] | None = None
        self._planned: tuple[dict[str, Any], bool] | None = None

    def init(self, workdir: Path) -> None:
        assert (workdir / "flows" / "region-routing.json").is_file(), "the Connect flow was not copied"

    def plan(self, workdir: Path, variables: Any, *, destroy: bool = False) -> SavedPlan:
        self._planned = (json.loads(json.dumps(variables)), destroy)
        path = workdir / "geobot.tfplan"
        path.write_text("saved plan")
        return SavedPlan(path, ChangeSummary("destroy" if destroy else "plan", 1, 0, 0))

    def apply(self, workdir: Path, plan: SavedPlan) -> None:
        assert self._planned is not None
        variables, destroy = self._planned
        self.log.append(("terraform destroy" if destroy else "terraform apply", variables["bot_alias_ids"]))
        self.state = None if destroy else variables
        plan.path.unlink()

    def output(self, workdir: Path) -> Outputs:
        return Outputs(outputs(self.state) if self.state else {}, frozenset())


def body(payload: Any) -> StreamingBody:
    data = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(data), len(data))


def health_outcome(healthy: dict[str, bool], active: str = PRIMARY, reason: str = "call failed: timeout",
                   held: str | None = None) -> dict[str, Any]:
    """What functions/health_check.py returns from one run."""
    return {"connectRegion": PRIMARY, "active": active, "event": "stay", "healthy": healthy,
            "failures": {r: [] if ok else [reason] for r, ok in healthy.items()}, "drill": None, "held": held}


def expect_invoke(stubbed: Stubbed, region: str, function: str, event: Any, payload: Any, error: str | None = None) -> None:
    response: dict[str, Any] = {"StatusCode": 200, "Payload": body(payload)}
    if error:
        response["FunctionError"] = error
    stubbed.expect("lambda", region, "invoke", {"FunctionName": function, "InvocationType": "RequestResponse",
                                                 "Payload": json.dumps(event).encode()}, response)


def expect_preflight(stubbed: Stubbed, names_free: bool = True, connect: bool = False) -> None:
    stubbed.expect("sts", PRIMARY, "get_caller_identity", {},
                   {"UserId": "AIDA", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci"})
    if connect:
        stubbed.expect("connect", PRIMARY, "describe_instance", {"InstanceId": INSTANCE},
                       {"Instance": {"Id": INSTANCE, "InstanceAlias": "callcentre", "InstanceStatus": "ACTIVE"}})
    if names_free:
        stubbed.fail("dynamodb", PRIMARY, "describe_table", "ResourceNotFoundException", 400,
                     {"TableName": "geobot-region-map"})
        for region, short in ((PRIMARY, "use1"), (SECONDARY, "usw2")):
            stubbed.expect("lexv2-models", region, "list_bots",
                           {"filters": [{"name": "BotName", "values": [f"geobot-bot-{short}"], "operator": "EQ"}]},
                           {"botSummaries": []})


def expect_arrange(stubbed: Stubbed, region: str, model: LexBot) -> None:
    """Each intent described as Terraform created it (its samples as written, no slot priorities); where the
    model has {slot} references or slots, the update that sets them."""
    draft = {"botId": BOT_IDS[region], "botVersion": "DRAFT", "localeId": "en_US"}
    for intent, ids in zip(model.intents, intent_ids(lex_variable(model)).values(), strict=True):
        where = {**draft, "intentId": ids["intent_id"]}
        created = {**where, "intentName": intent.name, "sampleUtterances": [{"utterance": u} for u in intent.utterances]}
        stubbed.expect("lexv2-models", region, "describe_intent", where, {**created, "creationDateTime": WHEN})
        if intent.slots or intent.samples != intent.utterances:
            stubbed.expect("lexv2-models", region, "update_intent", {
                **created, "sampleUtterances": [{"utterance": u} for u in intent.samples],
                "slotPriorities": [{"priority": s.priority, "slotId": ids["slots"][s.name]} for s in intent.slots]}, where)


def expect_publish(stubbed: Stubbed, region: str, version: str = "1", model: LexBot | None = None,
                   previous: str | None = None, prune: bool = True) -> None:
    """The calls of a publish in `region`: the intents' samples and slot priorities (of `model`, by default the
    sample's, which has no slots), build, version, create the alias (or, when it serves version `previous`,
    move it) and, unless not `prune`, delete the versions no alias uses."""
    from geobot import config as configuration

    expect_arrange(stubbed, region, model or lex_bot(configuration.load(None, {}, {"target": "aws"})))
    ids = {"botId": BOT_IDS[region]}
    draft = {**ids, "botVersion": "DRAFT", "localeId": "en_US"}
    lex = ("lexv2-models", region)
    stubbed.expect(*lex, "build_bot_locale", draft, {**draft, "botLocaleStatus": "Building"})
    stubbed.expect(*lex, "describe_bot_locale", draft, {**draft, "botLocaleStatus": "Built"})
    stubbed.expect(*lex, "create_bot_version", {**ids, "description": DESCRIPTION, "botVersionLocaleSpecification": {
        "en_US": {"sourceBotVersion": "DRAFT"}}}, {**ids, "botVersion": version, "botStatus": "Creating"})
    stubbed.expect(*lex, "describe_bot_version", {**ids, "botVersion": version},
                   {**ids, "botVersion": version, "botStatus": "Available"})
    live = {"botAliasName": "live", "botVersion": version, "description": DESCRIPTION,
            "botAliasLocaleSettings": {"en_US": {"enabled": True}}}
    if previous is None:
        stubbed.expect(*lex, "list_bot_aliases", ids, {**ids, "botAliasSummaries": []})
        stubbed.expect(*lex, "create_bot_alias", {**ids, **live},
                       {**ids, "botAliasId": ALIAS_IDS[region], "botAliasStatus": "Creating"})
    else:
        stubbed.expect(*lex, "list_bot_aliases", ids, aliases(region, previous))
        stubbed.expect(*lex, "update_bot_alias", {**ids, "botAliasId": ALIAS_IDS[region], **live},
                       {**ids, "botAliasId": ALIAS_IDS[region], "botAliasStatus": "Updating"})
    stubbed.expect(*lex, "describe_bot_alias", {**ids, "botAliasId": ALIAS_IDS[region]},
                   {**ids, "botAliasId": ALIAS_IDS[region], "botAliasStatus": "Available"})
    if prune:
        expect_versions(stubbed, region, version, *([previous] if previous else []))


def aliases(region: str, version: str) -> dict[str, Any]:
    """The bot's aliases: Lex's test alias on DRAFT and geobot's on `version`."""
    return {"botId": BOT_IDS[region], "botAliasSummaries": [
        {"botAliasId": "TSTALIASID", "botAliasName": "TestBotAlias", "botVersion": "DRAFT"},
        {"botAliasId": ALIAS_IDS[region], "botAliasName": "live", "botVersion": version}]}


def expect_versions(stubbed: Stubbed, region: str, live: str, *unused: str) -> None:
    """The bot's versions listed, then each of the `unused` deleted."""
    ids = {"botId": BOT_IDS[region]}
    stubbed.expect("lexv2-models", region, "list_bot_versions", ids,
                   {**ids, "botVersionSummaries": [{"botVersion": v} for v in ("DRAFT", *unused, live)]})
    for number in unused:
        stubbed.expect("lexv2-models", region, "delete_bot_version", {**ids, "botVersion": number},
                       {**ids, "botVersion": number, "botStatus": "Deleting"})


def expect_prune(stubbed: Stubbed, region: str, live: str, *unused: str) -> None:
    """What a region's prune asks once it passed its check: the aliases, the versions; deletes the `unused`."""
    stubbed.expect("lexv2-models", region, "list_bot_aliases", {"botId": BOT_IDS[region]}, aliases(region, live))
    expect_versions(stubbed, region, live, *unused)


def expect_unpublish(stubbed: Stubbed, region: str) -> None:
    ids = {"botId": BOT_IDS[region]}
    alias = {**ids, "botAliasId": ALIAS_IDS[region]}
    stubbed.expect("lexv2-models", region, "list_bot_aliases", ids, {**ids, "botAliasSummaries": [
        {"botAliasId": ALIAS_IDS[region], "botAliasName": "live", "botVersion": "1"}]})
    stubbed.expect("lexv2-models", region, "delete_bot_alias", alias, {**alias, "botAliasStatus": "Deleting"})
    stubbed.fail("lexv2-models", region, "describe_bot_alias", "ResourceNotFoundException", 404, alias)


def expect_smoke(stubbed: Stubbed, region: str = PRIMARY, intent: str = "BookTable", score: float = 0.93) -> None:
    expect_invoke(stubbed, PRIMARY, "geobot-region-check", {"Details": {"Parameters": {"connectRegion": PRIMARY}}},
                  {"lexRegion": region, "botAliasArn": alias_arn(region), "source": "table"})
    stubbed.expect("lexv2-runtime", region, "recognize_text", {
        "botId": BOT_IDS[region], "botAliasId": ALIAS_IDS[region], "localeId": "en_US", "sessionId": ANY,
        "text": "book a table"}, {"sessionId": "geobot-smoke", "sessionState": {"intent": {"name": intent, "state": "InProgress"}},
                                 "interpretations": [{"intent": {"name": intent}, "nluConfidence": {"score": score}}]})
