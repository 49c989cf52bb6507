"""The Azure target wired from its stages: what the factory hands to the pipeline.

preflight → [state] → infrastructure (terraform/azure: global module, then one regional module
per region, in parallel) → language → code → [dns → hostname → certificate → tls] → online →
endpoint → smoke. `state` (the blob container of the Terraform state) exists with
azure.backend = "blob"; dns, hostname, certificate and tls with a custom domain on Traffic
Manager (Front Door serves its own managed certificate and needs only dns). `hostname` and
`tls` re-apply the one configuration with more of the binding switched on: one state, one
owner per resource, and a later deploy keeps what they bound instead of undoing it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

from geobot.config import Config
from geobot.errors import GeobotError, InputError
from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage, StageContext
from geobot.resources import terraform_dir
from geobot.rollout.machine import unfinished
from geobot.targets.azure.clients import AzureClients, PreflightClients
from geobot.targets.azure.package import build_package
from geobot.targets.azure.preflight import Preflight
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.stages import Code, DnsRecords, Endpoint, Language, Online, Smoke, resolve, resolver_for
from geobot.targets.azure.variables import Binding, impossible, render_variables
from geobot.targets.certificates import Certificates, CertificateStage
from geobot.targets.infra import TerraformStage
from geobot.terraform.engine import Engine

STAGING = "acme-staging"


def remote_state(ctx: StageContext) -> dict[str, Any]:
    """The azurerm backend the state stage made (its output backend_config: names only, no secret)."""
    return {"azurerm": ctx.output_of("state").get("backend_config", {})}


class AzureTerraform(TerraformStage):
    """`geobot plan` shows the variables instead of a Terraform plan: azurerm plans need a sign-in, variables do not."""

    def preview(self, ctx: StageContext) -> str | None:
        return "variables (no secret is a variable): " + json.dumps(self.variables(ctx), indent=2).replace("\n", "\n      ")


def state_stage(config: Config, engine: Engine, auto_approve: bool) -> TerraformStage:
    """terraform/azure/bootstrap: the blob container of the main state; destroyed last, after it."""
    return AzureTerraform(
        "state", "a storage account for the Terraform state, shared keys off (terraform/azure/bootstrap)", engine,
        terraform_dir("azure") / "bootstrap",
        lambda ctx: {"deployment": config.name, "location": config.global_region,
                     "names": {"storage_account": config.resource_names()["storage_account"]}},
        auto_approve)


class Infrastructure(AzureTerraform):
    """terraform/azure; `geobot plan` shows its variables (it needs no sign-in), destroy offers the vault purge."""

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, clients: Callable[[], PreflightClients],
                 name: str = "infrastructure", description: str = "", binding: Binding = Binding()) -> None:
        super().__init__(name, description or "Key Vault, Cosmos DB, Traffic Manager or Front Door, the Azure Bot, "
                         "and per region a web app and a Language resource (terraform/azure)",
                         engine, terraform_dir("azure"), lambda ctx: self.render(ctx), auto_approve, state="infrastructure",
                         backend=remote_state if config.azure.backend == "blob" else None)
        self.config = config
        self.binding = binding
        self.clients = clients

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        """What binding later stages added is not a change of this stage's inputs (no re-plan for it)."""
        inputs = dict(super().inputs(ctx))
        inputs["variables"] = {k: v for k, v in inputs["variables"].items() if not k.startswith("bind_")}
        return inputs | {"binding": [self.binding.hostname, self.binding.certificate]}

    def render(self, ctx: StageContext) -> dict[str, Any]:
        """What has been bound stays bound: each stage renders at least what the later ones switched on."""
        bound = Binding(self.binding.hostname or "hostname" in ctx.outputs,
                        self.binding.certificate or "tls" in ctx.outputs)
        return render_variables(self.config, bound)

    def preview(self, ctx: StageContext) -> str | None:
        if not self.owns_state:
            flags = {"bind_hostname": self.binding.hostname, "bind_certificate": self.binding.certificate}
            return "re-applies terraform/azure with " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in flags.items())
        return super().preview(ctx)

    def teardown(self, ctx: StageContext) -> None:
        made = ctx.output_of("infrastructure")
        vaults = [(made.get(key) or {}).get("name") for key in ("key_vault", "certificate_vault")]
        super().teardown(ctx)
        if not self.owns_state:
            return
        for vault in filter(None, vaults):
            self._offer_purge(ctx, vault)

    def _offer_purge(self, ctx: StageContext, vault: str) -> None:
        if self.config.azure.purge_protection:
            ctx.note(f"Key Vault {vault} has purge protection: its name stays taken until its retention ends")
            return
        vaults = self.clients().vaults()
        deleted = vaults.deleted(vault)
        if deleted is None:
            return
        if ctx.approve(f"Purge the deleted Key Vault {vault} now, so the name can be used again?"):
            vaults.purge(deleted.name, deleted.location)
            ctx.note(f"Key Vault {vault} purged")
        else:
            ctx.note(f"Key Vault {vault} stays soft-deleted until {deleted.purge_date:%Y-%m-%d}; "
                     f"`az keyvault purge --name {vault}` frees the name, "
                     'azure.deleted_vault = "recover" brings it back on the next deploy')


class AzureTarget:
    name = "azure"

    def __init__(self, config: Config, engine: Engine, auto_approve: bool, env: Mapping[str, str],
                 session: Callable[[], AzureSession] | None = None) -> None:
        self.config = config
        self.auto_approve = auto_approve
        self.env = env
        subscription = config.azure.subscription_id
        self.engine = engine.with_env({"ARM_SUBSCRIPTION_ID": subscription}) if subscription else engine
        self.session = cache(session or (lambda: AzureSession.signed_in(self._subscription(), env)))
        self.package = cache(lambda: build_package(config.bot.app_spec))

    def _subscription(self) -> str:
        if self.config.azure.subscription_id is None:
            raise InputError("azure.subscription_id: no subscription is chosen",
                             "set azure.subscription_id or AZURE_SUBSCRIPTION_ID (`az account show --query id -o tsv`)")
        return self.config.azure.subscription_id

    def validate(self, deployment_dir: Path) -> None:
        for problem in impossible(self.config):
            raise problem
        self._subscription()

    def clients(self, ctx: StageContext | Journal) -> AzureClients:
        outputs = ctx.output_of("infrastructure") if isinstance(ctx, StageContext) else ctx.outputs().get("infrastructure", {})
        return AzureClients(self.session(), outputs)

    def preflight_clients(self) -> PreflightClients:
        return PreflightClients(self.session())

    def stages(self) -> Sequence[Stage]:
        custom_domain = self.config.azure.edge == "trafficmanager"  # Front Door: its own certificate, a domain needs DNS only
        infrastructure = Infrastructure(self.config, self.engine, self.auto_approve, self.preflight_clients)
        lookup = partial(resolve, resolver=resolver_for(self.env))
        tls: list[Stage] = [
            DnsRecords(lookup),
            Infrastructure(self.config, self.engine, self.auto_approve, self.preflight_clients, "hostname",
                           "bind the custom domain to every regional web app", Binding(hostname=True)),
            CertificateStage(self.config, "issue or import the certificate into Key Vault",
                             lambda ctx: self.certificates_for(ctx.workdir, self.clients(ctx), ctx.note, renewal=False)),
            Infrastructure(self.config, self.engine, self.auto_approve, self.preflight_clients, "tls",
                           "bind the Key Vault certificate to the custom domain in every region",
                           Binding(hostname=True, certificate=True)),
        ] if custom_domain else [DnsRecords(lookup)] if self.config.domain else []
        state = [state_stage(self.config, self.engine, self.auto_approve)] if self.config.azure.backend == "blob" else []
        return (
            Preflight(self.config, self.engine.binary, self.env, self.preflight_clients),
            *state,
            infrastructure,
            Language(self.config, self.clients),
            Code(self.config, self.clients, self.package),
            *tls,
            Online(self.config, self.clients, description=None if custom_domain else
                   "wait until Front Door serves the health check (only it may reach the web apps; it probes them)"),
            Endpoint(self.clients),
            Smoke(self.config, self.tls_context),
        )

    def tls_context(self) -> ssl.SSLContext:
        """Public trust; a Let's Encrypt staging certificate is trusted by nobody, so it is not checked."""
        context = ssl.create_default_context()
        if self.config.certificate.source == "letsencrypt" and STAGING in self.config.certificate.acme_directory:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def certificates_for(self, directory: Path, clients: AzureClients, note: Callable[[str], None],
                         renewal: bool = True) -> Certificates:
        """`renewal`: a bound certificate is replaced; App Service follows Key Vault's newest version on its own."""

        def served(_: object) -> None:
            if renewal:
                note("App Service serves the new version once it syncs from Key Vault (it checks every 24 hours)")

        return Certificates(self.config, directory, clients.certificate_vault(), self.env, note, served,
                            challenges=clients.outputs["key_vault"]["uri"])

    def status(self, journal: Journal) -> dict[str, Any]:
        outputs = journal.outputs().get("infrastructure", {})
        if not outputs:
            return {}
        host = outputs.get("host_name")
        report: dict[str, Any] = {"url": f"https://{host}", "edge": outputs.get("edge")}
        for stage in ("language", "code"):
            said = unfinished(journal.stage(stage).get("progress"))
            if said:
                report["update"] = said
        try:
            clients = self.clients(journal)
            profile = clients.traffic_manager()
            if profile is not None:
                expected = clients.expected_endpoints()
                read = profile.read()
                statuses = read.statuses(expected.values())
                priorities = {e.name: e.priority for e in read.endpoints}
                report["regions"] = {region: {"monitor_status": statuses.get(endpoint, "Absent"),
                                              "priority": priorities.get(endpoint) or "-"}
                                     for region, endpoint in expected.items()}
        except GeobotError as exc:  # what the journal says is still worth showing
            report["problem"] = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
        return report

    def summary(self, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        infrastructure = outputs.get("infrastructure", {})
        summary = {
            "url": outputs.get("smoke", {}).get("url"),
            "regions": ", ".join(f"{name} {state}" for name, state in outputs.get("online", {}).get("endpoints", {}).items()),
            "edge": infrastructure.get("edge"),
            "next": "geobot status; geobot chat --web; geobot destroy (saves the certificate first)",
        }
        certificate = outputs.get("certificate")
        if certificate:
            summary["certificate"] = f"{certificate.get('subject')} from {certificate.get('issuer')}, until {certificate.get('not_after', '')[:10]}"
        return summary

    def certificates(self, journal: Journal, note: Callable[[str], None]) -> Certificates:
        return self.certificates_for(journal.directory, self.clients(journal), note)

    def chat_endpoint(self, journal: Journal) -> tuple[str, str, ssl.SSLContext]:
        """Azure's bots accept only activities signed by the Bot Connector, so geobot cannot post to them directly."""
        raise InputError("geobot chat cannot talk to an Azure bot directly: it accepts only the Bot Connector's signed calls",
                         "use \"Test in Web Chat\" on the Azure Bot in the portal, or a Direct Line client")
