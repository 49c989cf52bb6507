"""The aws target wired from its stages: what the factory hands to the pipeline.

preflight → bots (terraform/aws, first apply) → publish (boto3: build, version, alias, Connect)
→ functions (terraform/aws, second apply) → online → smoke. See `stages` for why there are two
applies, and `functions/` for the code the second one deploys. There is no certificate and no
HTTP endpoint of geobot's here: callers reach the bots by phone through Amazon Connect, whose
flow asks the region-check function which region's bot to connect them to.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from geobot.config import Config
from geobot.errors import InputError
from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage
from geobot.rollout.machine import unfinished
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.lex import bots_of
from geobot.targets.aws.package import build_functions
from geobot.targets.aws.preflight import STATE, Preflight
from geobot.targets.aws.report import aws_status
from geobot.targets.aws.stages import Functions, Infrastructure, Online, Publish, Smoke
from geobot.targets.aws.variables import impossible
from geobot.terraform.engine import Engine


class AwsTarget:
    name = "aws"

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, env: Mapping[str, str],
                 session: Callable[[], AwsSession] | None = None) -> None:
        self.config = config
        self.engine = engine
        self.auto_approve = auto_approve
        self.env = env
        self.session = cache(session or AwsSession.from_environment)
        self.package = cache(build_functions)

    def validate(self, deployment_dir: Path) -> None:
        for problem in impossible(self.config):
            raise problem

    def stages(self) -> Sequence[Stage]:
        return (
            Preflight(self.config, self.engine.binary, self.session),
            Infrastructure(self.config, self.engine, self.auto_approve, self.package),
            Publish(self.config, self.session),
            Functions(self.config, self.engine, self.auto_approve, self.package),
            Online(self.config, self.session),
            Smoke(self.config, self.session),
        )

    def status(self, journal: Journal) -> dict[str, Any]:
        report = aws_status(self.config, journal.outputs(), self.session)
        said = unfinished(journal.stage("publish").get("progress"))
        return {**report, "update": said} if said else report

    def drill(self, journal: Journal, region: str | None, note: Callable[[str], None]) -> dict[str, Any]:
        """No router and no HTTP traffic here: the drill fails a region through the health check's hook."""
        from geobot.targets.aws.drill import Drill

        return Drill(self.config, journal.outputs(), self.session(), note).run(region)

    def summary(self, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        functions = outputs.get("functions", {})
        smoke = outputs.get("smoke", {})
        check = functions.get("region_check") or {}
        flow = functions.get("connect")
        return {
            "active": f"{smoke.get('region')} (heard {smoke.get('heard')})" if smoke else None,
            "regions": ", ".join(f"{name} {state}" for name, state in outputs.get("online", {}).get("regions", {}).items()),
            "region_check": f"{check.get('function_name')} in {check.get('region')}" if check else None,
            "connect": f"flow {flow['flow_id']} in instance {flow['instance_id']}" if flow else
            "no instance (aws.connect_instance_id): call the region-check function from your own flow",
            "next": "geobot status; geobot destroy",
        }

    def certificates(self, journal: Journal, note: Callable[[str], None]) -> NoReturn:
        raise InputError("the aws target has no certificate: callers reach Lex through Amazon Connect, "
                         "which needs no TLS certificate of this deployment's",
                         "certificates belong to the local and azure targets")

    def chat_endpoint(self, journal: Journal) -> tuple[str, str, ssl.SSLContext]:
        """Lex speaks its own runtime API, not the Bot Framework protocol `geobot chat` uses."""
        outputs = journal.outputs()
        smoke = outputs.get("smoke", {})
        region, arn = smoke.get("region", self.config.regions[0]), smoke.get("alias_arn", "<alias ARN>")
        bot, alias = arn.rsplit("/", 2)[1:] if arn.count("/") == 2 else ("<bot id>", "<alias id>")
        bots = bots_of(dict(outputs.get(STATE, {})))
        locale = bots[region].locale_id if region in bots else "<locale>"
        raise InputError("geobot chat cannot talk to a Lex bot: callers reach it by phone through Amazon Connect",
                         f"ask it directly: aws lexv2-runtime recognize-text --region {region} --bot-id {bot} "
                         f"--bot-alias-id {alias} --locale-id {locale} --session-id me "
                         f"--text {json.dumps(self.config.aws.test_utterance)}")
