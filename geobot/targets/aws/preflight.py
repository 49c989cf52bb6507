"""Everything that can stop an AWS deploy, checked before anything is created.

preflight (always): Terraform; boto3; the credentials, through STS GetCallerIdentity (which
needs no permission, so it proves the credentials and nothing else) giving the account and
partition the later stages build ARNs with; the Amazon Connect instance, when one is named,
must exist in global_region and be active; and, until Terraform first ran, the bots' names and the
region map's must be free in this account (they are unique per account and region).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from geobot.config import Config
from geobot.errors import InputError
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.aws.clients import AwsSession
from geobot.targets.parallel import each_region
from geobot.targets.aws.errors import AwsNotFound
from geobot.targets.aws.variables import impossible
from geobot.terraform.binary import Binary

STATE = "bots"  # the Terraform stage that owns the state (target.py)
NAMES_HINT = "names are unique per account and region: choose another bot name (name in geobot.toml, or GEOBOT_NAME)"


class Preflight(Stage):
    name = "preflight"
    description = "check Terraform, boto3, the AWS credentials, the Connect instance and the names"
    always_run = True

    def __init__(self, config: Config, binary: Binary, session: Callable[[], AwsSession]) -> None:
        self.config = config
        self.binary = binary
        self.session = session

    def preview(self, ctx: StageContext) -> str | None:
        """`geobot plan` runs offline: it says what deploy would refuse instead of asking AWS."""
        return "; ".join(f"deploy will refuse: {p.message}; {p.hint}" for p in impossible(self.config)) or None

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        session = self.session()
        home = self.config.global_region
        identity = session.api("sts", home).call("get_caller_identity", "check who geobot deploys as")
        outputs = {"terraform": self.binary.describe(), "account": identity["Account"], "identity": identity["Arn"],
                   "partition": identity["Arn"].split(":")[1]}
        if self.config.aws.connect_instance_id:
            outputs["connect_instance"] = self._connect_instance(session, self.config.aws.connect_instance_id)
        if not (ctx.workdir / "terraform" / STATE).exists():  # Terraform never ran: any bot of that name is not ours
            self._names_free(session)
        return outputs

    def _connect_instance(self, session: AwsSession, instance_id: str) -> str:
        home = self.config.global_region
        try:
            instance = session.api("connect", home).call("describe_instance", "read the Amazon Connect instance",
                                                          InstanceId=instance_id)["Instance"]
        except AwsNotFound:
            raise InputError(f"aws.connect_instance_id: no Amazon Connect instance {instance_id} in {home}",
                             f"the instance must be in global_region ({home}): `aws connect list-instances "
                             f"--region {home}` lists the ids") from None
        if instance.get("InstanceStatus") != "ACTIVE":
            raise InputError(f"aws.connect_instance_id: the Amazon Connect instance {instance_id} is "
                             f"{instance.get('InstanceStatus')}, not ACTIVE", "wait until it is active, or choose another")
        return instance.get("InstanceAlias") or instance_id

    def _names_free(self, session: AwsSession) -> None:
        table = self.config.resource_names()["dynamodb_table"]
        try:
            session.api("dynamodb", self.config.global_region).call("describe_table", "look up the region map's name",
                                                                    TableName=table)
        except AwsNotFound:
            pass
        else:
            raise InputError(f"name: the DynamoDB table {table} exists already in {self.config.global_region}", NAMES_HINT)

        def bot_free(region: str) -> None:
            name = self.config.region_resource_names(region)["lex_bot"]
            found = session.api("lexv2-models", region).call(
                "list_bots", "look up the bot's name", filters=[{"name": "BotName", "values": [name], "operator": "EQ"}])
            if found.get("botSummaries"):
                raise InputError(f"name: the Lex V2 bot {name} exists already in {region}", NAMES_HINT)

        each_region(list(self.config.regions), bot_free)
