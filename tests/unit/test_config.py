"""The deployment config: precedence, defaults, and one clear line for every bad value."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from geobot import naming
from tests.certificates import write_pfx
from geobot.config import Config, generate_name, init_toml, load
from geobot.nlu.model import default_model_path
from geobot.errors import ConfigError

SECRET = "pfx-s3cret"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "geobot.toml"
    path.write_text(text)
    return path


def make_pfx(tmp_path: Path, names: list[str]) -> Path:
    return write_pfx(tmp_path / "cert.pfx", names, SECRET)


def test_with_no_file_env_or_flags_the_defaults_are_the_original_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(None, {}, {})
    assert config == Config()
    assert (config.target, config.global_region, config.regions) == ("local", "japaneast", ("koreacentral", "southeastasia"))
    assert config.certificate.acme_directory.startswith("https://acme-staging-v02.")


def test_without_a_path_geobot_toml_in_the_current_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, 'name = "fromcwd"\n')
    monkeypatch.chdir(tmp_path)
    assert load(None, {}, {}).name == "fromcwd"


@pytest.mark.parametrize(
    ("file", "env", "flag", "expected"),
    [
        (20, "30", 40, 40),
        (20, "30", None, 30),
        (20, None, None, 20),
        (None, None, None, 10),
    ],
    ids=["flag beats env", "env beats file", "file beats default", "default"],
)
def test_flags_beat_env_beat_file_beat_defaults(
    tmp_path: Path, file: int | None, env: str | None, flag: int | None, expected: int
) -> None:
    path = write(tmp_path, f"[probe]\ninterval = {file}\n" if file else "")
    config = load(
        path,
        {"GEOBOT_PROBE_INTERVAL": env} if env else {},
        {"probe.interval": flag, "name": None},  # None: the user did not give that flag
    )
    assert config.probe.interval == expected


@pytest.mark.parametrize("target", ["local", "aws"])
def test_the_azure_clis_subscription_variable_does_not_concern_other_targets(tmp_path: Path, target: str) -> None:
    config = load(write(tmp_path, f'target = "{target}"\n'), {"ARM_SUBSCRIPTION_ID": "my-dev-sub"}, {})
    assert config.target == target and config.azure.subscription_id is None


def test_the_azure_clis_subscription_variable_is_checked_for_the_azure_target(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"azure.subscription_id.*ARM_SUBSCRIPTION_ID|ARM_SUBSCRIPTION_ID.*GUID"):
        load(write(tmp_path, ""), {"ARM_SUBSCRIPTION_ID": "my-dev-sub"}, {"target": "azure"})


def test_env_lists_are_comma_separated(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""), {"GEOBOT_REGIONS": "westeurope, northeurope"}, {})
    assert config.regions == ("westeurope", "northeurope")


def test_weighted_routing_gives_unweighted_regions_weight_one(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""), {"GEOBOT_WEIGHTS": "koreacentral=3"}, {"routing": "weighted"})
    assert config.weights == {"koreacentral": 3, "southeastasia": 1}


def test_one_region_warns_instead_of_failing(tmp_path: Path) -> None:
    config = load(write(tmp_path, 'regions = ["koreacentral"]\n'), {}, {})
    assert config.warnings and "no failover" in config.warnings[0]
    assert load(write(tmp_path, ""), {}, {}).warnings == ()


def test_the_aws_target_has_aws_defaults_when_regions_are_not_given(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""), {}, {"target": "aws"})
    assert (config.global_region, config.regions, config.routing) == ("us-east-1", ("us-east-1", "us-west-2"), "priority")


@pytest.mark.parametrize(
    ("target", "domain", "host"),
    [
        ("azure", None, "mybot.trafficmanager.net"),
        ("local", None, "mybot.localhost"),
        ("aws", None, "mybot.aws.internal"),
        ("azure", "Bot.Example.com", "bot.example.com"),
    ],
)
def test_host_name_is_the_domain_else_the_targets_own_name(
    tmp_path: Path, target: str, domain: str | None, host: str
) -> None:
    flags = {"name": "mybot", "target": target, "domain": domain, "certificate.source": "letsencrypt",
             "certificate.email": "me@example.com"}
    assert load(write(tmp_path, ""), {}, flags).host_name == host


def test_resource_names_follow_the_naming_scheme(tmp_path: Path) -> None:
    config = load(write(tmp_path, 'name = "mybot"\n'), {}, {})
    assert config.resource_names() == naming.global_names("local", "mybot")
    assert config.region_resource_names("koreacentral")["web_app"] == "app-mybot-krc"


def test_init_toml_is_valid_toml_that_loads_to_the_defaults(tmp_path: Path) -> None:
    assert load(write(tmp_path, init_toml("mybot")), {}, {}) == Config(name="mybot")


def test_init_toml_explains_every_field(tmp_path: Path) -> None:
    text = init_toml("mybot")
    documented = set(tomllib.loads(re.sub(r"(?m)^# (\w+ = )", r"\1", text)))  # commented-out keys too
    for field in set(Config.model_fields) - {"warnings", "probe", "certificate"}:
        assert field in documented, field
    for section, model in [("probe", Config.model_fields["probe"]), ("certificate", Config.model_fields["certificate"])]:
        assert f"[{section}]" in text
        for field in set(model.annotation.model_fields) - {"pfx_password"}:  # type: ignore[union-attr]
            assert f"{field} = " in text, f"{section}.{field}"
    assert "GEOBOT_PFX_PASSWORD" in text


def test_generated_names_are_valid_and_differ() -> None:
    names = {generate_name() for _ in range(20)}
    assert len(names) > 1
    for name in names:
        assert naming.BOT_NAME.fullmatch(name) and name.startswith("geobot")


def test_fingerprint_fields_are_json_and_hold_no_secret(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path, ["mybot.localhost"])
    config = load(write(tmp_path, ""), {"GEOBOT_PFX_PASSWORD": SECRET},
                  {"name": "mybot", "certificate.source": "pfx", "certificate.pfx_path": pfx})
    assert config.certificate.pfx_password is not None
    text = json.dumps(config.fingerprint_fields())
    assert SECRET not in text and "pfx_password" not in text and str(pfx) in text


def test_a_missing_pfx_password_is_asked_for_once(tmp_path: Path) -> None:
    asked: list[str] = []
    pfx = make_pfx(tmp_path, ["mybot.localhost"])

    def prompt(text: str) -> str:
        asked.append(text)
        return SECRET

    config = load(write(tmp_path, ""), {}, {"name": "mybot", "certificate.source": "pfx",
                                            "certificate.pfx_path": pfx}, prompt)
    assert len(asked) == 1 and str(pfx) in asked[0]
    assert config.certificate.pfx_password.get_secret_value() == SECRET  # type: ignore[union-attr]


def test_a_relative_pfx_path_in_the_file_is_relative_to_the_file(tmp_path: Path) -> None:
    make_pfx(tmp_path, ["mybot.localhost"])
    text = 'name = "mybot"\n[certificate]\nsource = "pfx"\npfx_path = "cert.pfx"\n'
    config = load(write(tmp_path, text), {"GEOBOT_PFX_PASSWORD": SECRET}, {})
    assert config.certificate.pfx_path == tmp_path / "cert.pfx"


def test_the_bot_model_is_the_sample_unless_set_and_a_relative_path_is_relative_to_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(None, {}, {}).bot.model == default_model_path().resolve()
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "mine.json").write_text("{}")
    assert load(write(tmp_path, '[bot]\nmodel = "nlu/mine.json"\n'), {}, {}).bot.model == tmp_path / "nlu" / "mine.json"
    monkeypatch.chdir(tmp_path / "nlu")
    assert load(None, {"GEOBOT_BOT_MODEL": "mine.json"}, {}).bot.model == tmp_path / "nlu" / "mine.json"


def test_a_missing_bot_model_names_the_field_the_path_and_where_it_was_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, '[bot]\nmodel = "gone.json"\n'), {}, {})
    assert caught.value.message == f"bot.model = {str(tmp_path / 'gone.json')!r}: file not found"
    with pytest.raises(ConfigError, match=r"\(set by GEOBOT_BOT_MODEL\)"):
        load(None, {"GEOBOT_BOT_MODEL": str(tmp_path / "gone.json")}, {})


def test_the_bot_app_is_the_sample_unless_set_and_a_directory_is_relative_to_the_file(tmp_path: Path) -> None:
    assert load(None, {}, {}).bot.app == "geobot.bot.agent:create_bot"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "bot.py").write_text("from helpers import make as create_bot\n")
    (mine / "requirements.txt").write_text("")
    config = load(write(tmp_path, '[bot]\napp = "mine"\n'), {}, {})
    assert config.bot.app == str(mine)
    assert config.bot.app_spec.directory == mine and config.bot.app_spec.factory == "create_bot"
    assert load(None, {"GEOBOT_BOT_APP": "geobot.bot.agent:create_bot"}, {}).bot.app_spec.is_sample


BAD_APPS = {
    "not a module, not a directory": ("nothing/here", "is neither \"package.module:factory\" nor an existing directory"),
    "no requirements.txt": ("norequirements", "has no requirements.txt"),
    "bot.py that does not parse": ("syntax", "bot.py line 1: invalid syntax"),
    "bot.py without the factory": ("nofactory", "bot.py defines no create_bot"),
    "a module that cannot be found": ("no_such_package.bot:create", "module 'no_such_package.bot' cannot be found"),
}


@pytest.mark.parametrize("value, rule", BAD_APPS.values(), ids=BAD_APPS.keys())
def test_a_bot_app_that_cannot_be_found_names_the_field_and_why(tmp_path: Path, value: str, rule: str) -> None:
    for name, source, requirements in (("norequirements", "def create_bot(c): ...", False),
                                       ("syntax", "def create_bot(:", True), ("nofactory", "def make(c): ...", True)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "bot.py").write_text(source)
        if requirements:
            (tmp_path / name / "requirements.txt").write_text("")
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, f'[bot]\napp = "{value}"\n'), {}, {})
    assert caught.value.message.startswith("bot.app = ") and rule in caught.value.message


def test_a_config_cannot_be_built_invalid() -> None:
    with pytest.raises(ConfigError):
        Config(name="Not Valid")


def test_malformed_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "mybot"\n\nregions = [koreacentral]\n')
    with pytest.raises(ConfigError) as caught:
        load(path, {}, {})
    assert caught.value.message.startswith(f"{path} line 3: ")
    assert "\n" not in caught.value.message and caught.value.hint


def test_a_value_from_the_environment_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\(set by GEOBOT_NAME\)"):
        load(write(tmp_path, ""), {"GEOBOT_NAME": "Bad-Name"}, {})


def test_a_wrong_pfx_password_never_appears_in_the_error(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path, ["mybot.localhost"])
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, ""), {"GEOBOT_PFX_PASSWORD": "wrong-guess"},
             {"name": "mybot", "certificate.source": "pfx", "certificate.pfx_path": pfx})
    error = caught.value
    assert (error.field, error.value) == ("certificate.pfx_password", None)
    assert "wrong-guess" not in error.message + error.hint and SECRET not in error.message + error.hint


def test_a_pfx_for_another_host_names_the_host_and_the_certificates_names(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path, ["other.example"])
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, ""), {"GEOBOT_PFX_PASSWORD": SECRET},
             {"name": "mybot", "certificate.source": "pfx", "certificate.pfx_path": pfx})
    assert caught.value.field == "certificate.pfx_path"
    assert "other.example" in caught.value.message and "mybot.localhost" in caught.value.message


PFX = {"certificate.source": "pfx"}
AZURE = {"target": "azure", "certificate.source": "letsencrypt", "certificate.email": "me@example.com"}
AWS = {"target": "aws"}

# (case id, geobot.toml text, env, flags, field the error names, text the fix mentions)
BAD_INPUTS = [
    ("uppercase name", "", {"GEOBOT_NAME": "MyBot"}, {}, "name", "mybot42"),
    ("name starts with digit", 'name = "1bot"', {}, {}, "name", "mybot42"),
    ("name of 20 characters", "", {}, {"name": "a" * 20}, "name", "mybot42"),
    ("name with hyphen", "", {}, {"name": "my-bot"}, "name", "mybot42"),
    ("empty name", 'name = ""', {}, {}, "name", "mybot42"),
    ("name not a string", "name = 42", {}, {}, "name", 'name = "mybot42"'),
    ("unknown target", "", {"GEOBOT_TARGET": "gcp"}, {}, "target", "GEOBOT_TARGET=local"),
    ("unknown global region", 'global_region = "mars"', {}, {}, "global_region", "japaneast"),
    ("aws global region on azure", "", {}, {**AZURE, "global_region": "us-east-1"}, "global_region", "japaneast"),
    ("unknown region", "", {"GEOBOT_REGIONS": "koreacentral,narnia"}, {}, "regions", "koreacentral"),
    ("duplicate region", 'regions = ["koreacentral", "koreacentral"]', {}, {}, "regions", "once"),
    ("no region", "regions = []", {}, {}, "regions", "koreacentral"),
    ("regions not a list", 'regions = "koreacentral"', {}, {}, "regions", 'regions = ["koreacentral", '),
    ("aws region without lex", "", {}, {"target": "aws", "regions": ["us-east-1", "eu-north-1"]}, "regions", "us-east-1"),
    ("azure region on aws", 'target = "aws"\nregions = ["koreacentral"]', {}, {}, "regions", "us-west-2"),
    ("unknown routing", 'routing = "random"', {}, {}, "routing", 'routing = "performance"'),
    ("aws with performance routing", "", {}, {"target": "aws", "routing": "performance"}, "routing", "priority"),
    ("weights without weighted routing", "[weights]\nkoreacentral = 2", {}, {}, "weights", "weighted"),
    ("weight for a region not deployed", 'routing = "weighted"\n[weights]\nwesteurope = 2', {}, {},
     "weights.westeurope", "bot regions"),
    ("weight zero", 'routing = "weighted"\n[weights]\nkoreacentral = 0', {}, {}, "weights.koreacentral", "1000"),
    ("weight too big", "", {"GEOBOT_WEIGHTS": "koreacentral=1001"}, {"routing": "weighted"},
     "weights.koreacentral", "1000"),
    ("malformed weights env", "", {"GEOBOT_WEIGHTS": "koreacentral:3"}, {}, "GEOBOT_WEIGHTS", "koreacentral=3"),
    ("azure probe interval 20", "", {"GEOBOT_PROBE_INTERVAL": "20"}, AZURE, "probe.interval", "10"),
    ("azure timeout 10 with interval 10", "", {}, {**AZURE, "probe.timeout": 10}, "probe.timeout", "9"),
    ("azure timeout 4", "", {}, {**AZURE, "probe.interval": 30, "probe.timeout": 4}, "probe.timeout", "5"),
    ("local interval 0", "[probe]\ninterval = 0", {}, {}, "probe.interval", "3600"),
    ("local timeout over interval", "[probe]\ninterval = 5\ntimeout = 6", {}, {}, "probe.timeout", "5"),
    ("tolerated failures 10", "", {"GEOBOT_PROBE_TOLERATED_FAILURES": "10"}, {}, "probe.tolerated_failures", "9"),
    ("negative dns ttl", "[probe]\ndns_ttl = -1", {}, {}, "probe.dns_ttl", "2147483647"),
    ("probe path without slash", "", {"GEOBOT_PROBE_PATH": "api/health"}, {}, "probe.path", "/api/health"),
    ("non-integer env", "", {"GEOBOT_PROBE_INTERVAL": "ten"}, {}, "GEOBOT_PROBE_INTERVAL", "digits"),
    ("quoted integer in file", '[probe]\ninterval = "10"', {}, {}, "probe.interval", "interval = 10 under [probe]"),
    ("fractional interval", "[probe]\ninterval = 10.5", {}, {}, "probe.interval", "interval = 10 under [probe]"),
    ("unknown certificate source", "", {"GEOBOT_CERT_SOURCE": "acme"}, {}, "certificate.source", "GEOBOT_CERT_SOURCE=local-ca"),
    ("letsencrypt without email", '[certificate]\nsource = "letsencrypt"', {}, {}, "certificate.email",
     "GEOBOT_CERT_EMAIL"),
    ("bad email", "", {"GEOBOT_CERT_EMAIL": "not-an-email"}, {}, "certificate.email", "you@example.com"),
    ("email without domain dot", "", {"GEOBOT_CERT_EMAIL": "me@localhost"}, {}, "certificate.email", "you@example.com"),
    ("plain http acme", "", {"GEOBOT_ACME_DIRECTORY": "http://acme.example.com/dir"}, {},
     "certificate.acme_directory", "https://"),
    ("ftp acme", "", {}, {"certificate.acme_directory": "ftp://127.0.0.1/dir"}, "certificate.acme_directory", "https://"),
    ("subscription not a guid", "", {"AZURE_SUBSCRIPTION_ID": "my-sub"}, AZURE, "azure.subscription_id",
     "az account show"),
    ("basic plan behind traffic manager", '[azure]\napp_service_sku = "B1"', {}, AZURE, "azure.app_service_sku",
     "frontdoor"),
    ("free app service plan", "", {"GEOBOT_AZURE_APP_SERVICE_SKU": "F1"}, AZURE, "azure.app_service_sku", "P0v3"),
    ("unknown edge", "", {"GEOBOT_AZURE_EDGE": "cdn"}, AZURE, "azure.edge", "GEOBOT_AZURE_EDGE=trafficmanager"),
    ("app service principal not a guid", "", {"GEOBOT_AZURE_APP_SERVICE_PRINCIPAL_ID": "app-service"}, AZURE,
     "azure.app_service_principal_object_id", "az ad sp show"),
    ("pfx without path", "", {}, PFX, "certificate.pfx_path", "GEOBOT_PFX_PATH"),
    ("pfx path missing", "", {"GEOBOT_PFX_PATH": "/nonexistent/cert.pfx", "GEOBOT_PFX_PASSWORD": "x"}, PFX,
     "certificate.pfx_path", "readable"),
    ("pfx password in the file", '[certificate]\npfx_password = "hunter2"', {}, {}, "certificate.pfx_password",
     "GEOBOT_PFX_PASSWORD"),
    ("pfx password as a flag", "", {}, {"certificate.pfx_password": "hunter2"}, "certificate.pfx_password",
     "GEOBOT_PFX_PASSWORD"),
    ("single-label domain", "", {"GEOBOT_DOMAIN": "localhost"}, {}, "domain", "bot.example.com"),
    ("domain with underscore", 'domain = "my_bot.example.com"', {}, {}, "domain", "bot.example.com"),
    ("domain too long", "", {}, {"domain": ("a" * 60 + ".") * 5 + "com"}, "domain", "253"),
    ("unknown key", 'nmae = "mybot"', {}, {}, "nmae", "did you mean `name`?"),
    ("unknown nested key", "[probe]\nintervall = 10", {}, {}, "probe.intervall", "did you mean `probe.interval`?"),
    ("probe not a table", "probe = 10", {}, {}, "probe", "[probe] section"),
    ("misspelt table", "[probes]\ninterval = 10", {}, {}, "probes", "did you mean `probe`?"),
    ("misspelt target", 'target = "lcoal"', {}, {}, "target", 'did you mean "local"?'),
    ("misspelt region", 'regions = ["koreacentral", "southeastaisa"]', {}, {}, "regions", 'did you mean "southeastasia"?'),
    ("misspelt global region", "", {"GEOBOT_GLOBAL_REGION": "japaneats"}, {}, "global_region", 'did you mean "japaneast"?'),
    ("misspelt weighted region", 'routing = "weighted"\n[weights]\nkoreacentrl = 2', {}, {}, "weights.koreacentrl",
     "did you mean koreacentral?"),
    ("misspelt probe path", '[probe]\npath = "/api/healht"', {}, {}, "probe.path", 'did you mean "/api/health"?'),
    ("probe path the bots do not serve", '[probe]\npath = "/healthz"', {}, {}, "probe.path", '"/api/health"'),
    ("empty pfx path", '[certificate]\nsource = "pfx"\npfx_path = ""', {}, {}, "certificate.pfx_path",
     'pfx_path = "certificate.pfx" under [certificate]'),
    ("empty bot model", '[bot]\nmodel = ""', {}, {}, "bot.model", "under [bot]"),
    ("acme directory without a valid host", "", {"GEOBOT_ACME_DIRECTORY": "https://acme_host.example/dir"}, {},
     "certificate.acme_directory", "https://"),
    ("test utterance longer than Lex takes", f'[aws]\ntest_utterance = "{"book " * 300}"', {}, AWS, "aws.test_utterance",
     "book a table"),
    ("empty expected intent", '[aws]\nexpected_intent = " "', {}, AWS, "aws.expected_intent", "BookTable"),
    ("misspelt variable", "", {"GEOBOT_DOMIAN": "bot.example.com"}, {}, "GEOBOT_DOMIAN", "did you mean GEOBOT_DOMAIN?"),
    ("misspelt routing from the environment", "", {"GEOBOT_ROUTING": "priorty"}, {}, "routing", 'did you mean "priority"?'),
    ("a region that is not text", "regions = [1]", {}, {}, "regions", 'regions = ["koreacentral", '),
    ("warnings are geobot's, not a setting", 'warnings = ["x"]', {}, {}, "warnings", "geobot init"),
    ("a custom domain on aws", 'domain = "bot.example.com"', {}, AWS, "domain", "remove domain"),
    ("aws with one region", "", {}, {"target": "aws", "regions": ["us-east-1"]}, "regions", "us-west-2"),
    ("aws primary that is not the global region", "", {}, {"target": "aws", "regions": ["us-west-2", "us-east-1"]},
     "global_region", 'global_region = "us-west-2"'),
    ("connect instance given as its arn", "", {"GEOBOT_AWS_CONNECT_INSTANCE_ID": "arn:aws:connect:us-east-1:1:instance/x"},
     AWS, "aws.connect_instance_id", "list-instances"),
    ("empty test utterance", '[aws]\ntest_utterance = " "', {}, AWS, "aws.test_utterance", "book a table"),
    ("min confidence as a percentage", "[aws]\nmin_confidence = 80", {}, AWS, "aws.min_confidence", "0.8"),
    ("quoted min confidence", '[aws]\nmin_confidence = "0.8"', {}, AWS, "aws.min_confidence", "min_confidence = 0.8 under [aws]"),
    ("no probes", "", {"GEOBOT_AWS_PROBES": "0"}, AWS, "aws.probes", "between 1 and 10"),
    ("probes that outlast the health check's minute", "", {"GEOBOT_AWS_PROBES": "4"},
     {**AWS, "regions": ["us-east-1", "us-west-2", "eu-west-1"]}, "aws.probes", "lower aws.probes"),
    ("failover after no failure", "", {"GEOBOT_AWS_FAILOVER_AFTER": "0"}, AWS, "aws.failover_after", "between 1 and 100"),
    ("unknown failback", "", {"GEOBOT_AWS_FAILBACK": "never"}, AWS, "aws.failback", "GEOBOT_AWS_FAILBACK=auto"),
    ("aws online timeout of seconds", "", {"GEOBOT_AWS_ONLINE_TIMEOUT": "10"}, AWS, "aws.online_timeout", "between 60"),
]


@pytest.mark.parametrize(("text", "env", "flags", "field", "fix"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_every_bad_input_gives_one_line_naming_the_field_and_a_fix(
    tmp_path: Path, text: str, env: dict[str, str], flags: dict[str, object], field: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, text + "\n"), env, flags)
    error = caught.value
    assert error.field == field
    assert error.message.startswith(field) and "\n" not in error.message
    assert fix in error.hint and "\n" not in error.hint
    assert "hunter2" not in error.message + error.hint


def test_an_explicit_config_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "missing.toml", {}, {})
    assert caught.value.field == "--config" and "geobot init" in caught.value.hint


def test_a_pfx_password_missing_without_a_prompt_says_how_to_set_it(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path, ["mybot.localhost"])
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, ""), {}, {"name": "mybot", "certificate.source": "pfx", "certificate.pfx_path": pfx})
    assert caught.value.field == "certificate.pfx_password" and "GEOBOT_PFX_PASSWORD" in caught.value.hint


def test_the_aws_settings_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[aws]\ntest_utterance = "hello"\nexpected_intent = "Greeting"\nmin_confidence = 1\n')
    env = {"GEOBOT_AWS_CONNECT_INSTANCE_ID": "0b3e1f2a-1111-4a2b-9c3d-123456789abc", "GEOBOT_AWS_PROBES": "2",
           "GEOBOT_AWS_FAILOVER_AFTER": "4", "GEOBOT_AWS_FAILBACK_AFTER": "9", "GEOBOT_AWS_FAILBACK": "manual",
           "GEOBOT_AWS_ONLINE_TIMEOUT": "120"}
    aws = load(path, env, {"target": "aws"}).aws
    assert aws.model_dump() == {"connect_instance_id": "0b3e1f2a-1111-4a2b-9c3d-123456789abc", "test_utterance": "hello",
                                "expected_intent": "Greeting", "min_confidence": 1.0, "probes": 2, "failover_after": 4,
                                "failback_after": 9, "failback": "manual", "online_timeout": 120}


def test_init_toml_explains_every_aws_setting() -> None:
    text = init_toml("mybot")
    section = text[text.index("[aws]"):]
    for field in Config.model_fields["aws"].annotation.model_fields:  # type: ignore[union-attr]
        assert f"{field} = " in section, f"aws.{field}"
    for variable in ("GEOBOT_AWS_CONNECT_INSTANCE_ID", "GEOBOT_AWS_PROBES", "GEOBOT_AWS_FAILOVER_AFTER",
                     "GEOBOT_AWS_FAILBACK", "GEOBOT_AWS_FAILBACK_AFTER", "GEOBOT_AWS_ONLINE_TIMEOUT"):
        assert variable in section, variable


def test_updates_roll_one_region_at_a_time_unless_told_all_at_once(tmp_path: Path) -> None:
    assert load(write(tmp_path, ""), {}, {}).update == "rolling"
    assert load(write(tmp_path, ""), {"GEOBOT_UPDATE": "all-at-once"}, {}).update == "all-at-once"
    assert load(write(tmp_path, 'update = "all-at-once"\n'), {}, {"update": "rolling"}).update == "rolling"
    with pytest.raises(ConfigError, match=r"^update = 'blue-green'"):
        load(write(tmp_path, 'update = "blue-green"\n'), {}, {})
