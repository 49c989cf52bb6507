"""What an apply of terraform/azure would give, derived from the configuration and its variables.

Terraform cannot download azurerm here, so the rehearsal computes the two things the later
stages depend on: the outputs (`outputs()`, mirroring terraform/azure/outputs.tf) and the role
assignments (`assignments()`, read from the `azurerm_role_assignment` blocks of the real .tf
files with their scope and principal expressions resolved). Both fail loudly when the
configuration and the derivation part ways: an output key the stages read that outputs.tf no
longer declares, a role assignment whose expressions this module cannot resolve.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.azure_rehearsal.rbac import Assignment, table
from tests.unit.terraform.hcl import REPO, Configuration, load

ROOT = REPO / "terraform" / "azure"
SUBSCRIPTION = "7d1f5c8e-0b1a-4c55-9a0e-3f2b6c1d9e00"
TENANT = "5a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
COSMOS_DATABASE = "geobot"  # terraform/azure/modules/global's local.cosmos_database
APP_SERVICE_APP_ID = "abfa0a7c-a6b6-4736-8310-5855508787cd"  # the first-party "Microsoft Azure App Service"


def object_id(kind: str, name: str) -> str:
    """A stable object id for a principal the rehearsal makes up (the same on every apply)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"rehearsal/{kind}/{name}"))


@dataclass(frozen=True)
class Principal:
    object_id: str
    client_id: str
    name: str


DEPLOYER = Principal(object_id("user", "deployer"), object_id("app", "deployer"), "the deployer")
APP_SERVICE = Principal(object_id("sp", "app-service"), APP_SERVICE_APP_ID, "Microsoft Azure App Service")


def app_identity(variables: Mapping[str, Any], region: str) -> Principal:
    name = variables["regions"][region]["names"]["web_app"]
    return Principal(object_id("identity", name), object_id("identity-client", name), f"the web app identity of {region}")


def rg_id(name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{name}"


@dataclass(frozen=True)
class Ids:
    """The resource ids and host names Azure would assign; `instances` are the web apps' creation ids."""

    variables: Mapping[str, Any]
    instances: Mapping[str, str]

    @property
    def names(self) -> Mapping[str, str]:
        return self.variables["names"]

    @property
    def global_group(self) -> str:
        return rg_id(self.names["resource_group"])

    def vault(self, key: str) -> str:
        return f"{self.global_group}/providers/Microsoft.KeyVault/vaults/{self.names[key]}"

    def vault_uri(self, key: str) -> str:
        return f"https://{self.names[key]}.vault.azure.net/"

    @property
    def app_insights(self) -> str:
        return f"{self.global_group}/providers/Microsoft.Insights/components/appi-{self.variables['deployment']}"

    @property
    def instrumentation_key(self) -> str:
        return object_id("instrumentation-key", self.variables["deployment"])

    @property
    def ingestion_host(self) -> str:
        """Application Insights' regional ingestion host, as its connection strings name it."""
        return f"{self.variables['global_region']}-0.in.applicationinsights.azure.com"

    @property
    def connection_string(self) -> str:
        """What terraform/azure stores in the vault for the bots (azurerm_application_insights.connection_string)."""
        return (f"InstrumentationKey={self.instrumentation_key};IngestionEndpoint=https://{self.ingestion_host}/;"
                f"LiveEndpoint=https://{self.variables['global_region']}.livediagnostics.monitor.azure.com/")

    @property
    def front_door_guid(self) -> str:
        return object_id("frontdoor", self.variables["deployment"])

    @property
    def front_door_host(self) -> str:
        digest = hashlib.sha256(self.variables["deployment"].encode()).hexdigest()[:12]
        return f"fde-{self.variables['deployment']}-{digest}.z01.azurefd.net"

    @property
    def cosmos(self) -> str:
        return f"{self.global_group}/providers/Microsoft.DocumentDB/databaseAccounts/{self.names['cosmos_account']}"

    def container(self, name: str = "conversations") -> str:
        """The container the bots keep conversations in, as a Cosmos DB role assignment scopes it."""
        return f"{self.cosmos}/dbs/{COSMOS_DATABASE}/colls/{name}"

    def region_names(self, region: str) -> Mapping[str, str]:
        return self.variables["regions"][region]["names"]

    def rotation(self, region: str) -> str:
        """The id of what takes a region out of rotation: its Traffic Manager endpoint or Front Door origin."""
        endpoint = self.region_names(region)["endpoint"]
        if self.variables["edge"] == "trafficmanager":
            return (f"{self.global_group}/providers/Microsoft.Network/trafficManagerProfiles/{self.names['traffic_manager']}"
                    f"/azureEndpoints/{endpoint}")
        return (f"{self.global_group}/providers/Microsoft.Cdn/profiles/afd-{self.variables['deployment']}"
                f"/originGroups/{ORIGIN_GROUP}/origins/{endpoint}")

    def web_app(self, region: str) -> str:
        names = self.region_names(region)
        return f"{rg_id(names['resource_group'])}/providers/Microsoft.Web/sites/{names['web_app']}"

    def default_hostname(self, region: str) -> str:
        return f"{self.region_names(region)['web_app']}.azurewebsites.net"

    def language(self, region: str) -> str:
        names = self.region_names(region)
        return f"{rg_id(names['resource_group'])}/providers/Microsoft.CognitiveServices/accounts/{names['language_account']}"

    def language_endpoint(self, region: str) -> str:
        return f"https://{self.region_names(region)['language_account']}.cognitiveservices.azure.com/"

    @property
    def host_name(self) -> str:
        if self.variables.get("domain"):
            return self.variables["domain"]
        if self.variables["edge"] == "trafficmanager":
            return f"{self.names['traffic_manager_dns']}.trafficmanager.net"
        return self.front_door_host


ORIGIN_GROUP = "bots"  # terraform/azure/edge.tf
VERIFICATION_ID = hashlib.sha256(f"asuid/{SUBSCRIPTION}".encode()).hexdigest().upper()


def outputs(ids: Ids) -> dict[str, Any]:
    """`terraform output -json`'s values for this apply, checked against outputs.tf's declarations."""
    v, names = ids.variables, ids.names
    tm, fd = v["edge"] == "trafficmanager", v["edge"] == "frontdoor"
    domain = v.get("domain")
    records: list[dict[str, str]] = []
    if domain and tm:
        records = [{"type": "CNAME", "name": domain, "value": f"{names['traffic_manager_dns']}.trafficmanager.net",
                    "purpose": "route the domain through Traffic Manager"},
                   {"type": "TXT", "name": f"asuid.{domain}", "value": VERIFICATION_ID,
                    "purpose": "App Service domain verification (one value per subscription)"}]
    elif domain:
        records = [{"type": "CNAME", "name": domain, "value": ids.front_door_host, "purpose": "route the domain through Front Door"},
                   {"type": "TXT", "name": f"_dnsauth.{domain}", "value": object_id("dnsauth", domain),
                    "purpose": "Front Door domain validation (managed certificate)"}]
    cert_uri = ids.vault_uri("certificate_vault")
    values: dict[str, Any] = {
        "deployment": v["deployment"],
        "edge": v["edge"],
        "host_name": ids.host_name,
        "messaging_endpoint": f"https://{ids.host_name}/api/messages",
        "tls": {"mode": "front-door-managed" if fd else ("app-service-binding" if domain else "unsupported"),
                "reason": "derived by the rehearsal", "certificate_name": v["certificate_name"],
                "certificate_secret_id": f"{cert_uri}secrets/{v['certificate_name']}",
                "hostname_bound": v["bind_hostname"], "certificate_bound": v["bind_certificate"],
                "app_service_app_id": APP_SERVICE_APP_ID},
        "dns_records": records,
        "resource_groups": {"global": names["resource_group"],
                            "regions": {r: ids.region_names(r)["resource_group"] for r in v["regions"]}},
        "key_vault": {"id": ids.vault("key_vault"), "name": names["key_vault"], "uri": ids.vault_uri("key_vault")},
        "certificate_vault": {"id": ids.vault("certificate_vault"), "name": names["certificate_vault"], "uri": cert_uri},
        "cosmos": {"id": ids.cosmos,
                   "account": names["cosmos_account"], "endpoint": f"https://{names['cosmos_account']}.documents.azure.com:443/",
                   "database": COSMOS_DATABASE, "container": "conversations"},
        "traffic_manager": {
            "id": f"{ids.global_group}/providers/Microsoft.Network/trafficManagerProfiles/{names['traffic_manager']}",
            "name": names["traffic_manager"], "fqdn": f"{names['traffic_manager_dns']}.trafficmanager.net",
            "resource_group": names["resource_group"],
            "endpoints": {r: ids.region_names(r)["endpoint"] for r in v["regions"]}} if tm else None,
        "front_door": {"profile_id": f"{ids.global_group}/providers/Microsoft.Cdn/profiles/afd-{v['deployment']}",
                       "endpoint_host_name": ids.front_door_host, "origin_group": ORIGIN_GROUP,
                       "origins": {r: ids.region_names(r)["endpoint"] for r in v["regions"]}} if fd else None,
        "bot": {"name": names["bot"], "id": f"{ids.global_group}/providers/Microsoft.BotService/botServices/{names['bot']}",
                "resource_group": names["resource_group"], "app_id": object_id("bot-app", names["bot"]),
                "app_type": "UserAssignedMSI"},
        "monitoring": {"app_insights_id": ids.app_insights,
                       "log_analytics_workspace_id": f"{ids.global_group}/providers/Microsoft.OperationalInsights/workspaces/log-{v['deployment']}"},
        "regions": {r: {
            "resource_group": ids.region_names(r)["resource_group"],
            "web_app_name": ids.region_names(r)["web_app"],
            "web_app_id": ids.web_app(r),
            "web_app_instance": ids.instances[r],
            "default_hostname": ids.default_hostname(r),
            "identity_client_id": app_identity(v, r).client_id,
            "language_name": ids.region_names(r)["language_account"],
            "language_id": ids.language(r),
            "language_endpoint": ids.language_endpoint(r),
            "language_endpoint_secret": f"geobot-language-endpoint-{r}",
            "endpoint_name": ids.region_names(r)["endpoint"],
            "custom_domain_verification_id": VERIFICATION_ID,
        } for r in v["regions"]},
    }
    check_declared(values)
    return values


@cache
def declared_outputs(text: str | None = None) -> dict[str, set[str]]:
    """Each output of outputs.tf (or of `text`) and the keys its object value declares (empty for a plain value)."""
    text = (ROOT / "outputs.tf").read_text() if text is None else text
    locals_ = "".join(re.findall(r"^locals \{\n(.*?)^\}", text, re.MULTILINE | re.DOTALL))
    declared: dict[str, set[str]] = {}
    for match in re.finditer(r'^output "([^"]+)" \{\n(.*?)^\}', text, re.MULTILINE | re.DOTALL):
        value = re.split(r"^\s+value\s+=", match.group(2), maxsplit=1, flags=re.MULTILINE)[1]
        if re.fullmatch(r"\s*local\.\w+\s*", value):  # built in outputs.tf's locals
            value = locals_
        declared[match.group(1)] = set(re.findall(r"^\s+([a-z_]+)\s+=", value, re.MULTILINE))
    return declared


def _attributes(name: str, value: Any) -> set[str]:
    """The attribute names a stage may read from output `name` (region names are data, not attributes)."""
    if name == "regions":
        return set(next(iter(value.values()), {}))
    if isinstance(value, list):
        return set(value[0]) if value else set()
    return set(value) if isinstance(value, dict) else set()


def check_declared(values: Mapping[str, Any], declared: Mapping[str, set[str]] | None = None) -> None:
    """Every derived output and attribute must be one terraform/azure declares, so a real apply would give it."""
    declared = declared_outputs() if declared is None else declared
    missing = sorted(set(values) - set(declared))
    if missing:
        raise AssertionError(f"terraform/azure/outputs.tf declares no output {', '.join(missing)}: the stages read it")
    for name, value in values.items():
        lost = sorted(_attributes(name, value) - declared[name])
        if lost:
            raise AssertionError(f"terraform/azure/outputs.tf: output {name} no longer has {', '.join(lost)}, "
                                 "which the stages read")


# ---- role assignments -------------------------------------------------------------------

@cache
def configurations() -> dict[str, Configuration]:
    return {"": load(ROOT), "global": load(ROOT / "modules" / "global"), "region": load(ROOT / "modules" / "region")}


def _gated(config: Configuration) -> set[str]:
    """Role assignments a time_sleep waits for: the apply ends only after they have propagated."""
    gated = set()
    for sleep in config.resources("time_sleep"):
        for reference in (sleep.body.get("triggers") or {}).values():
            found = re.search(r"azurerm_role_assignment\.(\w+)", str(reference))
            if found:
                gated.add(found.group(1))
    return gated


def _resolve(expression: str, references: Mapping[str, str], where: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) not in references:
            raise AssertionError(f"{where}: the rehearsal cannot resolve ${{{match.group(1)}}}: teach infrastructure.py")
        return references[match.group(1)]

    return re.sub(r"\$\{([^}]+)\}", one, expression)


def _count(expression: Any, variables: Mapping[str, Any], where: str) -> int:
    if expression is None:
        return 1
    found = re.fullmatch(r"\$\{var\.(\w+) \? 1 : 0\}", str(expression))
    if found is None:
        raise AssertionError(f"{where}: count {expression!r} is not one the rehearsal evaluates")
    return 1 if variables[found.group(1)] else 0


@dataclass(frozen=True)
class Declared:
    assignment: Assignment
    gated: bool  # a time_sleep of the configuration waits for it


def assignments(ids: Ids, without: frozenset[str] = frozenset()) -> list[Declared]:
    """Every role assignment terraform/azure declares for these variables; `without`: addresses left out."""
    v = ids.variables
    contexts: list[tuple[str, str, dict[str, str]]] = [
        ("", "", {"module.global.certificate_vault_id": ids.vault("certificate_vault"),
                  "var.certificate_name": v["certificate_name"], "local.app_service_principal_id": APP_SERVICE.object_id}),
        ("global", "module.global.", {"azurerm_key_vault.this.id": ids.vault("key_vault"),
                                      "azurerm_key_vault.certificates.id": ids.vault("certificate_vault"),
                                      "var.deployer_id": DEPLOYER.object_id}),
    ]
    for region in v["regions"]:
        contexts.append(("region", f'module.region["{region}"].', {
            "var.key_vault_id": ids.vault("key_vault"), "var.app_insights_id": ids.app_insights,
            "azurerm_cognitive_account.language.id": ids.language(region),
            "azurerm_user_assigned_identity.app.principal_id": app_identity(v, region).object_id,
            "var.deployer_id": DEPLOYER.object_id, "var.cosmos_account_id": ids.cosmos,
            "var.cosmos_database_name": COSMOS_DATABASE}))
    declared = []
    for module, prefix, references in contexts:
        config = configurations()[module]
        gated = _gated(config)
        for kind in ("azurerm_role_assignment", "azurerm_cosmosdb_sql_role_assignment"):
            for block in config.resources(kind):
                address = f"{prefix}{kind}.{block.name}"
                if address in without or _count(block.body.get("count"), v, address) == 0:
                    continue
                declared.append(Declared(Assignment(_resolve(block.body["scope"], references, address),
                                                    _role(block.body, config, address),
                                                    _resolve(block.body["principal_id"], references, address), address),
                                         block.name in gated))
    return declared


def _role(body: Mapping[str, Any], config: Configuration, where: str) -> str:
    """The role's name: given as such, or (Cosmos DB's own roles) the built-in definition its id ends with."""
    if "role_definition_name" in body:
        return body["role_definition_name"]
    definition = _resolve(body["role_definition_id"], {f"local.{k}": str(v) for k, v in config.locals.items()}, where)
    name = next((name for name, role in table()["roles"].items() if definition.endswith(f"/{role['id']}")), None)
    if name is None:
        raise AssertionError(f"{where}: role definition {definition} is not in roles.json: add its published definition")
    return name


def addresses(variables: Mapping[str, Any]) -> list[str]:
    """The address of every role assignment a fully bound deployment has (for removing one at a time)."""
    ids = Ids(variables | {"bind_hostname": True, "bind_certificate": True}, {r: "" for r in variables["regions"]})
    return [d.assignment.source for d in assignments(ids)]
