"""terraform/azure: the azurerm 5.x configuration, checked as far as no Azure and no provider
download allow. The schema checker and `terraform fmt` run on the real files; python-hcl2
parses them so the security properties of issue 6 are asserted on what would be applied;
variables.tf + contract.tf (provider-free) are planned with the real Terraform; checkov runs
when it is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from geobot import config as configuration
from geobot.bot import REGION_HEALTH_PATH
from geobot.config import ProbeSettings
from geobot.targets.azure.variables import render_variables
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

AZURE = REPO / "terraform" / "azure"
DEFAULT_REGIONS = ("koreacentral", "southeastasia")


# ---- a small model of the parsed configuration ----------------------------------------------


def all_configurations() -> dict[str, Configuration]:
    """Every directory of terraform/azure holding .tf files: root, modules/*, bootstrap."""
    found = {}
    for directory in sorted({p.parent for p in AZURE.rglob("*.tf")}):
        found[directory.relative_to(AZURE).as_posix()] = load(directory)
    return found


@pytest.fixture(scope="module")
def configs() -> dict[str, Configuration]:
    assert (AZURE / "main.tf").exists(), "terraform/azure/main.tf is missing"
    return all_configurations()


@pytest.fixture(scope="module")
def every_resource(configs: dict[str, Configuration]) -> list[Block]:
    return [r for c in configs.values() for r in c.resources()]


def refs(expression: Any) -> str:
    """An attribute's expression as text, for reference checks."""
    return json.dumps(expression) if not isinstance(expression, str) else expression


# ---- tools over the real files --------------------------------------------------------------


@pytest.mark.skipif(not SCHEMA_CHECK.exists(), reason=f"the tfschema checker is not at {SCHEMA_CHECK}")
def test_schema_checker_reports_no_finding() -> None:
    done = subprocess.run([sys.executable, str(SCHEMA_CHECK), "-r", str(AZURE)], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 findings" in done.stderr, done.stderr
    assert done.stdout.strip() == "", done.stdout


@pytest.mark.skipif(terraform_binary() is None, reason="no terraform or tofu binary")
def test_terraform_fmt_check_passes(tmp_path: Path) -> None:
    done = subprocess.run([terraform_binary(), "fmt", "-check", "-recursive", "-list=true", str(AZURE)],
                          check=False, capture_output=True, text=True, env=tf_env(tmp_path), timeout=60)
    assert done.returncode == 0, f"not formatted (run terraform fmt -recursive terraform/azure): {done.stdout}{done.stderr}"


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = re.findall(r"#\s*checkov:skip=([A-Z0-9_]+)(:?)(.*)", "\n".join(p.read_text() for p in AZURE.rglob("*.tf")))
    assert skips, "expected the documented checkov skips"
    for check, colon, reason in skips:
        assert colon == ":" and len(reason.strip()) >= 20, f"checkov skip {check} needs a written reason"


def _checkov() -> list[str] | None:
    binary = shutil.which("checkov")
    if binary:
        return [binary]
    try:
        import checkov  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "checkov.main"]


@pytest.mark.skipif(_checkov() is None, reason="checkov is not installed (pip install checkov)")
@pytest.mark.parametrize("edge", ["trafficmanager", "frontdoor"])
def test_checkov_finds_no_failed_check(tmp_path: Path, edge: str) -> None:
    var_file = tmp_path / "edge.tfvars"
    var_file.write_text(f'edge = "{edge}"\ndomain = "bot.example.com"\n')
    summary, failed = checkov(_checkov(), AZURE, var_file, dict(os.environ))
    assert summary["failed"] == 0 and not failed, failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 20, "checkov saw too few resources: did it parse the modules?"


# ---- structure: modules, providers, no deprecated resources -----------------------------------


def test_root_uses_a_global_module_and_a_region_module_per_region(configs: dict[str, Configuration]) -> None:
    root = configs["."]
    modules = {m.name: m for m in root.of("module")}
    assert modules["global"].body["source"] == "./modules/global"
    region = modules["region"]
    assert region.body["source"] == "./modules/region"
    assert region.body["for_each"] == "${var.regions}"
    assert {"modules/global", "modules/region", "bootstrap"} <= set(configs)


def test_providers_are_pinned_to_azurerm_5(configs: dict[str, Configuration]) -> None:
    for path, config in configs.items():
        providers = {}
        for block in config.terraform:
            for entry in block.get("required_providers", []):
                providers.update(entry)
        assert providers.get("azurerm", {}).get("version") == "~> 5.10", f"{path}: pin azurerm ~> 5.10"
        assert providers["azurerm"]["source"] == "hashicorp/azurerm"
        if "azuread" in providers:
            assert path == "." and providers["azuread"]["version"] == "~> 3.10", f"{path}: azuread ~> 3.10, root only"


def test_azuread_only_reads_the_app_service_principal(every_resource: list[Block], configs: dict[str, Configuration]) -> None:
    assert not [r.where for r in every_resource if r.type.startswith("azuread_")], "geobot creates no Entra object"
    (principal,) = [d for d in configs["."].of("data") if d.type.startswith("azuread_")]
    assert principal.type == "azuread_service_principal"
    assert principal.body["client_id"] == "abfa0a7c-a6b6-4736-8310-5855508787cd"


def test_root_has_no_backend_block_so_local_state_works(configs: dict[str, Configuration]) -> None:
    for block in configs["."].terraform:
        assert "backend" not in block and "cloud" not in block, "geobot adds the azurerm backend with backend_override.tf"
    assert "backend_override.tf" in (AZURE / "versions.tf").read_text()


DEPRECATED = {
    "azurerm_bot_channels_registration": "deprecated by Azure: use azurerm_bot_service_azure_bot",
    "azurerm_bot_web_app": "deprecated by Azure: use azurerm_bot_service_azure_bot",
    "azurerm_app_service": "removed in azurerm 5: azurerm_linux_web_app",
    "azurerm_app_service_plan": "removed in azurerm 5: azurerm_service_plan",
    "azurerm_function_app": "removed in azurerm 5",
    "azurerm_frontdoor": "Front Door classic retires 2027-03-31: azurerm_cdn_frontdoor_*",
    "azurerm_frontdoor_firewall_policy": "Front Door classic",
    "azurerm_frontdoor_custom_https_configuration": "Front Door classic",
    "azurerm_traffic_manager_endpoint": "removed in azurerm 3: azurerm_traffic_manager_azure_endpoint",
    "azurerm_key_vault_access_policy": "the vault uses RBAC, not access policies",
    "azurerm_ai_services": "removed in azurerm 5",
}


def test_no_deprecated_or_retired_resource(every_resource: list[Block]) -> None:
    for resource in every_resource:
        assert resource.type not in DEPRECATED, f"{resource.where}: {DEPRECATED[resource.type]}"
        assert not resource.type.startswith("azuread_"), f"{resource.where}: no Entra app registration or secret"
    for account in [r for r in every_resource if r.type == "azurerm_cognitive_account"]:
        assert account.body["kind"] == "TextAnalytics", f"{account.where}: LUIS is retired; CLU runs on kind TextAnalytics"
        assert account.body.get("custom_subdomain_name"), f"{account.where}: Entra ID auth needs a custom subdomain"


def test_bot_is_an_azure_bot_with_a_single_tenant_or_managed_identity(configs: dict[str, Configuration]) -> None:
    (bot,) = configs["modules/global"].resources("azurerm_bot_service_azure_bot")
    assert bot.body["microsoft_app_type"] == "${var.bot_app_type}"
    assert bot.body["location"] == "global"
    assert "endpoint" not in bot.body and bot.block("lifecycle")["ignore_changes"] == ["endpoint"], (
        "the messaging endpoint has one owner, geobot's endpoint stage")
    (variable,) = [v for v in configs["."].of("variable") if v.name == "bot_app_type"]
    assert variable.body["default"] == "UserAssignedMSI"
    assert "MultiTenant" not in variable.body["validation"][0]["condition"]
    assert configs["modules/global"].resources("azurerm_bot_channel_web_chat")
    (directline,) = configs["modules/global"].resources("azurerm_bot_channel_directline")
    assert directline.block("site")["v1_allowed"] is False


# ---- the one owner of the Traffic Manager profile and its endpoints ---------------------------


def test_one_traffic_manager_profile_and_one_endpoint_declaration(every_resource: list[Block]) -> None:
    profiles = [r for r in every_resource if r.type == "azurerm_traffic_manager_profile"]
    endpoints = [r for r in every_resource if r.type.startswith("azurerm_traffic_manager_") and r.type.endswith("endpoint")]
    assert len(profiles) == 1, [p.where for p in profiles]
    assert profiles[0].file.parent == AZURE / "modules" / "global"
    assert [e.type for e in endpoints] == ["azurerm_traffic_manager_azure_endpoint"], [e.where for e in endpoints]
    (endpoint,) = endpoints
    assert endpoint.file.parent == AZURE, "endpoints are declared by the root configuration, beside the profile's module"
    assert endpoint.body["for_each"] == "${local.traffic_manager ? var.regions : {}}"
    assert endpoint.body["profile_id"] == "${module.global.traffic_manager_id}"
    assert endpoint.body["target_resource_id"] == "${module.region[each.key].web_app_id}"
    assert "azurerm_traffic_manager_profile.this" in refs(_output(AZURE / "modules" / "global", "traffic_manager_id"))


def test_no_configuration_reads_or_redeclares_the_profile(configs: dict[str, Configuration]) -> None:
    for config in configs.values():
        assert not config.of("data", "azurerm_traffic_manager_profile"), "the profile is owned here, never looked up"
    bootstrap_types = {r.type for r in configs["bootstrap"].resources()}
    assert not any("traffic_manager" in t for t in bootstrap_types)


def _output(directory: Path, name: str) -> Any:
    for block in load(directory).of("output"):
        if block.name == name:
            return block.body["value"]
    raise AssertionError(f"{directory}: no output {name}")


def test_traffic_manager_probes_https_443_with_the_configured_settings(configs: dict[str, Configuration]) -> None:
    (profile,) = configs["modules/global"].resources("azurerm_traffic_manager_profile")
    monitor = profile.block("monitor_config")
    assert monitor["protocol"] == "HTTPS"
    assert monitor["port"] == 443
    assert monitor["path"] == "${var.probe.path}"
    assert monitor["interval_in_seconds"] == "${var.probe.interval}"
    assert monitor["timeout_in_seconds"] == "${var.probe.timeout}"
    assert monitor["tolerated_number_of_failures"] == "${var.probe.tolerated_failures}"
    assert monitor["expected_status_code_ranges"] == "${var.probe.expected_status_code_ranges}"
    assert profile.block("dns_config")["ttl"] == "${var.probe.dns_ttl}"
    assert profile.body["traffic_routing_method"] == "${local.routing[var.routing_method]}"
    routing = configs["modules/global"].locals["routing"]
    assert routing == {"performance": "Performance", "priority": "Priority", "weighted": "Weighted"}


def test_probe_defaults_are_geobots(configs: dict[str, Configuration]) -> None:
    (probe,) = [v for v in configs["."].of("variable") if v.name == "probe"]
    default = probe.body["default"]
    expected = ProbeSettings().model_dump()
    assert {k: default[k] for k in expected} == expected == {
        "path": "/api/health", "interval": 10, "timeout": 5, "tolerated_failures": 1, "dns_ttl": 10}


# ---- web apps ------------------------------------------------------------------------------------


def test_every_web_app_is_https_only_with_tls_1_2_and_health_checked(every_resource: list[Block]) -> None:
    apps = [r for r in every_resource if r.type.endswith("_web_app") or r.type.endswith("function_app")]
    assert [a.type for a in apps] == ["azurerm_linux_web_app"]
    for app in apps:
        site = app.block("site_config")
        assert app.body["https_only"] is True, app.where
        assert site["minimum_tls_version"] == "1.2", app.where
        assert site["scm_minimum_tls_version"] == "1.2", app.where
        assert site["ftps_state"] == "Disabled", app.where
        assert site["always_on"] is True, app.where
        assert site["health_check_path"] == "${var.health_path}", app.where
        assert site["application_stack"][0]["python_version"] == "${var.python_version}", app.where
        assert app.body["ftp_publish_basic_authentication_enabled"] is False
        assert app.body["webdeploy_publish_basic_authentication_enabled"] is False
        assert app.block("identity")["type"] == "UserAssigned"
        assert app.body["key_vault_reference_identity_id"] == "${azurerm_user_assigned_identity.app.id}"


def test_web_app_settings_are_key_vault_references_and_no_secret(configs: dict[str, Configuration]) -> None:
    (app,) = configs["modules/region"].resources("azurerm_linux_web_app")
    settings = app.body["app_settings"]
    assert settings["GEOBOT_BOT_VAULT_URL"] == "${var.key_vault_uri}"
    assert settings["GEOBOT_BOT_REGION"] == settings["REGION_NAME"] == "${var.region}"
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "@Microsoft.KeyVault(SecretUri=${var.app_insights_secret})"
    for name, value in settings.items():
        assert not re.search(r"key|secret|password|token", name, re.IGNORECASE) or "@Microsoft.KeyVault(" in value, name
        assert "primary_" not in value and "access_key" not in value, name


def test_region_defaults_render_the_python_version_and_a_tm_capable_plan(configs: dict[str, Configuration]) -> None:
    variables = {v.name: v.body for v in configs["."].of("variable")}
    assert variables["python_version"]["default"] == "3.12"
    assert variables["app_service_sku"]["default"] == "P0v3"


# ---- Key Vault and identities ----------------------------------------------------------------------


def test_key_vaults_use_rbac_soft_delete_and_optional_purge_protection(every_resource: list[Block]) -> None:
    vaults = [r for r in every_resource if r.type == "azurerm_key_vault"]
    assert sorted(v.body["name"] for v in vaults) == ["${var.names.certificate_vault}", "${var.names.key_vault}"]
    for vault in vaults:
        assert vault.body["rbac_authorization_enabled"] is True
        assert "access_policy" not in vault.body
        assert vault.body["purge_protection_enabled"] == "${var.purge_protection}"
        assert vault.body["soft_delete_retention_days"] == "${var.soft_delete_retention_days}"


def test_no_bot_can_read_the_certificate_vault(configs: dict[str, Configuration]) -> None:
    on_certificates = [r for r in _role_assignments(configs) if "certificate" in r.body["scope"]]
    assert on_certificates, "the certificate vault's readers are declared"
    assert {r.body["principal_id"] for r in on_certificates} == {"${var.deployer_id}", "${local.app_service_principal_id}"}


def _role_assignments(configs: dict[str, Configuration]) -> list[Block]:
    return [r for c in configs.values() for r in c.resources("azurerm_role_assignment")]


def test_web_app_identity_writes_conversation_state_with_cosmos_data_contributor(configs: dict[str, Configuration]) -> None:
    (cosmos,) = configs["modules/region"].resources("azurerm_cosmosdb_sql_role_assignment")
    assert cosmos.body["role_definition_id"] == "${local.cosmos_data_contributor}"
    assert configs["modules/region"].locals["cosmos_data_contributor"].endswith("/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002")
    assert cosmos.body["scope"] == "${var.cosmos_account_id}/dbs/${var.cosmos_database_name}"
    for role in _role_assignments(configs):
        if "azurerm_user_assigned_identity.app." in role.body["principal_id"]:
            assert role.body.get("principal_type") == "ServicePrincipal", role.where


def test_no_role_goes_to_the_bot_identity_and_no_broad_role_to_anyone(configs: dict[str, Configuration]) -> None:
    for role in _role_assignments(configs):
        assert "azurerm_user_assigned_identity.bot" not in role.body["principal_id"], role.where
        name = role.body.get("role_definition_name", "")
        assert name not in {"Owner", "Contributor", "Key Vault Administrator", "User Access Administrator"}, role.where
        assert "role_definition_id" not in role.body, f"{role.where}: name built-in roles"


# ---- who may do what: each actor's calls against Azure's published role definitions ----------------
#
# The role assignments are read from the .tf files with their scopes resolved (tests/azure_rehearsal/
# infrastructure.py) and checked with the built-in roles' dataActions (tests/azure_rehearsal/roles.json),
# the same table the rehearsal authorizes every call with: a role set may change, the permissions may not.

def _granted() -> tuple[Any, Any]:
    from tests.azure_rehearsal import infrastructure as infra
    from tests.azure_rehearsal.rbac import Authorizer

    variables = json.loads((REPO / "tests/unit/targets/azure/golden/default.tfvars.json").read_text())
    ids = infra.Ids(variables | {"bind_hostname": True, "bind_certificate": True, "domain": "bot.example.com"},
                    {r: "" for r in variables["regions"]})
    authorizer = Authorizer(clock=lambda: 0.0)
    authorizer.assign(declared.assignment for declared in infra.assignments(ids))
    return ids, authorizer


def _allowed(authorizer: Any, principal: str, operation: str, resource: str) -> bool:
    from tests.azure_rehearsal.rbac import operation as data_action

    return authorizer.check(principal, data_action(operation), resource, data=True) is None


def _needs(ids: Any) -> dict[str, list[tuple[str, str]]]:
    """principal -> the (operation, resource) pairs it must be allowed, from what geobot and the bot call."""
    from tests.azure_rehearsal import infrastructure as infra

    kv, kvc = ids.vault("key_vault"), ids.vault("certificate_vault")
    deployer = [(op, f"{kv}/secrets/{name}") for op in ("keyvault.setSecret", "keyvault.getSecret", "keyvault.deleteSecret")
                for name in ("geobot-acme-token", "geobot-store-url")]
    deployer += [("keyvault.importCertificate", f"{kvc}/certificates/geobot-tls"), ("keyvault.getCertificate", f"{kvc}/certificates/geobot-tls"),
                 ("keyvault.getSecret", f"{kvc}/secrets/geobot-tls"),  # destroy's export
                 ("keyvault.getSecret", f"{kvc}/secrets/geobot-tls-settings"), ("keyvault.setSecret", f"{kvc}/secrets/geobot-tls-settings")]
    needs = {infra.DEPLOYER.object_id: deployer,
             infra.APP_SERVICE.object_id: [("keyvault.getSecret", f"{kvc}/secrets/geobot-tls"),
                                           ("keyvault.getCertificate", f"{kvc}/certificates/geobot-tls")]}
    for region in ids.variables["regions"]:
        language = ids.language(region)
        deployer += [(op, language) for op in ("language.import", "language.train", "language.deploy", "language.jobs",
                                               "language.models", "language.deleteModel")]
        needs[infra.app_identity(ids.variables, region).object_id] = [
            ("keyvault.getSecret", f"{kv}/secrets/geobot-language-endpoint-{region}"), ("language.analyze", language)]
    return needs


def test_every_actor_may_make_each_call_it_makes() -> None:
    ids, authorizer = _granted()
    refused = [(principal, operation, resource) for principal, calls in _needs(ids).items()
               for operation, resource in calls if not _allowed(authorizer, principal, operation, resource)]
    assert refused == []


def test_no_actor_may_do_more_than_it_needs() -> None:
    from tests.azure_rehearsal import infrastructure as infra

    ids, authorizer = _granted()
    kv, kvc = ids.vault("key_vault"), ids.vault("certificate_vault")
    regions = list(ids.variables["regions"])
    bot = infra.app_identity(ids.variables, regions[0]).object_id
    forbidden = [
        (bot, "keyvault.getSecret", f"{kvc}/secrets/geobot-tls"),  # no bot reads the private key
        (bot, "keyvault.setSecret", f"{kv}/secrets/geobot-store-url"),  # the bots only read their settings
        (bot, "language.import", ids.language(regions[0])),  # nor change the model
        (bot, "language.analyze", ids.language(regions[1])),  # each region queries its own Language resource
        (infra.APP_SERVICE.object_id, "keyvault.getSecret", f"{kvc}/secrets/geobot-tls-settings"),  # only the certificate
        (infra.APP_SERVICE.object_id, "keyvault.getSecret", f"{kv}/secrets/geobot-store-url"),
    ]
    assert [f for f in forbidden if _allowed(authorizer, *f)] == []


def test_app_service_roles_exist_only_once_a_certificate_is_bound(configs: dict[str, Configuration]) -> None:
    service = [r for r in _role_assignments(configs) if r.body["principal_id"] == "${local.app_service_principal_id}"]
    assert service
    for role in service:
        assert role.body["count"] == "${var.bind_certificate ? 1 : 0}"


def test_keys_are_disabled_where_managed_identities_replace_them(configs: dict[str, Configuration]) -> None:
    (cosmos,) = configs["modules/global"].resources("azurerm_cosmosdb_account")
    assert cosmos.body["local_authentication_enabled"] is False
    assert cosmos.body["access_key_metadata_writes_enabled"] is False
    (insights,) = configs["modules/global"].resources("azurerm_application_insights")
    assert insights.body["local_authentication_enabled"] is False
    assert insights.body["workspace_id"] == "${azurerm_log_analytics_workspace.this.id}", "classic Application Insights is retired"
    (language,) = configs["modules/region"].resources("azurerm_cognitive_account")
    assert language.body["local_auth_enabled"] == "${var.language_local_auth}"
    (variable,) = [v for v in configs["."].of("variable") if v.name == "language_local_auth"]
    assert variable.body["default"] is False


SECRET_NAME = re.compile(r"password|secret|token|pfx|(?<!key_vault)_key$|^key$|connection_string|credential", re.IGNORECASE)


def test_no_variable_default_holds_a_secret(configs: dict[str, Configuration]) -> None:
    for path, config in configs.items():
        for variable in config.of("variable"):
            default = variable.body.get("default")
            if SECRET_NAME.search(variable.name):
                assert default is None, f"{path}: variable {variable.name} must not have a default"
            for text in _strings(default):
                assert not re.fullmatch(r"[A-Za-z0-9+/=]{32,}|[0-9a-f]{32,}", text), f"{path}: {variable.name} default looks like a key"
                assert not re.search(r"(AccountKey|SharedAccessSignature|InstrumentationKey|password)=", text, re.IGNORECASE)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_no_output_exposes_a_key(configs: dict[str, Configuration]) -> None:
    for path, config in configs.items():
        for output in config.of("output"):
            text = refs(output.body["value"])
            assert not re.search(r"primary_|secondary_|_key\b|access_key|connection_string\b|password|pfx_blob|\.key2?\b",
                                 text.replace("_secret_id", "")), f"{path}: output {output.name}"
            if output.body.get("sensitive"):
                pytest.fail(f"{path}: output {output.name} is sensitive: outputs should carry no secret at all")


def test_secrets_written_by_terraform_are_configuration_not_keys(every_resource: list[Block]) -> None:
    secrets = [r for r in every_resource if r.type == "azurerm_key_vault_secret"]
    assert sorted(s.body["name"] for s in secrets) == sorted([
        "geobot-store-url", "geobot-app-id", "geobot-app-tenant-id", "geobot-appinsights-connection-string",
        "geobot-language-endpoint-${var.region}"])
    for secret in secrets:
        assert not re.search(r"primary_|secondary_|_key\b|password", secret.body["value"]), secret.where


# ---- Cosmos DB -----------------------------------------------------------------------------------


def test_cosmos_has_a_replica_in_every_bot_region_and_one_write_region_that_fails_over(
        configs: dict[str, Configuration]) -> None:
    """One write region keeps If-Match authoritative (docs/azure.md); failover follows bot_regions."""
    (account,) = configs["modules/global"].resources("azurerm_cosmosdb_account")
    assert "geo_location" not in account.body, "regions come from the rendered map, not a fixed list"
    (dynamic,) = account.body["dynamic"]
    geo = dynamic["geo_location"]
    assert geo["for_each"] == "${var.bot_regions}"
    assert geo["content"][0] == {"location": "${geo_location.value}", "failover_priority": "${geo_location.key}"}
    assert account.body["multiple_write_locations_enabled"] is False
    assert account.body["automatic_failover_enabled"] is True
    assert account.body["location"] == "${var.bot_regions[0]}"
    root = {m.name: m.body for m in configs["."].of("module")}
    assert root["global"]["bot_regions"] == "${local.ordered_regions}"
    assert "var.regions" in configs["."].locals["ordered_regions"]
    (container,) = configs["modules/global"].resources("azurerm_cosmosdb_sql_container")
    assert container.body["partition_key_paths"] == ["/id"]


def test_the_store_url_gives_the_bots_the_failover_order_for_their_preferred_locations(
        configs: dict[str, Configuration]) -> None:
    (url,) = [s for s in configs["modules/global"].resources("azurerm_key_vault_secret") if s.name == "store_url"]
    assert url.body["value"].endswith('&regions=${join(",", var.bot_regions)}')


# ---- TLS: only for a custom domain ------------------------------------------------------------------


def test_tls_bindings_exist_only_for_the_custom_domain(configs: dict[str, Configuration]) -> None:
    root = configs["."]
    (binding,) = root.resources("azurerm_app_service_custom_hostname_binding")
    assert binding.body["hostname"] == "${var.domain}"
    assert binding.body["for_each"] == "${local.hostname_regions}"
    assert root.locals["hostname_regions"] == "${var.bind_hostname ? var.regions : {}}"
    (certificate,) = root.resources("azurerm_app_service_certificate")
    assert certificate.body["key_vault_secret_id"] == "${local.certificate_secret_id}"
    assert "pfx_blob" not in certificate.body and "password" not in certificate.body
    assert "/versions/" not in root.locals["certificate_secret_id"] and root.locals["certificate_secret_id"].endswith(
        "secrets/${var.certificate_name}"), "versionless: renewals are followed"
    (cert_binding,) = root.resources("azurerm_app_service_certificate_binding")
    assert cert_binding.body["ssl_state"] == "SniEnabled"
    assert "trafficmanager.net" not in refs(binding.body)
    (contract,) = root.resources("terraform_data")
    conditions = [p["condition"] for p in contract.block("lifecycle")["precondition"]]
    assert "${!var.bind_hostname || var.domain != null}" in conditions


def test_front_door_edge_uses_a_managed_certificate_and_locks_the_web_apps_to_it(configs: dict[str, Configuration]) -> None:
    root = configs["."]
    (domain,) = root.resources("azurerm_cdn_frontdoor_custom_domain")
    assert domain.block("tls") == {"certificate_type": "ManagedCertificate", "minimum_version": "TLS12"}
    routes = {route.name: route for route in root.resources("azurerm_cdn_frontdoor_route")}
    assert set(routes) == {"bots", "region"}
    assert routes["bots"].body["forwarding_protocol"] == "HttpsOnly" and routes["bots"].body["https_redirect_enabled"] is True
    (profile,) = configs["modules/global"].resources("azurerm_cdn_frontdoor_profile")
    assert profile.body["sku_name"] == "Standard_AzureFrontDoor"
    (app,) = configs["modules/region"].resources("azurerm_linux_web_app")
    site = app.block("site_config")
    assert site["ip_restriction_default_action"] == '${var.behind_front_door ? "Deny" : "Allow"}'
    restriction = site["dynamic"][0]["ip_restriction"]["content"][0]
    assert restriction["service_tag"] == "AzureFrontDoor.Backend"
    assert restriction["headers"][0]["x_azure_fdid"] == ["${ip_restriction.value}"]


def test_behind_front_door_each_region_has_a_route_of_its_own_for_the_deployer(configs: dict[str, Configuration]) -> None:
    """online reads each region's health there: one origin, no probe, so the region's own answer comes through."""
    root = configs["."]
    (route,) = [r for r in root.resources("azurerm_cdn_frontdoor_route") if r.name == "region"]
    assert route.body["patterns_to_match"] == [REGION_HEALTH_PATH.format(region="${each.key}")]
    assert route.body["forwarding_protocol"] == "HttpsOnly" and route.body["supported_protocols"] == ["Https"]
    assert route.body["cdn_frontdoor_origin_ids"] == ["${azurerm_cdn_frontdoor_origin.region_direct[each.key].id}"]
    groups = {group.name: group for group in root.resources("azurerm_cdn_frontdoor_origin_group")}
    assert "health_probe" not in groups["region"].body and "health_probe" in groups["bots"].body


# ---- references between files and modules ------------------------------------------------------------


def test_every_reference_resolves(configs: dict[str, Configuration]) -> None:
    """What `terraform validate` would catch first, without the azurerm provider: undeclared
    variables, locals, module outputs, resources and module arguments."""
    for path, config in configs.items():
        text = strip_comments(config.text)
        variables, local_names = config.names("variable"), set(config.locals)
        for name in set(re.findall(r"\bvar\.([a-z0-9_]+)", text)):
            assert name in variables, f"{path}: var.{name} is not declared"
        for name in set(re.findall(r"\blocal\.([a-z0-9_]+)", text)):
            assert name in local_names, f"{path}: local.{name} is not declared"
        declared = {(r.type, r.name) for r in config.resources()} | {("data." + d.type, d.name) for d in config.of("data")}
        for type_, name in set(re.findall(r"(?<![\w.\"])((?:data\.)?(?:azurerm|time|terraform)_[a-z0-9_]+)\.([a-z0-9_]+)", text)):
            assert (type_, name) in declared, f"{path}: {type_}.{name} is not declared"
        for module in config.of("module"):
            source = (config.directory / module.body["source"]).resolve()
            child = load(source)
            inputs = {k for k in module.body if k not in ("source", "for_each", "count", "depends_on", "providers")}
            child_vars = {v.name: v.body for v in child.of("variable")}
            assert inputs <= set(child_vars), f"{path}: module {module.name} has no variable {sorted(inputs - set(child_vars))}"
            required = {n for n, body in child_vars.items() if "default" not in body}
            assert required <= inputs, f"{path}: module {module.name} misses {sorted(required - inputs)}"
            outputs = child.names("output")
            for used in set(re.findall(rf"\bmodule\.{module.name}(?:\[[^\]]+\])?\.([a-z0-9_]+)", text)):
                assert used in outputs, f"{path}: module.{module.name}.{used} is not an output"
            # `for name, regional in module.region : ... regional.<output>`
            if re.search(rf"for \w+(?:, \w+)? in module\.{module.name}\b", text):
                for used in set(re.findall(r"\bregional\.([a-z0-9_]+)", text)):
                    assert used in outputs, f"{path}: module.{module.name} has no output {used}"


# ---- the variables contract, planned with the real Terraform --------------------------------------------


def rendered_variables(name: str = "geobot", regions: tuple[str, ...] = DEFAULT_REGIONS, **extra: Any) -> dict[str, Any]:
    """What geobot's azure target renders (geobot/targets/azure/variables.py), with `extra` changed."""
    config = configuration.load(None, {"GEOBOT_NAME": name, "GEOBOT_REGIONS": ",".join(regions)}, {"target": "azure"})
    return {**render_variables(config), **extra}


def test_variable_shape_parallels_terraform_local(configs: dict[str, Configuration]) -> None:
    local = load(REPO / "terraform" / "local")
    shared = {"deployment", "global_region", "routing_method", "probe", "regions"}
    assert shared <= local.names("variable") and shared <= configs["."].names("variable")
    (regions,) = [v for v in configs["."].of("variable") if v.name == "regions"]
    assert re.sub(r"\s", "", regions.body["type"]) == "${map(object({priority=number,weight=number,names=map(string)}))}"
    for variable in configs["."].of("variable"):
        assert variable.body.get("description"), f"variable {variable.name} needs a description"
        assert variable.body.get("type"), f"variable {variable.name} needs a type"


@pytest.fixture(scope="module")
def contract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """variables.tf + contract.tf need no provider: `terraform init` works offline."""
    if terraform_binary() is None:
        pytest.skip("no terraform or tofu binary")
    return provider_free_copy(AZURE, tmp_path_factory.mktemp("azure-contract"))


@pytest.mark.parametrize("variables", [
    rendered_variables(),
    rendered_variables("mybot42", ("eastus", "westeurope", "southeastasia"), routing_method="priority"),
    rendered_variables(domain="bot.example.com", bind_hostname=True),
    rendered_variables(domain="bot.example.com", bind_hostname=True, bind_certificate=True,
                       app_service_principal_object_id="0b3e1f2a-1111-4a2b-9c3d-123456789abc"),
    rendered_variables(edge="frontdoor", app_service_sku="B1"),
    rendered_variables(probe={"path": "/api/health", "interval": 30, "timeout": 10, "tolerated_failures": 3, "dns_ttl": 60}),
], ids=["defaults", "three-regions-priority", "domain-bound", "certificate-bound", "front-door-basic", "slow-probes"])
def test_rendered_variables_plan(contract_dir: Path, variables: dict[str, Any]) -> None:
    done = plan(contract_dir, variables)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("change", "message"), [
    ({"bind_hostname": True}, "bind_hostname needs a custom domain"),
    ({"edge": "frontdoor", "domain": "bot.example.com", "bind_hostname": True}, "bind_hostname is for edge"),
    ({"domain": "bot.example.com", "bind_certificate": True}, "bind_certificate needs bind_hostname"),
    ({"bot_app_type": "SingleTenant"}, "needs bot_app_id"),
    ({"bot_app_type": "MultiTenant"}, "bot_app_type must be UserAssignedMSI or SingleTenant"),
    ({"app_service_sku": "B1"}, "Standard or higher"),
    ({"app_service_sku": "F1"}, "app_service_sku must be a dedicated Linux SKU"),
    ({"domain": "geobot.trafficmanager.net"}, "domain must be a name you control"),
    ({"domain": "Bot.Example.com"}, "domain must be a lowercase DNS name"),
    ({"probe": {"path": "/api/health", "interval": 10, "timeout": 10, "tolerated_failures": 1, "dns_ttl": 10}},
     "probe.timeout must be 5-9 seconds"),
    ({"probe": {"path": "/api/health", "interval": 20, "timeout": 5, "tolerated_failures": 1, "dns_ttl": 10}},
     "probe.interval must be 10"),
    ({"probe": {"path": "api/health", "interval": 10, "timeout": 5, "tolerated_failures": 1, "dns_ttl": 10}},
     "probe.path must start with"),
    ({"routing_method": "geographic"}, "routing_method must be performance, priority or weighted"),
    ({"edge": "azurefd"}, "edge must be"),
    ({"deployment": "Geo_Bot"}, "deployment must be 1-19 lowercase"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_impossible_combinations_stop_the_plan(contract_dir: Path, change: dict[str, Any], message: str) -> None:
    done = plan(contract_dir, {**rendered_variables(), **change})
    assert done.returncode != 0, f"plan accepted {change}"
    assert message in " ".join((done.stdout + done.stderr).split()), done.stdout + done.stderr


def test_regions_need_distinct_priorities_and_geobots_names(contract_dir: Path) -> None:
    variables = rendered_variables()
    variables["regions"]["southeastasia"]["priority"] = 1
    assert "its own priority" in " ".join(plan(contract_dir, variables).stderr.split())
    variables = rendered_variables()
    del variables["regions"]["koreacentral"]["names"]["web_app"]
    assert "names must hold resource_group, web_app" in " ".join(plan(contract_dir, variables).stderr.split())
