"""The Azure target: the variables it renders, its stage order, and the guards around the switch and destroy.

The Azure calls go to the loopback contract server with the real SDK clients (conftest); the
Terraform stages are not applied here (azurerm cannot be downloaded), so the order tests run the
stages that come after them with the infrastructure outputs `terraform/azure` declares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from geobot import config as configuration
from geobot.certs.pfx import build_pfx
from geobot.config import Config
from geobot.deployment import Deployment
from geobot.errors import CertError, CloudError, ConfigError, InputError, StageFailed
from geobot.pipeline.journal import Journal
from geobot.pipeline.runner import Runner
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.azure.clients import AzureClients
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.stages import DnsRecords, Endpoint, Online
from geobot.targets.azure.target import AzureTarget, Infrastructure
from geobot.targets.azure.variables import Binding, impossible, render_variables
from geobot.terraform.binary import find
from geobot.terraform.engine import Engine
from geobot.ui import Redactor, make_reporter
from tests.certificates import make_cert
from tests.unit.targets.azure.conftest import SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract
from tests.unit.targets.azure.test_botservice import patched_properties
from tests.unit.targets.azure.test_trafficmanager import profile

GOLDEN = Path(__file__).parent / "golden"
HOST = "bot.example.com"
CUSTOM_ENV = {
    "GEOBOT_NAME": "mybot42", "GEOBOT_GLOBAL_REGION": "westeurope", "GEOBOT_REGIONS": "eastus,westeurope,southeastasia",
    "GEOBOT_ROUTING": "weighted", "GEOBOT_WEIGHTS": "eastus=3", "GEOBOT_DOMAIN": HOST, "GEOBOT_PROBE_INTERVAL": "30",
    "GEOBOT_PROBE_TIMEOUT": "10", "GEOBOT_DNS_TTL": "60", "GEOBOT_AZURE_APP_SERVICE_SKU": "S1",
}
READY = {"GEOBOT_DOMAIN": HOST, "GEOBOT_CERT_SOURCE": "letsencrypt", "GEOBOT_CERT_EMAIL": "ops@example.com",
         "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}
PROFILE = "tm-geobot"
TM_API = contract("trafficmanager/Profiles_Get")["parameters"]["api-version"]
PROFILE_URL = (f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global"
               f"/providers/Microsoft.Network/trafficmanagerprofiles/{PROFILE}?api-version={TM_API}")
BOT_API = contract("botservice/Bots_Get")["parameters"]["api-version"]
BOT_URL = (f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global"
           f"/providers/Microsoft.BotService/botServices/bot-geobot?api-version={BOT_API}")


def azure_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, {**READY, **(env or {})}, {"target": "azure"})


def infrastructure_outputs(config: Config) -> dict[str, Any]:
    """The outputs of terraform/azure (outputs.tf) for this config, as the stages read them."""
    return {
        "edge": config.azure.edge,
        "host_name": config.host_name,
        "key_vault": {"id": "/subscriptions/x/kv", "name": "kv-geobot", "uri": "https://kv-geobot.vault.azure.net/"},
        "certificate_vault": {"id": "/subscriptions/x/kvc", "name": "kvc-geobot", "uri": "https://kvc-geobot.vault.azure.net/"},
        "traffic_manager": {"name": PROFILE, "resource_group": "rg-geobot-global", "fqdn": "geobot.trafficmanager.net",
                            "endpoints": {r: config.region_resource_names(r)["endpoint"] for r in config.regions}},
        "bot": {"name": "bot-geobot", "resource_group": "rg-geobot-global"},
        "dns_records": [
            {"type": "CNAME", "name": HOST, "value": "geobot.trafficmanager.net", "purpose": "route the domain"},
            {"type": "TXT", "name": f"asuid.{HOST}", "value": "ABC123", "purpose": "App Service domain verification"},
        ],
        "regions": {r: {"web_app_name": f"app-geobot-{r}", "default_hostname": f"app-geobot-{r}.azurewebsites.net",
                        "web_app_id": f"/subscriptions/x/resourceGroups/rg-{r}/providers/Microsoft.Web/sites/app-geobot-{r}",
                        "web_app_instance": f"created-1-{r}",
                        "language_endpoint": f"https://lang-geobot-{r}.cognitiveservices.azure.com/"}
                    for r in config.regions},
    }


def engine() -> Engine:
    return Engine(find({}))


def target(config: Config, session: AzureSession) -> AzureTarget:
    return AzureTarget(config, engine(), True, {}, session=lambda: session)


def context(tmp_path: Path, config: Config, **outputs: dict[str, Any]) -> StageContext:
    return StageContext(tmp_path, {"infrastructure": infrastructure_outputs(config), **outputs}, lambda event: None,
                        lambda question: True)


# ---- the variables -------------------------------------------------------------------------


@pytest.mark.parametrize(("golden", "env", "binding"), [
    ("default", {}, Binding()),
    ("custom-bound", CUSTOM_ENV, Binding(hostname=True, certificate=True)),
])
def test_rendered_variables_match_the_reviewed_golden_file(golden: str, env: dict[str, str], binding: Binding) -> None:
    config = configuration.load(None, env, {"target": "azure"})
    expected = json.loads((GOLDEN / f"{golden}.tfvars.json").read_text())
    assert render_variables(config, binding) == expected


def test_the_default_golden_file_is_the_original_three_regions() -> None:
    golden = json.loads((GOLDEN / "default.tfvars.json").read_text())
    assert golden["global_region"] == "japaneast"
    assert list(golden["regions"]) == ["koreacentral", "southeastasia"]
    assert [r["priority"] for r in golden["regions"].values()] == [1, 2]


def test_traffic_manager_without_a_domain_or_with_a_local_ca_is_impossible() -> None:
    plain = configuration.load(None, {}, {"target": "azure"})
    assert [p.field for p in impossible(plain)] == ["domain", "certificate.source"]
    assert impossible(azure_config()) == []
    front_door = configuration.load(None, {"GEOBOT_AZURE_EDGE": "frontdoor"}, {"target": "azure"})
    assert impossible(front_door) == []


def test_validate_refuses_before_anything_is_created(tmp_path: Path, session: AzureSession) -> None:
    with pytest.raises(ConfigError, match="domain"):
        target(configuration.load(None, {}, {"target": "azure"}), session).validate(tmp_path / "d")
    no_subscription = configuration.load(None, {k: v for k, v in READY.items() if k != "AZURE_SUBSCRIPTION_ID"},
                                         {"target": "azure"})
    with pytest.raises(InputError, match="azure.subscription_id"):
        AzureTarget(no_subscription, engine(), True, {}).validate(tmp_path / "d")
    assert not (tmp_path / "d").exists()


def test_terraform_gets_the_subscription_from_the_environment_never_a_variable() -> None:
    config = azure_config()
    assert "subscription" not in json.dumps(render_variables(config))
    assert AzureTarget(config, engine(), True, {}).engine._env["ARM_SUBSCRIPTION_ID"] == SUBSCRIPTION


# ---- the stages ----------------------------------------------------------------------------


def test_stage_order_puts_the_switch_after_online_and_online_after_the_certificate(session: AzureSession) -> None:
    names = [s.name for s in target(azure_config(), session).stages()]
    assert names == ["preflight", "infrastructure", "language", "code", "dns", "hostname", "certificate", "tls",
                     "online", "endpoint", "smoke"]


def test_front_door_has_no_certificate_stages(session: AzureSession) -> None:
    config = configuration.load(None, {"GEOBOT_AZURE_EDGE": "frontdoor", "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION},
                                {"target": "azure"})
    names = [s.name for s in target(config, session).stages()]
    assert names == ["preflight", "infrastructure", "language", "code", "online", "endpoint", "smoke"]


def test_binding_stages_share_one_state_and_only_its_owner_tears_it_down(session: AzureSession, tmp_path: Path) -> None:
    stages = {s.name: s for s in target(azure_config(), session).stages()}
    terraform = [stages[n] for n in ("infrastructure", "hostname", "tls")]
    assert all(isinstance(s, Infrastructure) for s in terraform)
    ctx = context(tmp_path, azure_config())
    assert {s.workdir(ctx) for s in terraform} == {tmp_path / "terraform" / "infrastructure"}  # type: ignore[attr-defined]
    assert [s.owns_state for s in terraform] == [True, False, False]  # type: ignore[attr-defined]


def test_a_later_deploy_keeps_what_the_binding_stages_bound(session: AzureSession, tmp_path: Path) -> None:
    infrastructure = target(azure_config(), session).stages()[1]
    assert isinstance(infrastructure, Infrastructure)
    first = infrastructure.render(context(tmp_path, azure_config()))
    assert (first["bind_hostname"], first["bind_certificate"]) == (False, False)
    again = infrastructure.render(context(tmp_path, azure_config(), hostname={"host_name": HOST}, tls={"host_name": HOST}))
    assert (again["bind_hostname"], again["bind_certificate"]) == (True, True)


def test_plan_previews_the_variables_offline(session: AzureSession, tmp_path: Path) -> None:
    infrastructure = target(azure_config(), session).stages()[1]
    text = infrastructure.preview(context(tmp_path, azure_config()))
    assert text is not None and '"key_vault": "kv-geobot"' in text and '"web_app": "app-geobot-krc"' in text
    assert not (tmp_path / "terraform").exists()


@pytest.mark.parametrize(("stage", "what"), [("code", "bot code"), ("language", "language model")])
@pytest.mark.parametrize(("env", "shown"), [
    ({"GEOBOT_DNS_TTL": "60"}, "update: rolling, one region at a time: its Traffic Manager endpoint is Disabled for 65 s "
                               "(the profile's DNS TTL, probe.dns_ttl 60 s, + 5 s for turns in flight), the region gets "
                               "the new {what}"),
    ({"GEOBOT_AZURE_EDGE": "frontdoor"}, "update: rolling, one region at a time: its Front Door origin is Disabled "
                                         "until Front Door has deployed the change to its edge, + 5 s for turns in "
                                         "flight, the region gets the new {what}"),
    ({"GEOBOT_UPDATE": "all-at-once"}, "update: all at once: every region gets the new {what} together"),
])
def test_plan_shows_how_a_new_version_reaches_the_regions_and_the_drain(
        session: AzureSession, tmp_path: Path, stage: str, what: str, env: dict[str, str], shown: str) -> None:
    found = next(s for s in target(azure_config(env), session).stages() if s.name == stage)
    text = found.preview(context(tmp_path, azure_config(env)))
    assert text is not None and text.startswith(shown.format(what=what))


def test_dns_stage_names_each_missing_record(tmp_path: Path) -> None:
    answers = {("bot.example.com", "CNAME"): ["geobot.trafficmanager.net."]}
    stage = DnsRecords(lambda name, kind: answers.get((name, kind), []))
    with pytest.raises(CloudError, match=r"TXT asuid.bot.example.com = ABC123") as raised:
        stage.run(context(tmp_path, azure_config()))
    assert "CNAME" not in raised.value.message
    answers[("asuid.bot.example.com", "TXT")] = ['"ABC123"']
    assert stage.run(context(tmp_path, azure_config())) == {"records": ["CNAME bot.example.com", "TXT asuid.bot.example.com"]}


def runner(tmp_path: Path) -> Runner:
    journal = Journal(tmp_path, "geobot", "azure")
    journal.load()
    return Runner(journal, lambda event: None, lambda command: f"geobot {command}")


def test_the_endpoint_is_not_switched_while_a_region_is_not_online(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    config = azure_config({"GEOBOT_AZURE_ONLINE_TIMEOUT": "60"})
    azure.expect(Exchange("GET", PROFILE_URL, profile(**{"ep-krc": "Online", "ep-sea": "Degraded"}), repeat=True))
    online = Online(config, lambda ctx: AzureClients(session, ctx.output_of("infrastructure")), poll=0.01)
    online.config = config.model_copy(update={"azure": config.azure.model_copy(update={"online_timeout": 0})})
    stages = [online, Endpoint(lambda ctx: AzureClients(session, ctx.output_of("infrastructure")))]
    with pytest.raises(StageFailed, match=r"ep-sea is Degraded \(its health probes fail\)"):
        runner(tmp_path).deploy(stages, context(tmp_path, config))
    assert {e.method for e in azure.answered()} == {"GET"}
    assert all("botServices" not in e.url for e in azure.answered())


def test_the_endpoint_is_switched_once_every_region_is_online(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    config = azure_config()
    bot = Reply.of("botservice/Bots_Get", 200)
    azure.expect(
        Exchange("GET", PROFILE_URL, profile(**{"ep-krc": "CheckingEndpoint", "ep-sea": "Online"})),
        Exchange("GET", PROFILE_URL, profile(**{"ep-krc": "Online", "ep-sea": "Online"})),
        Exchange("GET", BOT_URL, bot),
        Exchange("PATCH", BOT_URL, Reply.of("botservice/Bots_Update", 200), json={"properties": patched_properties()}),
    )
    clients = lambda ctx: AzureClients(session, ctx.output_of("infrastructure"))  # noqa: E731
    accepted = {"components": {"telemetry": {"status": "healthy"}}}
    health = lambda url: {**accepted, "region": url.split("//app-geobot-")[1].split(".")[0]}  # noqa: E731 (each web app's)
    online = Online(config, clients, poll=0.01, health=health)
    outputs = runner(tmp_path).deploy([online, Endpoint(clients)], context(tmp_path, config))
    assert outputs["online"]["endpoints"] == {"koreacentral": "Online", "southeastasia": "Online"}
    assert outputs["online"]["telemetry"] == {"koreacentral": "healthy", "southeastasia": "healthy"}
    assert outputs["endpoint"] == {"messaging_endpoint": f"https://{HOST}/api/messages"}
    assert [e.method for e in azure.answered()] == ["GET", "GET", "GET", "PATCH"]


def test_endpoint_refuses_on_its_own_without_every_region_online(session: AzureSession, tmp_path: Path) -> None:
    stage = Endpoint(lambda ctx: AzureClients(session, ctx.output_of("infrastructure")))
    with pytest.raises(CloudError, match="endpoint: southeastasia not Online"):
        stage.run(context(tmp_path, azure_config(), online={"endpoints": {"koreacentral": "Online", "southeastasia": "Degraded"}}))
    with pytest.raises(CloudError, match="endpoint: koreacentral, southeastasia not Online"):
        stage.run(context(tmp_path, azure_config()))


# ---- destroy -------------------------------------------------------------------------------


class Recorder(Stage):
    """Stands in for the Terraform teardown: records that it ran and whether the export existed."""

    name = "infrastructure"

    def __init__(self, export: Path) -> None:
        self.export = export
        self.torn_down: list[bool] = []

    def run(self, ctx: StageContext) -> dict[str, Any]:
        return {}

    def teardown(self, ctx: StageContext) -> None:
        self.torn_down.append(self.export.is_file())


class Guarded(AzureTarget):
    def __init__(self, config: Config, session: AzureSession, recorder: Recorder) -> None:
        super().__init__(config, engine(), True, {}, session=lambda: session)
        self.recorder = recorder

    def stages(self) -> list[Stage]:
        return [self.recorder]


def deployed(tmp_path: Path, config: Config, session: AzureSession, export: Path) -> tuple[Deployment, Recorder]:
    journal = Journal(tmp_path / "state", "geobot", "azure")
    journal.directory.mkdir(parents=True)
    journal.load()
    journal.record("infrastructure", status="successful", outputs=infrastructure_outputs(config), error=None)
    journal.record("certificate", status="successful", outputs={}, error=None)
    recorder = Recorder(export)
    reporter = make_reporter("text", tty=False, verbose=False, color=False, redact=Redactor())
    deployment = Deployment(journal, Runner(journal, lambda e: None, lambda c: f"geobot {c}"),
                            Guarded(config, session, recorder), reporter, lambda q: True)
    return deployment, recorder


def vault_secret(pfx: bytes) -> Reply:
    import base64

    reply = Reply.of("keyvault/GetSecret", 200)
    reply.body["value"] = base64.b64encode(pfx).decode()
    reply.body["contentType"] = "application/x-pkcs12"
    return reply


SECRET_URL = "https://kvc-geobot.vault.azure.net/secrets/geobot-tls/?api-version=2025-07-01"  # the certificate's own vault


def test_destroy_exports_and_verifies_the_certificate_before_tearing_down(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    azure.expect(Exchange("GET", SECRET_URL, vault_secret(build_pfx(key, make_cert(key, [HOST]), [], None))))
    export = tmp_path / "saved.pfx"
    deployment, recorder = deployed(tmp_path, azure_config(), session, export)
    result = deployment.destroy(export, "export-password")
    assert recorder.torn_down == [True]
    assert result["subject"] == f"CN={HOST}"
    assert export.stat().st_mode & 0o777 == 0o600


def test_destroy_tears_nothing_down_when_the_export_does_not_verify(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    azure.expect(Exchange("GET", SECRET_URL, vault_secret(build_pfx(key, make_cert(key, ["elsewhere.example.com"]), [], None))))
    export = tmp_path / "saved.pfx"
    deployment, recorder = deployed(tmp_path, azure_config(), session, export)
    with pytest.raises(CertError, match="does not verify"):
        deployment.destroy(export, "export-password")
    assert recorder.torn_down == []
    assert not export.exists()
    assert deployment.journal.stage("infrastructure")["status"] == "successful"


def test_destroy_tears_nothing_down_when_key_vault_refuses_the_export(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    azure.expect(Exchange("GET", SECRET_URL, Reply.of("keyvault/Error_403_Forbidden.derived", 403)))
    export = tmp_path / "saved.pfx"
    deployment, recorder = deployed(tmp_path, azure_config(), session, export)
    with pytest.raises(CloudError, match="missing permission 'secrets get'") as raised:
        deployment.destroy(export, "export-password")
    assert "Key Vault Secrets User" in raised.value.hint
    assert recorder.torn_down == []
    assert not export.exists()


def test_a_replaced_web_app_gets_the_code_again(session: AzureSession, tmp_path: Path) -> None:
    config = azure_config()
    code = next(s for s in target(config, session).stages() if s.name == "code")
    before = context(tmp_path, config)
    replaced = context(tmp_path, config)
    region = config.regions[0]
    replaced.outputs["infrastructure"]["regions"][region]["web_app_instance"] = "created-2"  # same name, same id
    assert code.inputs(before) != code.inputs(replaced)
    assert code.inputs(before) == code.inputs(context(tmp_path, config))


def test_a_deploy_after_the_bindings_does_not_replan_the_infrastructure(session: AzureSession, tmp_path: Path) -> None:
    infrastructure = target(azure_config(), session).stages()[1]
    before = infrastructure.inputs(context(tmp_path, azure_config()))
    after = infrastructure.inputs(context(tmp_path, azure_config(), hostname={"host_name": HOST}, tls={"host_name": HOST}))
    assert before == after
    slower = target(azure_config({"GEOBOT_DNS_TTL": "30"}), session).stages()[1]
    assert slower.inputs(context(tmp_path, azure_config())) != before


def test_front_door_with_a_custom_domain_waits_for_its_dns_records(session: AzureSession) -> None:
    config = configuration.load(None, {"GEOBOT_AZURE_EDGE": "frontdoor", "GEOBOT_DOMAIN": HOST,
                                       "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}, {"target": "azure"})
    names = [s.name for s in target(config, session).stages()]
    assert names == ["preflight", "infrastructure", "language", "code", "dns", "online", "endpoint", "smoke"]


def journal_with_infrastructure(tmp_path: Path, config: Config) -> Journal:
    journal = Journal(tmp_path / "state", "geobot", "azure")
    journal.directory.mkdir(parents=True)
    journal.load()
    journal.record("infrastructure", status="successful", outputs=infrastructure_outputs(config), error=None)
    return journal


def test_status_reads_each_regions_monitor_status(azure: ContractServer, session: AzureSession, tmp_path: Path) -> None:
    reply = profile(**{"ep-krc": "Online", "ep-sea": "Degraded"})
    for endpoint, priority in zip(reply.body["properties"]["endpoints"], (2, 1), strict=True):
        endpoint["properties"]["priority"] = priority  # the profile's order, not the config's
    azure.expect(Exchange("GET", PROFILE_URL, reply))
    config = azure_config()
    report = target(config, session).status(journal_with_infrastructure(tmp_path, config))
    assert report["url"] == f"https://{HOST}"
    assert report["regions"] == {"koreacentral": {"monitor_status": "Online", "priority": 2},
                                 "southeastasia": {"monitor_status": "Degraded", "priority": 1}}


def test_status_without_a_sign_in_still_shows_what_the_journal_knows(tmp_path: Path) -> None:
    config = configuration.load(None, {k: v for k, v in READY.items() if k != "AZURE_SUBSCRIPTION_ID"}, {"target": "azure"})
    report = AzureTarget(config, engine(), True, {}).status(journal_with_infrastructure(tmp_path, config))
    assert report["url"] == f"https://{HOST}" and "regions" not in report
    assert report["problem"].startswith("azure.subscription_id: no subscription is chosen; set azure.subscription_id")


def test_blob_state_comes_first_and_the_infrastructure_uses_what_it_made(session: AzureSession, tmp_path: Path) -> None:
    config = azure_config({"GEOBOT_AZURE_BACKEND": "blob"})
    stages = target(config, session).stages()
    assert [s.name for s in stages][:3] == ["preflight", "state", "infrastructure"]
    state, infrastructure = stages[1], stages[2]
    assert state.variables(context(tmp_path, config)) == {  # type: ignore[attr-defined]
        "deployment": "geobot", "location": "japaneast", "names": {"storage_account": "stgeobot"}}
    made = {"resource_group_name": "rg-geobot-tfstate", "storage_account_name": "stgeobot", "container_name": "tfstate",
            "key": "geobot.tfstate", "use_azuread_auth": True}
    ctx = context(tmp_path, config, state={"backend_config": made})
    assert infrastructure.backend(ctx) == {"azurerm": made}  # type: ignore[attr-defined]
    assert infrastructure.inputs(ctx)["backend"] == {"azurerm": made}
    assert target(azure_config(), session).stages()[1].backend is None  # type: ignore[attr-defined]
