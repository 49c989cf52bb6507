"""terraform/aws: the hashicorp/aws 6.x configuration, checked as far as no AWS account and no
provider download allow. The schema checker and `terraform fmt` run on the real files;
python-hcl2 parses them so the IAM policies, the functions' settings and the wiring are
asserted on what would be applied; the functions' own settings parser and region check run on
the environment and answers the configuration renders; the Amazon Connect flow is validated
against the flow language's documented structure and walked through its failure paths;
variables.tf + contract.tf (provider-free) are planned with the real Terraform; checkov runs
when it is installed (GEOBOT_CHECKOV may name its binary)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from geobot import naming
from geobot.nlu.model import default_model_path, load_model
from geobot.targets.aws import functions
from geobot.targets.aws.functions import settings
from geobot.targets.aws.functions.failover import State
from geobot.targets.aws.functions.region_check import RegionCheck
from tests.unit.terraform.hcl import (
    REPO,
    SCHEMA_CHECK,
    Block,
    Configuration,
    checkov,
    load,
    plan,
    provider_free_copy,
    strip_comments,
    terraform_binary,
    tf_env,
)

AWS = REPO / "terraform" / "aws"
FLOW = AWS / "flows" / "region-routing.json"
CHECKOV = os.environ.get("GEOBOT_CHECKOV") or shutil.which("checkov")

ACCOUNT = "123456789012"
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
BOT_IDS = {PRIMARY: "BOTEAST001", SECONDARY: "BOTWEST001"}
ALIAS_IDS = {PRIMARY: "ALIASE0001", SECONDARY: "ALIASW0001"}
INSTANCE_ID = "0b3e1f2a-1111-4a2b-9c3d-123456789abc"


@pytest.fixture(scope="module")
def configs() -> dict[str, Configuration]:
    assert (AWS / "main.tf").exists(), "terraform/aws/main.tf is missing"
    return {d.relative_to(AWS).as_posix(): load(d) for d in sorted({p.parent for p in AWS.rglob("*.tf")})}


@pytest.fixture(scope="module")
def root(configs: dict[str, Configuration]) -> Configuration:
    return configs["."]


def one(config: Configuration, kind: str, type_: str, name: str) -> Block:
    (found,) = [b for b in config.of(kind, type_ or None) if b.name == name]
    return found


def statements(config: Configuration, name: str) -> list[dict[str, Any]]:
    return one(config, "data", "aws_iam_policy_document", name).body["statement"]


# ---- what geobot renders, and a small evaluator for the expressions that use it --------------


def lex_intents() -> dict[str, list[str]]:
    """The sample model of luis/ as geobot translates it: LUIS's None becomes Lex's built-in
    FallbackIntent, every other intent keeps its example utterances."""
    model = load_model(default_model_path())
    return {i: [u.text for u in model.utterances if u.intent == i] for i in model.intents if i != "None"}


def rendered_variables(name: str = "geobot", regions: tuple[str, ...] = (PRIMARY, SECONDARY), **extra: Any) -> dict[str, Any]:
    """What geobot renders for the aws target, with the names geobot/naming.py derives."""
    return {
        "deployment": name,
        "global_region": regions[0],
        "names": naming.global_names("aws", name),
        "regions": {
            region: {"priority": index + 1, "names": naming.regional_names("aws", name, region)}
            for index, region in enumerate(regions)
        },
        "probe": {"utterance": "book a table", "expected_intent": "BookTable", "min_confidence": 0.8,
                  "probes": 3, "failover_after": 3, "failback_after": 5, "failback": "auto"},
        "lex": {"intents": lex_intents()},
        "functions_zip": "/var/lib/geobot/geobot/functions.zip",
        **extra,
    }


PUBLISHED = rendered_variables(bot_alias_ids=ALIAS_IDS, connect_instance_id=INSTANCE_ID)


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> dict[str, Any]:
    into[prefix] = value
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}", item, into)
    return into


def _tf_string(value: Any) -> str:
    """tostring() of a Terraform number: 3, not 3.0."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def evaluate(expression: Any, refs: dict[str, Any]) -> Any:
    """The value of a `${...}` expression the configuration uses, from `refs`; a literal as is.
    Knows only the few forms these files use, and says so for any other."""
    if not (isinstance(expression, str) and expression.startswith("${") and expression.endswith("}")):
        return expression
    return _evaluate(expression[2:-1].strip(), refs)


def _evaluate(expression: str, refs: dict[str, Any]) -> Any:
    if expression in refs:
        return refs[expression]
    call = re.fullmatch(r"(tostring|jsonencode|join)\((.*)\)", expression)
    if call and call[1] == "tostring":
        return _tf_string(_evaluate(call[2], refs))
    if call and call[1] == "jsonencode":
        return json.dumps(_evaluate(call[2], refs), separators=(",", ":"))
    if call and call[1] == "join":
        separator, value = re.fullmatch(r'"(.*?)", (.*)', call[2]).groups()
        return separator.join(_evaluate(value, refs))
    raise AssertionError(f"the test cannot evaluate {expression!r}: teach Scenario.refs about it")


def render_template(template: str, refs: dict[str, Any]) -> str:
    """A string template's `${...}` parts (none nested) replaced by their values."""
    return re.sub(r"\$\{([^{}]*)\}", lambda m: str(_evaluate(m[1].strip(), refs)), template)


def for_template(expression: str) -> str:
    """The string template inside `[for region in ... : "<template>"]` or `region => "<template>"`."""
    match = re.search(r'(?::|=>) "(.*)"[\]}]', expression)
    assert match, f"no per-region template in {expression}"
    return match[1]


def with_defaults(root: Configuration, rendered: dict[str, Any]) -> dict[str, Any]:
    """The variables as Terraform sees them: defaults and optional() object attributes filled in."""
    variables = json.loads(json.dumps(rendered))
    for variable in root.of("variable"):
        if variable.name not in variables and "default" in variable.body:
            variables[variable.name] = variable.body["default"]
        optional = re.findall(r'(\w+) = optional\(\w+, ("[^"]*"|-?[\d.]+)\)', variable.body["type"])
        if variable.name in ("probe", "lex"):
            variables[variable.name] = {**{k: json.loads(v) for k, v in optional}, **variables[variable.name]}
    return variables


@dataclass
class Scenario:
    """A published, Connect-enabled deployment (PUBLISHED), with the ids AWS would assign."""

    root: Configuration
    rendered: dict[str, Any] = field(default_factory=lambda: PUBLISHED)

    @property
    def variables(self) -> dict[str, Any]:
        return with_defaults(self.root, self.rendered)

    @property
    def ordered(self) -> list[str]:
        return sorted(self.variables["regions"], key=lambda r: self.variables["regions"][r]["priority"])

    def region_refs(self, region: str) -> dict[str, Any]:
        variables = self.variables
        return {**self.refs(with_aliases=False), "region": region, "module.bot[region].bot_id": BOT_IDS[region],
                'lookup(var.bot_alias_ids, region, "")': variables["bot_alias_ids"][region],
                "var.regions[region].names.health_check_function": variables["regions"][region]["names"]["health_check_function"]}

    def per_region(self, local: str) -> dict[str, str]:
        template = for_template(self.root.locals[local])
        return {region: render_template(template, self.region_refs(region)) for region in self.ordered}

    def refs(self, with_aliases: bool = True) -> dict[str, Any]:
        variables = self.variables
        refs = _flatten("var", variables, {})
        refs.update({
            "local.partition": "aws",
            "local.account": ACCOUNT,
            "local.ordered_regions": self.ordered,
            "local.primary": self.ordered[0],
            "local.connect_region": variables["global_region"],
            "local.region_check_timeout": self.root.locals["region_check_timeout"],
            "aws_dynamodb_table.region_map.name": variables["names"]["dynamodb_table"],
            "aws_lambda_function.region_check[0].arn":
                f"arn:aws:lambda:{variables['global_region']}:{ACCOUNT}:function:{variables['names']['region_check_function']}",
        })
        if with_aliases:
            aliases = self.per_region("alias_arns")
            refs.update({"local.alias_arns": aliases, "local.alias_arns[local.primary]": aliases[self.ordered[0]],
                         "local.alias_arns[local.ordered_regions[1]]": aliases[self.ordered[1]]})
        return refs

    def environment(self, *locals_: str) -> dict[str, str]:
        refs = self.refs()
        return {k: evaluate(v, refs) for name in locals_ for k, v in self.root.locals[name].items()}


@pytest.fixture(scope="module")
def scenario(root: Configuration) -> Scenario:
    return Scenario(root)


# ---- tools over the real files ----------------------------------------------------------------


@pytest.mark.skipif(not SCHEMA_CHECK.exists(), reason=f"the tfschema checker is not at {SCHEMA_CHECK}")
def test_schema_checker_reports_no_finding() -> None:
    done = subprocess.run([sys.executable, str(SCHEMA_CHECK), "-r", str(AWS)],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 findings" in done.stderr, done.stderr
    assert done.stdout.strip() == "", done.stdout
    assert "no schema for" not in done.stderr, done.stderr


@pytest.mark.skipif(terraform_binary() is None, reason="no terraform or tofu binary")
def test_terraform_fmt_check_passes(tmp_path: Path) -> None:
    done = subprocess.run([terraform_binary(), "fmt", "-check", "-recursive", "-list=true", str(AWS)],
                          check=False, capture_output=True, text=True, env=tf_env(tmp_path), timeout=60)
    assert done.returncode == 0, f"not formatted (run terraform fmt -recursive terraform/aws): {done.stdout}{done.stderr}"


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = re.findall(r"#\s*checkov:skip=([A-Z0-9_]+)(:?)(.*)", "\n".join(p.read_text() for p in AWS.rglob("*.tf")))
    assert skips, "expected the documented checkov skips"
    for check, colon, reason in skips:
        assert colon == ":" and len(reason.strip()) >= 40, f"checkov skip {check} needs a written reason"


@pytest.mark.skipif(CHECKOV is None, reason="checkov is not installed (pip install checkov, or set GEOBOT_CHECKOV)")
def test_checkov_finds_no_failed_check(tmp_path: Path) -> None:
    var_file = tmp_path / "published.tfvars.json"
    var_file.write_text(json.dumps(PUBLISHED))
    summary, failed = checkov([CHECKOV], AWS, var_file, {**os.environ, "TMPDIR": str(tmp_path)})
    assert summary["failed"] == 0 and not failed, failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50, "checkov saw too few resources: did it parse the modules?"


# ---- structure: one provider, a `region` on every regional resource, modules per region ----------


def test_providers_are_pinned_to_aws_6_and_nothing_else(configs: dict[str, Configuration]) -> None:
    for path, config in configs.items():
        providers = {}
        for block in config.terraform:
            for entry in block.get("required_providers", []):
                providers.update({k: v for k, v in entry.items() if not k.startswith("__")})
        assert providers == {"aws": {"source": "hashicorp/aws", "version": "~> 6.69"}}, f"{path}: {providers}"
        for block in config.terraform:
            assert "backend" not in block and "cloud" not in block, f"{path}: geobot adds a backend with backend_override.tf"


def test_one_provider_serves_every_region(configs: dict[str, Configuration]) -> None:
    """Provider aliases cannot be chosen by for_each; aws 6's `region` argument can."""
    text = "\n".join(c.text for c in configs.values())
    assert len(re.findall(r'(?m)^provider "aws"', text)) == 1
    assert not re.search(r"(?m)^\s*(alias|provider|providers)\s*=", text), "no provider alias, no provider meta-argument"


GLOBAL_TYPES = {"aws_iam_role", "aws_iam_role_policy", "terraform_data"}


def test_every_regional_resource_names_its_region(configs: dict[str, Configuration]) -> None:
    for path, config in configs.items():
        for resource in config.resources():
            if resource.type in GLOBAL_TYPES:
                assert "region" not in resource.body, f"{resource.where}: IAM is global"
                continue
            expected = "${var.region}" if path.startswith("modules/") else ("${var.global_region}", "${local.connect_region}")
            assert resource.body.get("region") in (expected if isinstance(expected, tuple) else (expected,)), (
                f"{resource.where}: set region explicitly, so one provider serves every region")


def test_bots_exist_in_every_region_and_the_rest_once_published(root: Configuration) -> None:
    modules = {m.name: m.body for m in root.of("module")}
    assert modules["bot"]["source"] == "./modules/bot" and modules["bot"]["for_each"] == "${var.regions}"
    assert modules["health_check"]["source"] == "./modules/health_check"
    assert modules["health_check"]["for_each"] == "${local.published ? var.regions : {}}"
    assert root.locals["published"] == "${length(var.bot_alias_ids) > 0}"
    gated = [r for r in root.resources() if r.type.startswith(("aws_lambda", "aws_cloudwatch", "aws_connect"))]
    gated += [r for r in root.resources("aws_iam_role") + root.resources("aws_iam_role_policy") if r.name != "lex"]
    assert len(gated) == 11
    for resource in gated:
        assert resource.body["count"] in ("${local.published ? 1 : 0}", "${local.connect ? 1 : 0}"), resource.where
    assert root.locals["connect"] == "${local.published && var.connect_instance_id != null}"


def test_the_bots_slot_types_and_slots_come_from_var_lex_and_publish_owns_samples_and_priorities(
        configs: dict[str, Configuration], root: Configuration) -> None:
    """Slot types → intents → slots is the order the provider can create; the cycle slot ↔ slot_priority is
    broken by the publish stage (geobot/targets/aws/intents.py), so Terraform ignores what it sets."""
    lex = {m.name: m.body for m in root.of("module")}["bot"]["lex"]
    assert (lex["slot_types"], lex["slots"]) == ("${var.lex.slot_types}", "${var.lex.slots}")
    bot = configs["modules/bot"]
    slot_type = one(bot, "resource", "aws_lexv2models_slot_type", "this").body
    assert slot_type["for_each"] == "${var.lex.slot_types}"
    assert slot_type["value_selection_setting"] == [{"resolution_strategy": "${each.value.resolution}"}]
    slot = one(bot, "resource", "aws_lexv2models_slot", "this").body
    assert slot["for_each"] == "${var.lex.slots}" and slot["name"] == "${each.key}"
    assert slot["intent_id"] == "${aws_lexv2models_intent.this[each.value.intent].intent_id}"
    assert "aws_lexv2models_slot_type.this[each.value.slot_type].slot_type_id" in slot["slot_type_id"]
    assert slot["value_elicitation_setting"] == [{"slot_constraint": "Optional"}]
    intent = one(bot, "resource", "aws_lexv2models_intent", "this").body
    assert intent["lifecycle"] == [{"ignore_changes": ["sample_utterance", "slot_priority"]}]
    assert "slot_priority" not in intent and "depends_on" not in slot  # no cycle for Terraform to refuse
    ids = one(bot, "output", "", "intents").body["value"]
    assert "intent_id = intent.intent_id" in ids and "aws_lexv2models_slot.this[slot].slot_id" in ids
    assert "intents = module.bot[region].intents" in one(root, "output", "", "bots").body["value"]


def test_every_reference_resolves(configs: dict[str, Configuration]) -> None:
    """What `terraform validate` would catch first, without the aws provider: undeclared
    variables, locals, resources, data sources, module arguments and module outputs."""
    for path, config in configs.items():
        text = strip_comments(config.text)
        for name in set(re.findall(r"\bvar\.([a-z0-9_]+)", text)):
            assert name in config.names("variable"), f"{path}: var.{name} is not declared"
        for name in set(re.findall(r"\blocal\.([a-z0-9_]+)", text)):
            assert name in config.locals, f"{path}: local.{name} is not declared"
        declared = {(r.type, r.name) for r in config.resources()} | {("data." + d.type, d.name) for d in config.of("data")}
        for type_, name in set(re.findall(r"(?<![\w.\"/])((?:data\.)?(?:aws|terraform)_[a-z0-9_]+)\.([a-z0-9_]+)", text)):
            assert (type_, name) in declared, f"{path}: {type_}.{name} is not declared"
        for module in config.of("module"):
            child = load((config.directory / module.body["source"]).resolve())
            inputs = {k for k in module.body if k not in ("source", "for_each", "count", "depends_on")}
            child_vars = {v.name: v.body for v in child.of("variable")}
            assert inputs <= set(child_vars), f"{path}: module {module.name} has no variable {sorted(inputs - set(child_vars))}"
            required = {n for n, body in child_vars.items() if "default" not in body}
            assert required <= inputs, f"{path}: module {module.name} misses {sorted(required - inputs)}"
            for used in set(re.findall(rf"\bmodule\.{module.name}\[[^\]]+\]\.([a-z0-9_]+)", text)):
                assert used in child.names("output"), f"{path}: module.{module.name}.{used} is not an output"
        if path == ".":
            for used in set(re.findall(r"\bcheck\.([a-z0-9_]+)", text)):
                assert used in configs["modules/health_check"].names("output"), f"module.health_check has no output {used}"


# ---- the region map ---------------------------------------------------------------------------------


def test_region_map_is_a_global_table_with_a_replica_in_every_bot_region(root: Configuration) -> None:
    table = one(root, "resource", "aws_dynamodb_table", "region_map")
    body = table.body
    assert body["name"] == "${var.names.dynamodb_table}"
    assert body["region"] == "${var.global_region}"
    assert body["billing_mode"] == "PAY_PER_REQUEST"
    assert body["hash_key"] == functions.TABLE_KEY
    assert table.block("attribute") == {"name": functions.TABLE_KEY, "type": "S"}
    assert table.block("point_in_time_recovery") == {"enabled": True}
    assert table.block("server_side_encryption") == {"enabled": True}
    assert body["stream_enabled"] is True and body["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    replica = body["dynamic"][0]["replica"]
    assert replica["for_each"] == "${[for region in local.ordered_regions : region if region != var.global_region]}"
    assert replica["content"][0]["region_name"] == "${replica.value}"
    assert replica["content"][0]["point_in_time_recovery"] is True


def test_every_function_uses_the_one_write_replica_and_says_why(root: Configuration, scenario: Scenario) -> None:
    """Conditional writes guard an item within one replica: both health checks must write there."""
    environment = scenario.environment("common_environment")
    assert environment["GEOBOT_TABLE_REGION"] == PRIMARY == scenario.variables["global_region"]
    output = one(root, "output", "", "region_map")
    assert output.body["value"]["write_region"] == "${var.global_region}"
    assert "conditional writes" in output.body["description"]
    main = (AWS / "main.tf").read_text()
    assert re.search(r"a condition is checked against one\s+(#\s*)?replica only", main), "main.tf must say why"


# ---- the functions: code, settings, schedule, alarms --------------------------------------------------


def test_functions_run_geobots_handlers_from_the_zip_geobot_builds(configs: dict[str, Configuration]) -> None:
    health = one(configs["modules/health_check"], "resource", "aws_lambda_function", "this").body
    region_check = one(configs["."], "resource", "aws_lambda_function", "region_check").body
    assert health["handler"] == functions.HEALTH_CHECK_HANDLER
    assert region_check["handler"] == functions.REGION_CHECK_HANDLER
    assert region_check["function_name"] == "${var.names.region_check_function}"
    assert (health["filename"], health["source_code_hash"]) == ("${var.package.path}", "${var.package.hash}")
    assert (region_check["filename"], region_check["source_code_hash"]) == ("${local.package.path}", "${local.package.hash}")
    assert configs["."].locals["package"] == (
        "${local.published ? {path = var.functions_zip, hash = filebase64sha256(var.functions_zip)} : null}")
    assert (health["runtime"], region_check["runtime"]) == ("${var.runtime}", "${var.lambda_runtime}")
    assert health["architectures"] == region_check["architectures"] == ["arm64"]
    every = "\n".join(c.text for c in configs.values())
    assert not re.search(r"\.\./|path\.root", strip_comments(every)), "it is copied elsewhere before it runs: no paths out"


def test_rendered_environments_are_accepted_by_the_functions_settings(scenario: Scenario) -> None:
    health = settings.health_check(scenario.environment("common_environment", "health_check_environment"))
    assert health.common.regions == (PRIMARY, SECONDARY)
    assert health.common.table_name == "geobot-region-map" and health.common.table_region == PRIMARY
    assert {r: (a.bot_id, a.alias_id) for r, a in health.common.aliases.items()} == {
        r: (BOT_IDS[r], ALIAS_IDS[r]) for r in (PRIMARY, SECONDARY)}
    assert (health.connect_region, health.utterance, health.expected_intent) == (PRIMARY, "book a table", "BookTable")
    assert (health.probes, health.failover_after, health.failback_after, health.failback) == (3, 3, 5, "auto")
    assert health.min_confidence == 0.8 and health.locale_id == "en_US"
    region_check = settings.region_check(scenario.environment("common_environment", "region_check_environment"))
    assert region_check.cache_seconds == 5


def test_terraform_defaults_are_the_functions_defaults(root: Configuration) -> None:
    """A setting geobot leaves out behaves the same whether Terraform or the function fills it in."""
    minimal = Scenario(root, rendered_variables(bot_alias_ids=ALIAS_IDS, probe={"utterance": "hi", "expected_intent": "Greeting"}))
    environment = minimal.environment("common_environment", "health_check_environment", "region_check_environment")
    required = {k: environment[k] for k in ("GEOBOT_TABLE_NAME", "GEOBOT_TABLE_REGION", "GEOBOT_REGIONS", "GEOBOT_BOT_ALIAS_ARNS",
                                             "GEOBOT_TEST_UTTERANCE", "GEOBOT_EXPECTED_INTENT")}
    assert settings.health_check(environment) == settings.health_check(required)
    assert settings.region_check(environment).cache_seconds == settings.region_check(required).cache_seconds


def test_the_configuration_sets_exactly_the_settings_the_functions_read(root: Configuration) -> None:
    source = (Path(settings.__file__)).read_text()
    read = set(re.findall(r'"(GEOBOT_[A-Z_]+)"', source))
    required = set(re.findall(r'_required\(env, "(GEOBOT_[A-Z_]+)"\)', source))
    set_ = {k for name in ("common_environment", "health_check_environment", "region_check_environment") for k in root.locals[name]}
    assert set_ <= read, f"set but never read: {sorted(set_ - read)}"
    assert required <= set_, f"required but not set: {sorted(required - set_)}"
    assert read - set_ == set(), f"read but left to defaults: {sorted(read - set_)}"


def test_health_check_runs_every_minute_without_retries_or_overlap(configs: dict[str, Configuration], root: Configuration) -> None:
    module = configs["modules/health_check"]
    schedule = one(module, "resource", "aws_scheduler_schedule", "this")
    assert schedule.body["schedule_expression"] == functions.SCHEDULE_EXPRESSION == "rate(1 minute)"
    assert schedule.body["name"] == "${var.schedule_name}"
    assert schedule.block("flexible_time_window") == {"mode": "OFF"}
    target = schedule.block("target")
    assert target["arn"] == "${aws_lambda_function.this.arn}" and target["role_arn"] == "${var.scheduler_role_arn}"
    assert target["retry_policy"][0] == {"maximum_event_age_in_seconds": 60, "maximum_retry_attempts": 0}
    invoke = one(module, "resource", "aws_lambda_function_event_invoke_config", "this").body
    assert (invoke["maximum_retry_attempts"], invoke["maximum_event_age_in_seconds"]) == (0, 60)
    function = one(module, "resource", "aws_lambda_function", "this").body
    assert function["timeout"] == "${var.timeout}"
    assert root.locals["health_check_timeout"] < 60, "one run must end before the next minute's starts"
    modules = {m.name: m.body for m in root.of("module")}
    assert modules["health_check"]["timeout"] == "${local.health_check_timeout}"
    assert modules["health_check"]["schedule_name"] == "${var.names.schedule}"
    assert modules["health_check"]["function_name"] == "${each.value.names.health_check_function}"


def test_log_groups_have_the_functions_names_and_a_retention(configs: dict[str, Configuration]) -> None:
    for config, group, function, name in (
        (configs["modules/health_check"], "this", "this", "${var.function_name}"),
        (configs["."], "region_check", "region_check", "${var.names.region_check_function}"),
    ):
        log = one(config, "resource", "aws_cloudwatch_log_group", group).body
        assert log["name"] == "/aws/lambda/" + name
        assert log["retention_in_days"] == "${var.log_retention_days}"
        logging = one(config, "resource", "aws_lambda_function", function).block("logging_config")
        assert logging["log_group"].startswith(f"${{aws_cloudwatch_log_group.{group}") and logging["log_format"] == "Text"


def test_alarms_watch_the_metrics_the_health_check_emits(configs: dict[str, Configuration]) -> None:
    alarms = {a.name: a.body for a in configs["modules/health_check"].resources("aws_cloudwatch_metric_alarm")}
    assert {a["metric_name"] for a in alarms.values()} == {functions.METRIC_FAILOVER, functions.METRIC_ALL_REGIONS_DOWN}
    for alarm in alarms.values():
        assert alarm["namespace"] == functions.METRIC_NAMESPACE
        assert alarm["dimensions"] == {functions.METRIC_DIMENSION: "${var.connect_region}"}
        assert (alarm["statistic"], alarm["threshold"], alarm["comparison_operator"]) == ("Sum", 1, "GreaterThanOrEqualToThreshold")
        assert alarm["treat_missing_data"] == "notBreaching" and alarm["alarm_actions"] == "${var.alarm_actions}"


# ---- IAM: least privilege ---------------------------------------------------------------------------


def test_no_policy_grants_a_wildcard_action_or_resource_but_polly(root: Configuration) -> None:
    for document in root.of("data", "aws_iam_policy_document"):
        for statement in document.body["statement"]:
            actions = statement["actions"]
            assert all("*" not in a for a in actions), f"{document.where}: {actions}"
            assert "effect" not in statement or statement["effect"] == "Allow"
            if statement.get("resources") == ["*"]:
                assert actions == ["polly:SynthesizeSpeech"], f"{document.where}: Resource * for {actions}"
    assert not root.resources("aws_iam_role_policy_attachment"), "no managed policies (the post attached three broad ones)"
    assert "managed_policy_arns" not in root.text


def _grants(root: Configuration, name: str) -> dict[str, tuple[list[str], Any]]:
    return {s["sid"]: (s["actions"], s["resources"]) for s in statements(root, name)}


def test_health_check_may_probe_aliases_update_one_item_and_log_only(root: Configuration, scenario: Scenario) -> None:
    grants = _grants(root, "health_check")
    assert grants == {
        "ProbePublishedAliases": (["lex:RecognizeText"], "${values(local.alias_arns)}"),
        "UpdateTheConnectRegionsItem": (["dynamodb:GetItem", "dynamodb:PutItem"], ["${aws_dynamodb_table.region_map.arn}"]),
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], "${local.health_check_log_streams}"),
    }, "no cloudwatch:PutMetricData: the metrics are Embedded Metric Format log lines"
    (item,) = [s for s in statements(root, "health_check") if s["sid"] == "UpdateTheConnectRegionsItem"]
    assert item["condition"] == [{"test": "ForAllValues:StringEquals", "variable": "dynamodb:LeadingKeys",
                                  "values": ["${local.connect_region}"]}]
    module = {m.name: m.body for m in root.of("module")}["health_check"]
    assert module["role_arn"] == "${aws_iam_role.health_check[0].arn}"
    assert one(root, "resource", "aws_iam_role", "health_check").body["name"] == "${var.names.lambda_role}"
    streams = scenario.per_region("health_check_log_streams")
    for region in scenario.ordered:
        function = scenario.variables["regions"][region]["names"]["health_check_function"]
        assert streams[region] == f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/{function}:*"


def test_alias_arns_granted_and_configured_are_the_published_aliases(scenario: Scenario) -> None:
    aliases = scenario.per_region("alias_arns")
    for region, arn in aliases.items():
        match = settings._ALIAS_ARN.match(arn)
        assert match and match["region"] == region, arn
        assert (match["account"], match["bot"], match["alias"]) == (ACCOUNT, BOT_IDS[region], ALIAS_IDS[region])


def test_region_check_may_only_read_the_item_and_log(root: Configuration) -> None:
    assert _grants(root, "region_check") == {
        "ReadTheConnectRegionsItem": (["dynamodb:GetItem"], ["${aws_dynamodb_table.region_map.arn}"]),
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.region_check[0].arn}:*"]),
    }
    function = one(root, "resource", "aws_lambda_function", "region_check").body
    assert function["role"] == "${aws_iam_role.region_check[0].arn}"


def test_scheduler_may_only_invoke_the_health_checks(root: Configuration, scenario: Scenario) -> None:
    assert _grants(root, "scheduler") == {"RunHealthChecks": (["lambda:InvokeFunction"], "${local.health_check_functions}")}
    arns = scenario.per_region("health_check_functions")
    for region in scenario.ordered:
        function = scenario.variables["regions"][region]["names"]["health_check_function"]
        assert arns[region] == f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function}"


def test_roles_trust_one_service_each_and_this_account(root: Configuration) -> None:
    trusts = {
        "lex": ("lex_trust", "lexv2.amazonaws.com"),
        "health_check": ("lambda_trust", "lambda.amazonaws.com"),
        "region_check": ("lambda_trust", "lambda.amazonaws.com"),
        "scheduler": ("scheduler_trust", "scheduler.amazonaws.com"),
    }
    roles = {r.name: r.body for r in root.resources("aws_iam_role")}
    assert set(roles) == set(trusts)
    for role, (document, service) in trusts.items():
        assert roles[role]["assume_role_policy"] == f"${{data.aws_iam_policy_document.{document}.json}}"
        (statement,) = statements(root, document)
        assert statement["actions"] == ["sts:AssumeRole"]
        assert statement["principals"] == [{"type": "Service", "identifiers": [service]}]
    for document in ("lex_trust", "scheduler_trust"):
        (statement,) = statements(root, document)
        assert {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["${local.account}"]} in statement["condition"]
    policies = {p.name: p.body for p in root.resources("aws_iam_role_policy")}
    for name, policy in policies.items():
        suffix = "" if name == "lex" else "[0]"
        assert policy["role"] == f"${{aws_iam_role.{name}{suffix}.id}}"
        assert policy["policy"] == f"${{data.aws_iam_policy_document.{name}{suffix}.json}}"


def test_functions_wait_for_their_permissions(root: Configuration) -> None:
    module = {m.name: m.body for m in root.of("module")}["health_check"]
    assert module["depends_on"] == ["${aws_iam_role_policy.health_check}", "${aws_iam_role_policy.scheduler}"]
    function = one(root, "resource", "aws_lambda_function", "region_check").body
    assert function["depends_on"] == ["${aws_iam_role_policy.region_check}"]


# ---- Lex ------------------------------------------------------------------------------------------


def test_each_region_gets_the_bot_locale_and_intents_of_the_model(configs: dict[str, Configuration]) -> None:
    bot_module = configs["modules/bot"]
    bot = one(bot_module, "resource", "aws_lexv2models_bot", "this")
    assert bot.body["name"] == "${var.name}" and bot.body["role_arn"] == "${var.role_arn}"
    assert bot.block("data_privacy") == {"child_directed": False}
    locale = one(bot_module, "resource", "aws_lexv2models_bot_locale", "this").body
    assert (locale["bot_version"], locale["locale_id"]) == ("DRAFT", "${var.lex.locale_id}")
    intent = one(bot_module, "resource", "aws_lexv2models_intent", "this").body
    assert intent["for_each"] == "${var.lex.intents}" and intent["name"] == "${each.key}"
    assert intent["dynamic"][0]["sample_utterance"]["for_each"] == "${each.value}"
    module = {m.name: m.body for m in configs["."].of("module")}["bot"]
    assert module["name"] == "${each.value.names.lex_bot}" and module["role_arn"] == "${aws_iam_role.lex.arn}"


def test_no_lex_v1_and_no_version_or_alias_resource(configs: dict[str, Configuration]) -> None:
    """Lex V1 is what the post used and is retired; a version needs a built locale and the
    provider has no V2 alias, so both are geobot's publish stage."""
    types = {r.type for c in configs.values() for r in c.resources()}
    assert not {t for t in types if t.startswith("aws_lex_")}, "Lex V1 resources"
    assert "aws_connect_bot_association" not in types, "it associates Lex V1 bots only"
    assert "aws_lexv2models_bot_version" not in types
    description = one(configs["."], "output", "", "bots").body["description"]
    for step in ("build_bot_locale", "create_bot_version", "create_bot_alias", "associate_bot"):
        assert step in description


def test_sample_model_translates_to_valid_lex_intents() -> None:
    intents = lex_intents()
    assert "None" not in intents and "BookTable" in intents
    assert "book a table" in intents["BookTable"]
    flat = [u.lower() for us in intents.values() for u in us]
    assert len(flat) == len(set(flat)), "Lex refuses duplicate sample utterances"


# ---- outputs ------------------------------------------------------------------------------------------


def test_outputs_give_the_later_stages_what_they_read(root: Configuration) -> None:
    outputs = {o.name: o.body for o in root.of("output")}
    assert set(outputs) == {"deployment", "regions", "region_map", "bots", "published", "health_checks", "region_check", "connect"}
    for name, body in outputs.items():
        assert body.get("description"), f"output {name} needs a description"
        assert not body.get("sensitive"), f"output {name}: outputs carry no secret"
    assert set(outputs["region_map"]["value"]) == {"table_name", "table_arn", "write_region", "replica_regions", "key", "item_key"}
    bots = outputs["bots"]["value"]
    assert "module.bot[region].bot_id" in bots and "var.lex.alias_name" in bots and "local.alias_arns" in bots
    checks = outputs["health_checks"]["value"]
    for key in ("function_name", "function_arn", "schedule_name"):
        assert f"check.{key}" in checks
    assert "aws_connect_contact_flow.region_routing[0].contact_flow_id" in outputs["connect"]["value"]
    assert "aws_lambda_function.region_check[0].arn" in outputs["region_check"]["value"]


# ---- Amazon Connect ------------------------------------------------------------------------------------


def test_connect_may_call_the_region_check_function_only_from_the_instance(root: Configuration) -> None:
    permission = one(root, "resource", "aws_lambda_permission", "connect").body
    assert permission["principal"] == "connect.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function_name"] == "${aws_lambda_function.region_check[0].function_name}"
    assert permission["source_arn"] == "${local.connect_instance_arn}"
    assert permission["source_account"] == "${local.account}"
    assert root.locals["connect_instance_arn"].endswith(
        '"arn:${local.partition}:connect:${local.connect_region}:${local.account}:instance/${var.connect_instance_id}"}')
    association = one(root, "resource", "aws_connect_lambda_function_association", "region_check").body
    assert association["function_arn"] == "${aws_lambda_function.region_check[0].arn}"


def _template_arguments(root: Configuration) -> dict[str, str]:
    flow = one(root, "resource", "aws_connect_contact_flow", "region_routing").body
    call = re.fullmatch(r'\$\{templatefile\("\$\{path\.module\}/flows/region-routing\.json", \{(.*)\}\)\}', flow["content"])
    assert call, flow["content"]
    return dict(re.findall(r"(\w+) = ([^,]+)(?:, |$)", call[1]))


def test_the_flow_resource_renders_the_template_with_every_placeholder(root: Configuration) -> None:
    flow = one(root, "resource", "aws_connect_contact_flow", "region_routing").body
    assert flow["type"] == "CONTACT_FLOW" and flow["instance_id"] == "${var.connect_instance_id}"
    arguments = _template_arguments(root)
    placeholders = set(re.findall(r"\$\{(\w+)\}", FLOW.read_text()))
    assert set(arguments) == placeholders
    assert arguments["region_check_function_arn"] == "aws_lambda_function.region_check[0].arn"
    assert arguments["region_check_timeout"] == "local.region_check_timeout"


@pytest.fixture(scope="module")
def flow(root: Configuration, scenario: Scenario) -> dict[str, Any]:
    """The flow as Terraform renders it for the published scenario."""
    refs = scenario.refs()
    values = {key: _evaluate(expression, refs) for key, expression in _template_arguments(root).items()}
    rendered = re.sub(r"\$\{(\w+)\}", lambda m: str(values[m[1]]), FLOW.read_text())
    return json.loads(rendered)


def test_flow_template_is_json_before_and_after_rendering(flow: dict[str, Any]) -> None:
    json.loads(FLOW.read_text())
    assert flow["Version"] == "2019-10-30"
    assert set(flow) <= {"Version", "StartAction", "Metadata", "Actions"}
    assert len(flow["Actions"]) <= 250


# What the flow language documents for each action this flow uses: parameters and error types.
# https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html
DOCUMENTED = {
    "UpdateFlowLoggingBehavior": ({"FlowLoggingBehavior"}, set()),
    "InvokeLambdaFunction": ({"LambdaFunctionARN", "InvocationTimeLimitSeconds", "InvocationType",
                              "LambdaInvocationAttributes", "ResponseValidation"}, {"NoMatchingError"}),
    "UpdateContactAttributes": ({"Attributes"}, {"NoMatchingError"}),
    "ConnectParticipantWithLexBot": ({"PromptId", "Text", "SSML", "Media", "LexV2Bot", "LexBot", "LexSessionAttributes"},
                                     {"NoMatchingCondition", "NoMatchingError"}),
    "Compare": ({"ComparisonValue"}, {"NoMatchingCondition"}),
    "MessageParticipant": ({"PromptId", "Text", "SSML", "Media"}, {"NoMatchingError"}),
    "DisconnectParticipant": (set(), set()),
}


def _actions(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["Identifier"]: a for a in flow["Actions"]}


def _targets(action: dict[str, Any]) -> list[str]:
    transitions = action["Transitions"]
    found = [transitions["NextAction"]] if "NextAction" in transitions else []
    found += [e["NextAction"] for e in transitions.get("Errors", [])]
    found += [c["NextAction"] for c in transitions.get("Conditions", [])]
    return found


def test_every_action_is_documented_and_every_transition_lands_on_an_action(flow: dict[str, Any]) -> None:
    actions = _actions(flow)
    assert len(actions) == len(flow["Actions"]), "action identifiers must be unique"
    assert flow["StartAction"] in actions
    assert set(flow["Metadata"]["ActionMetadata"]) == set(actions)
    for identifier, action in actions.items():
        parameters, errors = DOCUMENTED[action["Type"]]
        assert set(action["Parameters"]) <= parameters, f"{identifier}: {set(action['Parameters']) - parameters}"
        types = [e["ErrorType"] for e in action["Transitions"].get("Errors", [])]
        assert set(types) <= errors and len(types) == len(set(types)), f"{identifier}: errors {types}"
        for target in _targets(action):
            assert target in actions, f"{identifier} goes to {target!r}, which is no action"
        for condition in action["Transitions"].get("Conditions", []):
            assert condition["Condition"]["Operator"] == "Equals" and len(condition["Condition"]["Operands"]) == 1


def test_every_action_is_reachable_no_path_loops_and_every_path_hangs_up(flow: dict[str, Any]) -> None:
    actions = _actions(flow)
    seen: set[str] = set()

    def walk(identifier: str, path: tuple[str, ...]) -> None:
        assert identifier not in path, f"loop: {' -> '.join(path + (identifier,))}"
        seen.add(identifier)
        action = actions[identifier]
        if action["Type"] == "DisconnectParticipant":
            assert action["Transitions"] == {}
            return
        assert "NextAction" in action["Transitions"], f"{identifier} has no way on"
        lex_attempts = sum(actions[i]["Type"] == "ConnectParticipantWithLexBot" for i in path + (identifier,))
        assert lex_attempts <= 3, f"a caller waits on too many bots: {path}"
        for target in _targets(action):
            walk(target, path + (identifier,))

    walk(flow["StartAction"], ())
    assert seen == set(actions), f"unreachable: {set(actions) - seen}"


def test_every_lambda_and_bot_action_has_an_error_branch(flow: dict[str, Any]) -> None:
    for action in flow["Actions"]:
        errors = {e["ErrorType"] for e in action["Transitions"].get("Errors", [])}
        if action["Type"] in ("InvokeLambdaFunction", "ConnectParticipantWithLexBot"):
            assert "NoMatchingError" in errors, f"{action['Identifier']}: a failure must not drop the caller"
        if action["Type"] in ("ConnectParticipantWithLexBot", "Compare"):
            assert "NoMatchingCondition" in errors, f"{action['Identifier']}: no condition matched"


def test_flow_invokes_the_region_check_function_as_configured(flow: dict[str, Any], scenario: Scenario) -> None:
    (invoke,) = [a for a in flow["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    parameters = invoke["Parameters"]
    assert parameters["LambdaFunctionARN"] == scenario.refs()["aws_lambda_function.region_check[0].arn"]
    assert parameters["LambdaFunctionARN"] == f"arn:aws:lambda:{PRIMARY}:{ACCOUNT}:function:geobot-region-check"
    assert 1 <= int(parameters["InvocationTimeLimitSeconds"]) <= 8, "Connect waits 1-8 s"
    assert int(parameters["InvocationTimeLimitSeconds"]) == scenario.root.locals["region_check_timeout"]
    assert parameters["ResponseValidation"] == {"ResponseType": "STRING_MAP"}
    assert parameters["LambdaInvocationAttributes"] == {"connectRegion": PRIMARY}
    function = one(scenario.root, "resource", "aws_lambda_function", "region_check").body
    assert function["timeout"] == "${local.region_check_timeout}", "the function gives up when Connect does"


def test_bots_are_lex_v2_aliases_of_this_deployment(flow: dict[str, Any], scenario: Scenario) -> None:
    aliases = scenario.per_region("alias_arns")
    used = [a["Parameters"] for a in flow["Actions"] if a["Type"] == "ConnectParticipantWithLexBot"]
    assert all("LexBot" not in p and p["Text"] for p in used), "Lex V2 only, with a greeting"
    arns = [p["LexV2Bot"]["AliasArn"] for p in used]
    assert arns[0] == "$.External.botAliasArn", "first the bot of the region the function returned"
    assert sorted(arns[1:]) == sorted(aliases.values())


class Table:
    """The region map as the region-check function reads it: one active region, or unreachable."""

    def __init__(self, active: str | None) -> None:
        self.active = active

    def read(self, connect_region: str, *, consistent: bool) -> State | None:
        return None if self.active is None else State(active=self.active, changed_at="t")


def region_check_answer(scenario: Scenario, active: str | None) -> dict[str, str]:
    """The real function's answer, configured with the environment Terraform renders."""
    config = settings.region_check(scenario.environment("common_environment", "region_check_environment"))
    event = {"Details": {"Parameters": {"connectRegion": PRIMARY}, "ContactData": {}}}
    return RegionCheck(config, Table(active), PRIMARY, log=lambda line: None).answer(event)


def test_the_functions_answer_is_a_string_map_with_what_the_flow_reads(flow: dict[str, Any], scenario: Scenario) -> None:
    answer = region_check_answer(scenario, SECONDARY)
    assert all(isinstance(v, str) for v in answer.values()), "STRING_MAP: the post returned a number beside the region"
    read = set(re.findall(r"\$\.External\.(\w+)", json.dumps(flow)))
    assert read and read <= set(answer), f"the flow reads {read - set(answer)}, which the function never returns"


def run_flow(flow: dict[str, Any], external: dict[str, str] | None, failing: set[str]) -> tuple[list[str], str]:
    """Walk the flow as Connect would: `external` is the function's answer (None: it failed), a
    bot fails when its region is in `failing`. Returns the regions talked to and the last message."""
    actions, current, bots, message = _actions(flow), flow["StartAction"], [], ""
    for _ in range(len(actions) + 1):
        action = actions[current]
        kind, transitions = action["Type"], action["Transitions"]
        error = None
        if kind == "DisconnectParticipant":
            return bots, message
        if kind == "InvokeLambdaFunction" and external is None:
            error = "NoMatchingError"
        elif kind == "ConnectParticipantWithLexBot":
            arn = action["Parameters"]["LexV2Bot"]["AliasArn"]
            arn = external["botAliasArn"] if arn == "$.External.botAliasArn" else arn
            region = settings._ALIAS_ARN.match(arn)["region"]
            bots.append(region)
            error = "NoMatchingError" if region in failing else "NoMatchingCondition"  # no intent condition
        elif kind == "Compare":
            value = external[action["Parameters"]["ComparisonValue"].removeprefix("$.External.")]
            matched = [c["NextAction"] for c in transitions["Conditions"] if c["Condition"]["Operands"] == [value]]
            if matched:
                current = matched[0]
                continue
            error = "NoMatchingCondition"
        elif kind == "MessageParticipant":
            message = action["Parameters"]["Text"]
        errors = {e["ErrorType"]: e["NextAction"] for e in transitions.get("Errors", [])}
        current = errors[error] if error else transitions["NextAction"]
    raise AssertionError("the flow did not end")


@pytest.mark.parametrize(("active", "function_fails", "failing", "talked_to", "ending"), [
    (PRIMARY, False, set(), [PRIMARY], "Thank you"),
    (SECONDARY, False, set(), [SECONDARY], "Thank you"),
    (None, False, set(), [PRIMARY], "Thank you"),  # no item yet: the function's default
    (PRIMARY, True, set(), [PRIMARY], "Thank you"),  # the function fails: the primary
    (PRIMARY, True, {PRIMARY}, [PRIMARY, SECONDARY], "Thank you"),
    (PRIMARY, False, {PRIMARY}, [PRIMARY, SECONDARY], "Thank you"),  # down since the last check
    (SECONDARY, False, {SECONDARY}, [SECONDARY, PRIMARY], "Thank you"),
    (PRIMARY, False, {PRIMARY, SECONDARY}, [PRIMARY, SECONDARY], "Sorry"),
    (SECONDARY, False, {PRIMARY, SECONDARY}, [SECONDARY, PRIMARY, SECONDARY], "Sorry"),
], ids=["primary", "failed-over", "no-item", "function-fails", "function-and-primary-fail",
        "primary-bot-fails", "secondary-bot-fails", "both-fail", "both-fail-after-failover"])
def test_callers_reach_a_working_bot_whatever_fails(flow: dict[str, Any], scenario: Scenario, active: str | None,
                                                    function_fails: bool, failing: set[str], talked_to: list[str],
                                                    ending: str) -> None:
    """The post's flow dropped callers when the table said `err` or the chosen bot had failed
    since the last check; here every failure leads to the other bot, then to an apology."""
    external = None if function_fails else region_check_answer(scenario, active)
    bots, message = run_flow(flow, external, failing)
    assert bots == talked_to
    assert message.startswith(ending)


# ---- the variables contract, planned with the real Terraform -------------------------------------------


def test_variable_shape_parallels_the_other_targets(root: Configuration) -> None:
    local = load(REPO / "terraform" / "local")
    shared = {"deployment", "global_region", "probe", "regions"}
    assert shared <= local.names("variable") and shared <= root.names("variable")
    variables = {v.name: v.body for v in root.of("variable")}
    assert re.sub(r"\s", "", variables["regions"]["type"]) == (
        "${map(object({priority=number,names=map(string),alarm_actions=optional(list(string),[])}))}")
    for name, body in variables.items():
        assert body.get("description"), f"variable {name} needs a description"
        assert body.get("type"), f"variable {name} needs a type"
    assert variables["connect_instance_id"]["default"] is None
    assert variables["bot_alias_ids"]["default"] == {}
    assert "default" not in variables["functions_zip"]


@pytest.fixture(scope="module")
def contract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """variables.tf + contract.tf need no provider: `terraform init` works offline."""
    if terraform_binary() is None:
        pytest.skip("no terraform or tofu binary")
    return provider_free_copy(AWS, tmp_path_factory.mktemp("aws-contract"))


def _without_optional_probe_settings() -> dict[str, Any]:
    variables = rendered_variables()
    variables["probe"] = {"utterance": "hello", "expected_intent": "Greeting"}
    return variables


@pytest.mark.parametrize("variables", [
    rendered_variables(),
    PUBLISHED,
    rendered_variables("mybot42", ("eu-west-1", "eu-central-1", "us-east-1"), bot_alias_ids={
        "eu-west-1": "AAAAAAAAAA", "eu-central-1": "BBBBBBBBBB", "us-east-1": "CCCCCCCCCC"}),
    _without_optional_probe_settings(),
    rendered_variables(probe={"utterance": "book a table", "expected_intent": "BookTable", "probes": 5, "failback": "manual"}),
], ids=["first-apply", "published-with-connect", "three-regions", "probe-defaults", "manual-failback"])
def test_rendered_variables_plan(contract_dir: Path, variables: dict[str, Any]) -> None:
    done = plan(contract_dir, variables)
    assert done.returncode == 0, done.stdout + done.stderr


def _with(**changes: Any) -> dict[str, Any]:
    variables = json.loads(json.dumps(rendered_variables()))
    for path, value in changes.items():
        target = variables
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return variables


@pytest.mark.parametrize(("variables", "message"), [
    (_with(global_region="us-west-2"), "global_region must be the bot region with the lowest priority"),
    (_with(global_region="eu-west-1"), "global_region must be the bot region with the lowest priority"),
    (_with(probe__expected_intent="OrderFlowers"), "probe.expected_intent must be one of the intents"),
    (_with(bot_alias_ids={PRIMARY: "AAAAAAAAAA"}), "bot_alias_ids must be empty"),
    (_with(bot_alias_ids={PRIMARY: "ver_one", SECONDARY: "ver_one"}), "bot_alias_ids values must be Lex V2 alias ids"),
    (_with(probe__probes=10), "must fit in the health check's 55 s"),
    (_with(probe__probes=0), "probe.probes must be a whole number from 1 to 10"),
    (_with(probe__min_confidence=80), "probe.min_confidence must be from 0 to 1"),
    (_with(probe__failback="never"), "probe.failback must be"),
    (_with(**{"regions__us-west-2": None}), "regions must hold at least two regions"),
    (_with(**{"regions__us-west-2__priority": 1}), "its own priority"),
    (_with(**{"regions__us-west-2__names__lex_bot": None}), "names must hold lex_bot and health_check_function"),
    (_with(names__lambda_role=None), "names must hold dynamodb_table"),
    (_with(names__lex_role="geobot lex role"), "IAM role names"),
    (_with(lex__intents__None=["whatever"]), "must not hold None or FallbackIntent"),
    (_with(lex__intents__Greeting=["book a table"]), "unique across all intents"),
    (_with(lex__intents__Help=[]), "at least one non-empty sample utterance"),
    (_with(lex__alias_name="TestBotAlias"), "not TestBotAlias"),
    (_with(lex__locale_id="en-us"), "lex.locale_id must be a Lex locale"),
    (_with(connect_instance_id="arn:aws:connect:us-east-1:123456789012:instance/x"), "connect_instance_id must be"),
    (_with(functions_zip="/tmp/functions"), "functions_zip must be the path of a .zip file"),
    (_with(lambda_runtime="python3.8"), "lambda_runtime must be"),
    (_with(log_retention_days=100), "log_retention_days must be a CloudWatch Logs retention"),
    (_with(deployment="Geo_Bot"), "deployment must be 1-19 lowercase"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_bad_input_stops_the_plan_with_the_fix(contract_dir: Path, variables: dict[str, Any], message: str) -> None:
    done = plan(contract_dir, variables)
    assert done.returncode != 0, f"plan accepted {message!r}"
    assert message in " ".join((done.stdout + done.stderr).split()), done.stdout + done.stderr
