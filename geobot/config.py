"""The deployment config: what to deploy where, merged from flags > env > geobot.toml > defaults.

`load` is the only way in. It rejects every bad value before anything runs, each with a one-line
`ConfigError` naming the field as the user writes it, the value, the rule and a fix. A `Config`
is frozen and valid by construction: its model validator runs every rule that needs no disk.
This module knows nothing of Terraform, the terminal or cloud SDKs, and imports `cryptography`
only when a PFX has to be checked.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr, Strict, StrictBool, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from geobot import naming, regions, wording
from geobot.bot import appspec
from geobot.errors import ConfigError
from geobot.resources import luis_dir

Int = Annotated[int, Strict()]
Port = Annotated[int, BeforeValidator(lambda value: 0 if value == "auto" else value), Strict()]  # 0: chosen at deploy


def _not_empty(value: object) -> object:
    if isinstance(value, str) and not value.strip():  # Path("") would be the working directory
        raise PydanticCustomError("empty", "is empty")
    return value


FilePath = Annotated[Path, BeforeValidator(_not_empty)]
Float = Annotated[float, Strict()]  # an int is accepted too, a quoted number is not

DEFAULT_FILE = Path("geobot.toml")
LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory"
AWS_DEFAULTS = {"global_region": "us-east-1", "regions": ("us-east-1", "us-west-2"), "routing": "priority"}
SEE_INIT = "run `geobot init` for a commented geobot.toml listing every key"
HEALTH_PATHS = ("/api/health", "/api/health/live")  # what every regional bot serves (geobot.bot.app)
LEX_TEXT_MAX = 1024  # RecognizeText's text: 1-1024 characters

# environment variable -> dotted config key
ENV_VARS: dict[str, str] = {
    "GEOBOT_NAME": "name",
    "GEOBOT_TARGET": "target",
    "GEOBOT_GLOBAL_REGION": "global_region",
    "GEOBOT_REGIONS": "regions",
    "GEOBOT_ROUTING": "routing",
    "GEOBOT_WEIGHTS": "weights",
    "GEOBOT_DOMAIN": "domain",
    "GEOBOT_UPDATE": "update",
    "GEOBOT_PROBE_PATH": "probe.path",
    "GEOBOT_PROBE_INTERVAL": "probe.interval",
    "GEOBOT_PROBE_TIMEOUT": "probe.timeout",
    "GEOBOT_PROBE_TOLERATED_FAILURES": "probe.tolerated_failures",
    "GEOBOT_DNS_TTL": "probe.dns_ttl",
    "GEOBOT_CERT_SOURCE": "certificate.source",
    "GEOBOT_CERT_EMAIL": "certificate.email",
    "GEOBOT_ACME_DIRECTORY": "certificate.acme_directory",
    "GEOBOT_PFX_PATH": "certificate.pfx_path",
    "GEOBOT_PFX_PASSWORD": "certificate.pfx_password",
    "GEOBOT_RENEW_DAYS": "certificate.renew_days",
    "GEOBOT_LOCAL_HTTPS_PORT": "local.https_port",
    "GEOBOT_LOCAL_HTTP_PORT": "local.http_port",
    "GEOBOT_LOCAL_BOT_PORT": "local.bot_port",
    "GEOBOT_ROUTER_RETRY": "local.retry",
    "GEOBOT_ROUTER_HOLD_DOWN": "local.hold_down",
    "ARM_SUBSCRIPTION_ID": "azure.subscription_id",
    "AZURE_SUBSCRIPTION_ID": "azure.subscription_id",
    "GEOBOT_AZURE_EDGE": "azure.edge",
    "GEOBOT_AZURE_APP_SERVICE_SKU": "azure.app_service_sku",
    "GEOBOT_AZURE_DELETED_VAULT": "azure.deleted_vault",
    "GEOBOT_AZURE_ONLINE_TIMEOUT": "azure.online_timeout",
    "GEOBOT_AZURE_ROLE_WAIT": "azure.role_wait",
    "GEOBOT_AZURE_APP_SERVICE_PRINCIPAL_ID": "azure.app_service_principal_object_id",
    "GEOBOT_AZURE_BACKEND": "azure.backend",
    "GEOBOT_AWS_CONNECT_INSTANCE_ID": "aws.connect_instance_id",
    "GEOBOT_AWS_PROBES": "aws.probes",
    "GEOBOT_AWS_FAILOVER_AFTER": "aws.failover_after",
    "GEOBOT_AWS_FAILBACK_AFTER": "aws.failback_after",
    "GEOBOT_AWS_FAILBACK": "aws.failback",
    "GEOBOT_AWS_ONLINE_TIMEOUT": "aws.online_timeout",
    "GEOBOT_BOT_MODEL": "bot.model",
    "GEOBOT_BOT_APP": "bot.app",
}
INT_KEYS = frozenset({"probe.interval", "probe.timeout", "probe.tolerated_failures", "probe.dns_ttl",
                      "certificate.renew_days", "local.https_port", "local.http_port", "local.bot_port",
                      "local.hold_down", "azure.online_timeout", "azure.role_wait", "aws.probes", "aws.failover_after",
                      "aws.failback_after", "aws.online_timeout"})
PORT_KEYS = frozenset({"local.https_port", "local.http_port", "local.bot_port"})
BOOL_KEYS = frozenset({"local.retry"})
BOOLS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
SECRET_KEY = "certificate.pfx_password"
FLAG_KEYS = frozenset(ENV_VARS.values()) - {SECRET_KEY}
FLAG_NAMES = {"target": "--target", "name": "--name"}  # the keys the CLI's own options set (geobot --target, init --name)
# the other variables geobot reads: the global options' and the tools'
PROCESS_VARS = frozenset({"GEOBOT_CONFIG", "GEOBOT_STATE_DIR", "GEOBOT_OUTPUT", "GEOBOT_AUTO_APPROVE", "GEOBOT_VERBOSE",
                          "GEOBOT_NO_COLOR", "GEOBOT_TERRAFORM", "GEOBOT_CERTBOT", "GEOBOT_DEBUG", "GEOBOT_EXPORT_PASSWORD"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProbeSettings(_Frozen):
    """How the router health-checks each region (Traffic Manager's monitor settings)."""

    path: str = "/api/health"
    interval: Int = 10
    timeout: Int = 5
    tolerated_failures: Int = 1
    dns_ttl: Int = 10


class CertificateSettings(_Frozen):
    """Where the certificate for the router's host name comes from."""

    source: Literal["local-ca", "letsencrypt", "pfx"] = "local-ca"
    email: str | None = None
    acme_directory: str = "https://acme-staging-v02.api.letsencrypt.org/directory"  # staging: safe
    pfx_path: FilePath | None = None
    pfx_password: SecretStr | None = None  # from GEOBOT_PFX_PASSWORD or the prompt, never the file
    renew_days: Int = 30


class LocalSettings(_Frozen):
    """The local target's loopback ports and its router's Traffic Manager / Front Door behaviour."""

    https_port: Port = 8443
    http_port: Port = 8080
    bot_port: Port = 3978  # the first region's port; region i listens on bot_port + i
    retry: StrictBool = False
    hold_down: Int = 0

    def bot_ports(self, regions: Sequence[str]) -> dict[str, int]:
        return {region: self.bot_port + index for index, region in enumerate(regions)}


class AzureSettings(_Frozen):
    """The azure target's own choices; everything else comes from the shared keys above."""

    subscription_id: str | None = None  # else ARM_SUBSCRIPTION_ID / AZURE_SUBSCRIPTION_ID
    edge: Literal["trafficmanager", "frontdoor"] = "trafficmanager"
    app_service_sku: str = "P0v3"
    language_sku: Literal["F0", "S"] = "S"
    purge_protection: StrictBool = False
    deleted_vault: Literal["refuse", "recover", "purge"] = "refuse"
    online_timeout: Int = 900
    role_wait: Int = 600  # seconds a 403 is retried while a role assignment the deploy just made applies
    app_service_principal_object_id: str | None = None  # else looked up in Entra (a CI principal may not read it)
    backend: Literal["local", "blob"] = "local"  # where Terraform keeps the state of terraform/azure


class AwsSettings(_Frozen):
    """The aws target's own choices: the Connect instance and the health check's probe and policy.

    [probe] configures a router's HTTP probes, which the aws target has none of: its health
    check sends `test_utterance` to every region's bot every minute instead.
    """

    connect_instance_id: str | None = None  # the Amazon Connect instance in global_region, if any
    test_utterance: str = "book a table"
    expected_intent: str = "BookTable"
    min_confidence: Float = 0.8
    probes: Int = 3  # per region and run; a region passes a run when most pass
    failover_after: Int = 3  # failed runs (minutes) in a row before callers move
    failback_after: Int = 5  # passed runs in a row before callers return to the primary
    failback: Literal["auto", "manual"] = "auto"
    online_timeout: Int = 600


class BotSettings(_Frozen):
    """The bot (`geobot.bot.appspec`) and its language model: a LUIS app export (4.x-7.x) or a CLU project export."""

    model: FilePath = luis_dir() / "geobot.luis.json"  # the sample booking bot's
    app: str = appspec.SAMPLE

    @field_validator("app")
    @classmethod
    def _app(cls, app: str) -> str:
        """Module form as written; directory form as an absolute path, so every target reads the same."""
        try:
            spec = appspec.parse(app)
            appspec.check(spec)
        except appspec.AppSpecError as exc:
            raise ConfigError("bot.app", app, exc.rule, exc.fix) from None
        return str(spec.directory) if spec.directory else app.strip()

    @property
    def app_spec(self) -> appspec.AppSpec:
        return appspec.parse(self.app)

    @field_validator("model")
    @classmethod
    def _model_file(cls, model: Path) -> Path:
        try:
            found = model.is_file()
        except OSError as e:  # a name too long ...
            raise ConfigError("bot.model", str(model), f"cannot be read: {wording.os_reason(e)}",
                              "point bot.model (or GEOBOT_BOT_MODEL) at a LUIS or CLU JSON export") from None
        if not found:
            raise ConfigError("bot.model", str(model), "file not found",
                              "point bot.model (or GEOBOT_BOT_MODEL) at a LUIS or CLU JSON export")
        return model.resolve()


class Config(_Frozen):
    """One deployment: its name, target, regions, routing, probes and certificate."""

    name: str = "geobot"
    target: Literal["local", "azure", "aws"] = "local"
    global_region: str = "japaneast"
    regions: tuple[str, ...] = ("koreacentral", "southeastasia")  # order = priority order
    routing: Literal["performance", "priority", "weighted"] = "performance"
    weights: dict[str, Int] = {}
    probe: ProbeSettings = ProbeSettings()
    certificate: CertificateSettings = CertificateSettings()
    local: LocalSettings = LocalSettings()
    azure: AzureSettings = AzureSettings()
    aws: AwsSettings = AwsSettings()
    bot: BotSettings = BotSettings()
    domain: str | None = None
    update: Literal["rolling", "all-at-once"] = "rolling"  # how a deploy restarts regions with new code

    @field_validator("domain")
    @classmethod
    def _lowercase_domain(cls, domain: str | None) -> str | None:
        return None if domain is None else domain.lower().rstrip(".")

    @model_validator(mode="after")
    def _check(self) -> Config:
        if not naming.BOT_NAME.fullmatch(self.name):
            raise ConfigError("name", self.name, naming.BOT_NAME_RULE, 'choose e.g. "mybot42" (or run `geobot init`)')
        _check_regions(self)
        _check_derived_names(self)
        _check_routing(self)
        _check_probe(self.target, self.probe)
        _check_certificate(self)
        _check_local(self)
        _check_azure(self.azure)
        _check_aws(self)
        if self.domain is not None and not naming.is_dns_name(self.domain):
            raise ConfigError("domain", self.domain, "is not a DNS name with at least two labels",
                              'write a name such as "bot.example.com" (letters, digits, hyphens; <= 253 chars)')
        return self

    @property
    def warnings(self) -> tuple[str, ...]:
        """Advice that does not stop a run."""
        warnings = []
        if len(self.regions) == 1:
            warnings.append(f"only one bot region ({self.regions[0]}): no failover; add a second region to regions")
        if self.target == "aws" and not self.bot.app_spec.is_sample:
            warnings.append(f"bot.app = {self.bot.app!r} is not deployed on aws: Lex V2 answers from bot.model's "
                            "intents, with no bot server to run it; deploy it with target local or azure")
        return tuple(warnings)

    @property
    def host_name(self) -> str:
        """The router's public name: the custom domain, else the target's own name."""
        if self.domain:
            return self.domain
        return {"azure": f"{self.name}.trafficmanager.net", "aws": f"{self.name}.aws.internal",
                "local": f"{self.name}.localhost"}[self.target]

    def resource_names(self) -> dict[str, str]:
        """Every global resource name this deployment uses on its target."""
        return naming.global_names(self.target, self.name)

    def region_resource_names(self, region: str) -> dict[str, str]:
        """Every resource name of one bot region."""
        return naming.regional_names(self.target, self.name, region)

    def fingerprint_fields(self) -> dict[str, Any]:
        """A JSON-able view of the inputs, without secrets, for pipeline input digests."""
        return self.model_dump(mode="json", exclude={"certificate": {"pfx_password"}})


def load(
    path: Path | None,
    env: Mapping[str, str],
    flags: Mapping[str, object],
    prompt_secret: Callable[[str], str] | None = None,
    path_flag: str = "--config",
) -> Config:
    """Merge flags > env > file > defaults, validate all of it, check the PFX if one is used.

    `path_flag`: how the user gave `path` (--config or GEOBOT_CONFIG), for the messages about it.
    """
    _refuse_misspelt_variables(env)
    data = _read_file(path, path_flag)
    sources: dict[str, str] = {}
    target = flags.get("target") or env.get("GEOBOT_TARGET") or data.get("target") or "local"
    for var, key in ENV_VARS.items():
        foreign = not var.startswith("GEOBOT_") and target != key.split(".")[0]  # another tool's, for another target
        if env.get(var) and not foreign:
            _put(data, key, _parse_env(var, key, env[var]))
            sources[key] = var
    for key, value in flags.items():
        if value is None:
            continue
        if key not in FLAG_KEYS:
            raise ConfigError(key, None, "cannot be given as a flag",
                              "set GEOBOT_PFX_PASSWORD or answer the prompt" if key == SECRET_KEY else SEE_INIT)
        _put(data, key, _parse_flag(key, value))
        sources[key] = FLAG_NAMES.get(key, "the command line")
    if data.get("target") == "aws":
        for key, value in AWS_DEFAULTS.items():
            data.setdefault(key, value)
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        raise _attributed(_from_pydantic(e, sources), sources) from None
    except ConfigError as e:
        raise _attributed(e, sources) from None
    if config.certificate.source == "pfx":
        config = _with_checked_pfx(config, prompt_secret)
    return _completed(config)


def init_toml(name: str) -> str:
    """The commented geobot.toml `geobot init` writes: every key, its default, its allowed values."""
    template = resources.files("geobot").joinpath("config_template.toml").read_text()
    return template.replace("{name}", name)


def generate_name() -> str:
    """A fresh bot name: names must be globally unique, so a random tail avoids collisions."""
    alphabet = string.ascii_lowercase + string.digits
    return "geobot" + "".join(secrets.choice(alphabet) for _ in range(5))


# ---- reading and merging -------------------------------------------------------------------


def _read_file(path: Path | None, path_flag: str) -> dict[str, Any]:
    if path is None:
        if not DEFAULT_FILE.exists():
            return {}
        path, field = DEFAULT_FILE, str(DEFAULT_FILE)
    else:
        field = path_flag
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(field, str(path), "file not found", "fix the path, or create it with `geobot init`") from None
    except IsADirectoryError:
        fix = f"point {path_flag} at the config file" if field == path_flag else f"rename or remove it, or point {path_flag} at the config file"
        raise ConfigError(field, None if field == str(path) else str(path), "is a directory, not a config file", fix) from None
    except OSError as e:
        raise ConfigError(field, None if field == str(path) else str(path), f"cannot be read: {wording.os_reason(e)}",
                          "check the path and its permissions") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "is not UTF-8 text", "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        where = re.search(r" \(at line (\d+), column \d+\)$", str(e))
        field = f"{path} line {where[1]}" if where else str(path)
        rule = str(e)[: where.start()] if where else str(e)
        raise ConfigError(field, None, rule, "fix the TOML syntax there (strings need quotes, lists use [ ])") from None
    certificate = data.get("certificate")
    if isinstance(certificate, dict):
        if "pfx_password" in certificate:
            raise ConfigError(SECRET_KEY, None, f"must not be stored in {path}",
                              "remove it from the file; set GEOBOT_PFX_PASSWORD or answer the prompt")
    for table, key in (("certificate", "pfx_path"), ("bot", "model")):  # relative to the file, not the cwd
        section = data.get(table)
        given = section.get(key) if isinstance(section, dict) else None
        if isinstance(given, str) and given.strip() and not Path(given).is_absolute():
            section[key] = str(path.parent / given)
    bot = data.get("bot")
    if isinstance(bot, dict) and isinstance(bot.get("app"), str) and bot["app"].strip() \
            and not appspec.MODULE_FORM.fullmatch(bot["app"].strip()):
        bot["app"] = str(path.parent / bot["app"].strip())  # a directory, relative to the file
    return data


def _refuse_misspelt_variables(env: Mapping[str, str]) -> None:
    """A GEOBOT_* variable one typo away from one geobot reads would be silently ignored: refuse it."""
    known = [*ENV_VARS, *PROCESS_VARS]
    for var in env:
        if var.startswith("GEOBOT_") and var not in known:
            guess = wording.closest(var, known, cutoff=0.9)
            if guess:
                raise ConfigError(var, None, "is not a variable geobot reads", f"did you mean {guess}?")


def _put(data: dict[str, Any], key: str, value: object) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[leaf] = value


def _parse_env(var: str, key: str, raw: str) -> object:
    if key in BOOL_KEYS:
        if raw.strip().lower() not in BOOLS:
            raise ConfigError(var, raw, "must be true or false", f"set {var}=1 or {var}=0")
        return BOOLS[raw.strip().lower()]
    if key in PORT_KEYS and raw.strip().lower() == "auto":
        return 0
    if key in INT_KEYS:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(var, raw, "must be a whole number", f"set {var} to digits only, e.g. {var}=10") from None
    return _parse_text(var, key, raw)


def _parse_flag(key: str, value: object) -> object:
    if isinstance(value, str):
        return _parse_text(key, key, value)
    if key == "regions" and isinstance(value, Sequence):
        return tuple(value)
    return value


def _parse_text(origin: str, key: str, raw: str) -> object:
    if key == "regions":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if key == "weights":
        weights: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            region, _, weight = item.partition("=")
            if not weight.strip().isdigit():
                raise ConfigError(origin, raw, f"{item!r} is not region=weight",
                                  "write e.g. koreacentral=3,southeastasia=1")
            weights[region.strip()] = int(weight)
        return weights
    return raw


def _from_pydantic(error: ValidationError, sources: Mapping[str, str]) -> ConfigError:
    """pydantic's first complaint as a ConfigError: the key, what it must be, and a fix from the template."""
    first = error.errors()[0]
    path = [str(part) for part in first["loc"] if not isinstance(part, int)]
    field = ".".join(path)
    value = None if field == SECRET_KEY or first["type"] == "extra_forbidden" else first.get("input")
    if first["type"] == "extra_forbidden":
        known = [".".join([*path[:-1], key]) for key in wording.keys_at(Config, path[:-1]) if key != "pfx_password"]
        guess = wording.closest(field, known)
        fix = f"did you mean `{guess}`?" if guess else f"remove it or check its spelling; {SEE_INIT}"
        return ConfigError(field, None, wording.rule(first), fix)
    allowed = wording.choices_at(Config, path)
    rule = wording.rule(first, [f'"{choice}"' for choice in allowed])
    if len(path) < len([part for part in first["loc"] if part != "[key]"]):
        rule = f"every item {rule}"  # one item of a list is wrong
    guess = wording.closest(str(first.get("input")), allowed) if allowed else None
    if guess:
        fix = f'did you mean "{guess}"?'
    elif first["type"] in ("model_type", "model_attributes_type"):
        fix = f"write it as a [{field}] section; {SEE_INIT}"
    else:
        example = _example(path, sources.get(field))
        fix = f"write e.g. {example}" if example else SEE_INIT
    return ConfigError(field, value, rule, fix)


def _example(path: Sequence[str], source: str | None) -> str | None:
    """A valid setting of the key as its source writes it: geobot.toml (from the template) or an env var."""
    template = tomllib.loads(re.sub(r"(?m)^# (\w+ = )", r"\1", init_toml("mybot42")))  # commented-out keys too
    section = len(path) > 1 and wording.model_at(Config, path[:1]) is not None  # [probe], [certificate] ...
    value = template.get(path[0], {}).get(path[1]) if section else template.get(path[0]) if path else None
    if value is None:
        return None
    if source in ENV_VARS:
        return f"{source}={_env_text(value)}"
    return f"{path[1]} = {_toml(value)} under [{path[0]}]" if section else f"{path[0]} = {_toml(value)}"


def _env_text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items())
    return str(value).lower() if isinstance(value, bool) else str(value)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    return str(value)


def _attributed(error: ConfigError, sources: Mapping[str, str]) -> ConfigError:
    """Say where a bad value came from when it was not the file: an env var or the command line."""
    source = sources.get(error.field) or sources.get(error.field.split(".")[0])
    return ConfigError(error.field, error.value, f"{error.rule} (set by {source})", error.hint) if source else error


def _with_checked_pfx(config: Config, prompt_secret: Callable[[str], str] | None) -> Config:
    from geobot.certs.pfx import PfxError, PfxPasswordError, check_format, verify_pfx  # cryptography is slow to import

    cert = config.certificate
    assert cert.pfx_path is not None  # the model requires it for source "pfx"
    try:
        data = cert.pfx_path.read_bytes()
        check_format(data)  # before a password is asked for, or blamed
        password = cert.pfx_password
        if password is None:
            if prompt_secret is None:
                raise ConfigError(SECRET_KEY, None, "is needed to open the PFX",
                                  "set GEOBOT_PFX_PASSWORD, or run in a terminal to be asked for it")
            password = SecretStr(prompt_secret(f"Password for {cert.pfx_path}"))
        verify_pfx(data, password.get_secret_value(), config.host_name)
    except OSError as e:
        raise ConfigError("certificate.pfx_path", str(cert.pfx_path), f"cannot be read ({e.strerror})",
                          "point certificate.pfx_path (or GEOBOT_PFX_PATH) at a readable .pfx file") from None
    except PfxPasswordError as e:
        raise ConfigError(SECRET_KEY, None, e.message, e.hint) from None
    except PfxError as e:
        raise ConfigError("certificate.pfx_path", str(cert.pfx_path), e.message, e.hint) from None
    return config.model_copy(update={"certificate": cert.model_copy(update={"pfx_password": password})})


def _completed(config: Config) -> Config:
    """Fill what the rules imply: regions left out of weighted routing weigh 1."""
    if config.routing != "weighted":
        return config
    return config.model_copy(update={"weights": {region: config.weights.get(region, 1) for region in config.regions}})


# ---- rules ---------------------------------------------------------------------------------


def _check_derived_names(config: Config) -> None:
    derived = [config.resource_names(), *(config.region_resource_names(r) for r in config.regions)]
    broken = [violation for names in derived for violation in naming.violations(config.target, names)]
    if broken:
        value, rule = broken[0]
        raise ConfigError("name", config.name, f"gives the {rule.what} name {value!r}, which must be {rule.limit}",
                          "choose a shorter bot name")


def _check_regions(config: Config) -> None:
    target = config.target
    if config.global_region not in regions.global_regions(target):
        raise ConfigError("global_region", config.global_region, f"is not a known {_cloud(target)} region",
                          _suggest(regions.global_regions(target), target, config.global_region))
    if not config.regions:
        raise ConfigError("regions", [], "needs at least one bot region (two or more for failover)",
                          'list regions, e.g. regions = ["koreacentral", "southeastasia"]')
    known = regions.bot_regions(target)
    for region in config.regions:
        if region not in known:
            what = "region where Amazon Lex V2 runs" if target == "aws" else f"known {_cloud(target)} region"
            raise ConfigError("regions", region, f"is not a {what}", _suggest(known, target, region))
    duplicates = sorted({r for r in config.regions if config.regions.count(r) > 1})
    if duplicates:
        raise ConfigError("regions", duplicates[0], "is listed twice", "list each bot region once")


def _check_routing(config: Config) -> None:
    if config.target == "aws" and config.routing != "priority":
        raise ConfigError("routing", config.routing, "the aws target routes by priority only (primary, then failover)",
                          'set routing = "priority" or leave it unset')
    if config.weights and config.routing != "weighted":
        raise ConfigError("weights", config.weights, f"only apply to weighted routing, not {config.routing}",
                          'set routing = "weighted" or remove weights')
    for region, weight in config.weights.items():
        if region not in config.regions:
            guess = wording.closest(region, config.regions)
            raise ConfigError(f"weights.{region}", weight, "names a region that is not in regions",
                              f"did you mean {guess}?" if guess else "weigh only the bot regions listed in regions")
        if not 1 <= weight <= 1000:
            raise ConfigError(f"weights.{region}", weight, "must be 1-1000", "pick a weight from 1 to 1000")


def _check_probe(target: str, probe: ProbeSettings) -> None:
    if probe.path not in HEALTH_PATHS:
        guess = wording.closest(probe.path, HEALTH_PATHS)
        raise ConfigError("probe.path", probe.path, "must be a health endpoint the bots serve: "
                          '"/api/health" (every component) or "/api/health/live" (the process only)',
                          f'did you mean "{guess}"?' if guess else 'write path = "/api/health" under [probe]')
    if target == "azure":
        if probe.interval not in (10, 30):
            raise ConfigError("probe.interval", probe.interval, "Traffic Manager probes every 10 or 30 seconds",
                              "set probe.interval to 10 (fast) or 30")
        highest = 9 if probe.interval == 10 else 10
        _within("probe.timeout", probe.timeout, 5, highest, f" with probe.interval {probe.interval} on azure")
    else:
        _within("probe.interval", probe.interval, 1, 3600, "")
        _within("probe.timeout", probe.timeout, 1, probe.interval, " (at most probe.interval)")
    _within("probe.tolerated_failures", probe.tolerated_failures, 0, 9, "")
    _within("probe.dns_ttl", probe.dns_ttl, 0, 2_147_483_647, "")


def _within(field: str, value: int, low: int, high: int, context: str) -> None:
    if not low <= value <= high:
        raise ConfigError(field, value, f"must be {low}-{high}{context}", f"set {field} between {low} and {high}")


def _check_certificate(config: Config) -> None:
    cert = config.certificate
    if cert.email is not None and not naming.is_email(cert.email):
        raise ConfigError("certificate.email", cert.email, "is not an email address", 'write e.g. "you@example.com"')
    if cert.source == "letsencrypt" and cert.email is None:
        raise ConfigError("certificate.email", None, "is required for letsencrypt (expiry notices go there)",
                          "set certificate.email or GEOBOT_CERT_EMAIL")
    if not _is_acme_url(cert.acme_directory):
        raise ConfigError("certificate.acme_directory", cert.acme_directory,
                          "must be an https URL with a valid host name (http only for localhost)",
                          f"e.g. {LETSENCRYPT_PRODUCTION}")
    if cert.source == "pfx" and cert.pfx_path is None:
        raise ConfigError("certificate.pfx_path", None, "is required when certificate.source is pfx",
                          "set certificate.pfx_path or GEOBOT_PFX_PATH to the .pfx file")


def _check_local(config: Config) -> None:
    local = config.local
    _within("certificate.renew_days", config.certificate.renew_days, 1, 365, "")
    _within("local.hold_down", local.hold_down, 0, 3600, "")
    ports = {field: port for field, port in (("local.https_port", local.https_port),
                                             ("local.http_port", local.http_port)) if port}  # 0: auto
    last_bot = local.bot_port + len(config.regions) - 1
    for field, port in {**ports, "local.bot_port": local.bot_port}.items():
        if port:
            _within(field, port, 1024, 65535 - len(config.regions) if field == "local.bot_port" else 65535,
                    ' (an unprivileged port, or "auto")')
    for field, port in ports.items():
        if local.bot_port and local.bot_port <= port <= last_bot:
            raise ConfigError(field, port, f"clashes with the bot ports {local.bot_port}-{last_bot}",
                              "choose another port, or move local.bot_port")
    if local.https_port and local.https_port == local.http_port:
        raise ConfigError("local.http_port", local.http_port, "is the same as local.https_port", "choose two ports")


_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_APP_SERVICE_SKU = re.compile(r"B[1-3]|S[1-3]|P[0-5]m?v[234]|I[1-6]m?v2")


def _check_azure(azure: AzureSettings) -> None:
    if azure.subscription_id is not None and not _GUID.fullmatch(azure.subscription_id):
        raise ConfigError("azure.subscription_id", azure.subscription_id, "is not a subscription id (a GUID)",
                          "copy it from `az account show --query id -o tsv`")
    if not _APP_SERVICE_SKU.fullmatch(azure.app_service_sku):
        raise ConfigError("azure.app_service_sku", azure.app_service_sku,
                          "must be a dedicated Linux SKU: B1-B3, S1-S3, P0v3-P5mv4 or I1v2-I6mv2",
                          'use "P0v3" (the cheapest that Traffic Manager accepts) or "B1" with edge = "frontdoor"')
    if azure.edge == "trafficmanager" and azure.app_service_sku.startswith("B"):
        raise ConfigError("azure.app_service_sku", azure.app_service_sku,
                          "is Basic, and Traffic Manager accepts only Standard or above as Azure endpoints",
                          'use "P0v3" or "S1", or set azure.edge = "frontdoor"')
    _within("azure.online_timeout", azure.online_timeout, 60, 7200, " seconds")
    _within("azure.role_wait", azure.role_wait, 0, 3600, " seconds")
    principal = azure.app_service_principal_object_id
    if principal is not None and not _GUID.fullmatch(principal):
        raise ConfigError("azure.app_service_principal_object_id", principal, "is not an object id (a GUID)",
                          "copy it from `az ad sp show --id abfa0a7c-a6b6-4736-8310-5855508787cd --query id -o tsv`")


_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}")


def _check_aws(config: Config) -> None:
    aws = config.aws
    if config.target == "aws":
        if len(config.regions) < 2:
            raise ConfigError("regions", list(config.regions), "the aws target needs two or more regions: a primary and "
                              "where its callers go when it fails", 'list two, e.g. regions = ["us-east-1", "us-west-2"]')
        if config.domain is not None:
            raise ConfigError("domain", config.domain, "the aws target serves no host name: callers reach Lex through "
                              "Amazon Connect", "remove domain (a custom domain is for the local and azure targets)")
        if config.global_region != config.regions[0]:
            raise ConfigError("global_region", config.global_region, f"on aws must be the primary, the first of regions "
                              f"({config.regions[0]}): the region map, the region check and Amazon Connect live there",
                              f'set global_region = "{config.regions[0]}", or list {config.global_region} first in regions')
    if aws.connect_instance_id is not None and not _UUID.fullmatch(aws.connect_instance_id):
        raise ConfigError("aws.connect_instance_id", aws.connect_instance_id, "is not an instance id (a lowercase UUID)",
                          "copy the last part of the instance ARN (`aws connect list-instances --query InstanceSummaryList[].Id`)")
    if not aws.test_utterance.strip():
        raise ConfigError("aws.test_utterance", aws.test_utterance, "must not be empty: every probe sends it to the bot",
                          'use an utterance of the expected intent, e.g. "book a table"')
    if len(aws.test_utterance) > LEX_TEXT_MAX:
        raise ConfigError("aws.test_utterance", aws.test_utterance, f"is longer than the {LEX_TEXT_MAX} characters Lex "
                          "accepts", 'use a short utterance of the expected intent, e.g. "book a table"')
    if not aws.expected_intent.strip():  # any other name is checked against the model's intents (aws preflight)
        raise ConfigError("aws.expected_intent", aws.expected_intent, "must not be empty: every probe checks it",
                          'name an intent of bot.model, e.g. "BookTable"')
    if not 0 <= aws.min_confidence <= 1:
        raise ConfigError("aws.min_confidence", aws.min_confidence, "must be 0-1 (Lex's NLU confidence score)",
                          "set aws.min_confidence to e.g. 0.8")
    _within("aws.probes", aws.probes, 1, 10, " per region and run")
    worst = aws.probes * len(config.regions) * 5 + 5
    if config.target == "aws" and worst > 55:
        raise ConfigError("aws.probes", aws.probes, f"× {len(config.regions)} regions × 5 s (a timed-out probe) + 5 s "
                          f"= {worst} s does not fit in the health check's 55 s", "lower aws.probes")
    _within("aws.failover_after", aws.failover_after, 1, 100, " runs (one a minute)")
    _within("aws.failback_after", aws.failback_after, 1, 1000, " runs (one a minute)")
    _within("aws.online_timeout", aws.online_timeout, 60, 7200, " seconds")


def _is_acme_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 literal
        return False
    if not host or not (naming.is_host_name(host) or _is_ip(host)):
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cloud(target: str) -> str:
    return "AWS" if target == "aws" else "Azure"


def _suggest(known: frozenset[str], target: str, given: str) -> str:
    guess = wording.closest(given, known, cutoff=0.8)  # a region of the other cloud is no near miss
    if guess:
        return f'did you mean "{guess}"?'
    if len(known) <= 12:
        return "use one of " + ", ".join(sorted(known))
    if target == "aws":
        return "use an AWS region name such as us-east-1, eu-west-1, ap-northeast-1"
    return "use an Azure region name such as japaneast, koreacentral, westeurope (`az account list-locations`)"
