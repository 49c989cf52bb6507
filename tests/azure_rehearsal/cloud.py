"""The rehearsal's Azure: what exists, who may do what, and the answers of each service.

One `Cloud` holds the subscription's state (providers, vaults, web apps, Language projects,
the router and the bot) and authorizes every call against the role assignments terraform/azure
declares (`infrastructure.assignments`) plus the deployer's subscription role, which geobot's
docs name as a prerequisite. `apply()` is what a Terraform apply of terraform/azure does to
it; everything else is what Azure's REST APIs answer (see `server.py` for the wire).
"""

from __future__ import annotations

import base64
import hashlib
import io
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geobot.bot.refusal import refusal
from geobot.bot.telemetry import TELEMETRY_WRITE, TRACK_PATH, Exports
from geobot.bot.version import code_version

from tests.azure_rehearsal import infrastructure as infra
from tests.azure_rehearsal.rbac import Assignment, Authorizer, Denial, operation

PROVIDERS = ("Microsoft.BotService", "Microsoft.Cdn", "Microsoft.CognitiveServices", "Microsoft.DocumentDB", "microsoft.insights",
             "Microsoft.KeyVault", "Microsoft.ManagedIdentity", "Microsoft.Network", "Microsoft.OperationalInsights",
             "Microsoft.Storage", "Microsoft.Web")
PREREQUISITE = Assignment(f"/subscriptions/{infra.SUBSCRIPTION}", "Owner", infra.DEPLOYER.object_id,
                          "prerequisite (docs/azure.md: the deployer is Owner of the subscription)")
PKCS12 = "application/x-pkcs12"
# Application Insights' answers to an Entra-authenticated track call it refuses, as its docs quote them
# (learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication, "Troubleshooting": the status lines).
TRACK_UNAUTHORIZED = "Unauthorized - please provide the valid authorization token"
TRACK_FORBIDDEN = "Forbidden - provided credentials do not grant the access to ingest the telemetry into the component"


def version_of(package: bytes) -> str:
    """The version a bot started from this zip reports: geobot.bot.version over its geobot/ part."""
    with tempfile.TemporaryDirectory() as unpacked, zipfile.ZipFile(io.BytesIO(package)) as archive:
        archive.extractall(unpacked, [name for name in archive.namelist() if name.startswith("geobot/")])
        return code_version.__wrapped__((Path(unpacked) / "geobot",))  # not cached: the directory goes away


class Refused(Exception):
    """An answer other than success: HTTP status, error code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    @property
    def status_code(self) -> int:
        """As azure-core's errors carry it: the bot's health answer words a refusal from it (geobot.bot.refusal)."""
        return self.status


class ApplyFailed(Exception):
    """What terraform apply would print when Azure refuses one of its calls."""


@dataclass
class Secret:
    value: str
    content_type: str | None
    version: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class Vault:
    name: str
    resource_id: str
    secrets: dict[str, list[Secret]] = field(default_factory=dict)


@dataclass
class WebApp:
    region: str
    instance: str
    code: str | None = None  # sha256 of the last zip deployed to this instance
    version: str | None = None  # the code version its bot reports (geobot.bot.version of the zip's geobot/)
    enabled: bool = True  # its Traffic Manager endpoint's endpointStatus (or Front Door origin's enabledState)
    crashed: bool = False  # the last zip's code does not start


@dataclass
class Project:
    models: list[str] = field(default_factory=list)
    deployments: dict[str, str] = field(default_factory=dict)
    imported: bool = False


@dataclass
class Call:
    """One authorized or refused call, for the tests' assertions and the failure messages."""

    principal: str
    operation: str
    resource: str
    denied: Denial | None


class Cloud:
    def __init__(self, propagation: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 registered: tuple[str, ...] = PROVIDERS) -> None:
        """`propagation`: seconds before a new role assignment applies; `registered`: providers already Registered."""
        self.lock = threading.RLock()
        self.clock = clock
        self.propagation = propagation
        self.rbac = Authorizer(clock)
        self.rbac.assign([PREREQUISITE])
        self.providers = {ns: ("Registered" if ns in registered else "NotRegistered") for ns in PROVIDERS}
        self.variables: dict[str, Any] | None = None
        self.without: frozenset[str] = frozenset()
        self.tainted: set[str] = set()
        self.apps: dict[str, WebApp] = {}
        self.vaults: dict[str, Vault] = {}
        self.deleted_vaults: dict[str, str] = {}  # name -> location
        self.languages: dict[str, dict[str, Project]] = {}  # account -> project -> state
        self.documents: set[str] = set()  # the conversations container's items, by resource path
        self.bot_endpoint: str | None = None
        self.bound: tuple[bytes, int] | None = None  # the PFX App Service imported, and its version
        self.calls: list[Call] = []
        self.ingested: dict[str, int] = {}  # principal -> telemetry items Application Insights accepted from it
        self.crashing: set[str] = set()  # regions whose next zip's code will not start
        self.stale: set[str] = set()  # regions whose site keeps running its previous code after a zip deploy
        self.conflicts = 0  # endpoint writes still to refuse with 409, as while another operation changes the profile
        self.rotation: list[tuple[str, bool]] = []  # every change of an endpoint's (origin's) status: region, enabled
        self.propagating: dict[str, int] = {}  # Front Door origins changed: reads still answering deploymentStatus InProgress
        self.changes: list[str] = []  # every call that changed something, in order
        self.applies = 0

    # ---- Terraform ------------------------------------------------------------------------

    def ids(self) -> infra.Ids:
        assert self.variables is not None
        return infra.Ids(self.variables, {r: app.instance for r, app in self.apps.items()})

    def outputs(self) -> dict[str, Any]:
        with self.lock:
            return infra.outputs(self.ids()) if self.variables is not None else {}

    def plan(self, variables: Mapping[str, Any] | None) -> tuple[int, int, int]:
        """(add, change, remove) an apply of `variables` would make (None: destroy)."""
        with self.lock:
            if variables is None:
                return 0, 0, (1 if self.variables is not None else 0)
            if self.variables is None:
                return 1, 0, 0
            changed = dict(variables) != self.variables or bool(self.tainted & set(variables["regions"]))
            return 0, int(changed), 0

    def apply(self, variables: Mapping[str, Any] | None) -> None:
        """What terraform/azure's apply does; None destroys everything it made."""
        with self.lock:
            self.applies += 1
            self.changes.append("terraform apply" if variables is not None else "terraform destroy")
            if variables is None:
                self._destroy()
                return
            self.variables = dict(variables)
            for region in variables["regions"]:
                if region not in self.apps or region in self.tainted:
                    self.apps[region] = WebApp(region, str(uuid.uuid4()))
            self.tainted -= set(variables["regions"])
            for gone in set(self.apps) - set(variables["regions"]):
                del self.apps[gone]
            ids = self.ids()
            for key in ("key_vault", "certificate_vault"):
                name = ids.names[key]
                self.vaults.setdefault(name, Vault(name, ids.vault(key)))
                self.deleted_vaults.pop(name, None)
            for region in variables["regions"]:
                self.languages.setdefault(ids.region_names(region)["language_account"], {})
            self._assign(ids)
            self._write_configuration(ids)
            if variables["bind_certificate"]:
                self._import_into_app_service(ids)

    def _assign(self, ids: infra.Ids) -> None:
        """New assignments apply `propagation` s from now, unless a time_sleep of the apply waited for them."""
        now = self.clock()
        before = {(a.source, a.scope, a.role, a.principal): a.effective_at
                  for a in self.rbac.assignments if a.source != PREREQUISITE.source}
        self.rbac.revoke("module.")
        self.rbac.revoke("azurerm_")
        fresh = []
        for declared in infra.assignments(ids, self.without):
            a = declared.assignment
            key = (a.source, a.scope, a.role, a.principal)
            effective = before.get(key, now if declared.gated else now + self.propagation)
            fresh.append(Assignment(a.scope, a.role, a.principal, a.source, effective))
        self.rbac.assign(fresh)

    def _write_configuration(self, ids: infra.Ids) -> None:
        """The secrets terraform/azure writes into the configuration vault (as the deployer)."""
        names = ["geobot-store-url", "geobot-app-id", "geobot-app-tenant-id", "geobot-app-insights"]
        names += [f"geobot-language-endpoint-{r}" for r in ids.variables["regions"]]
        vault = self.vaults[ids.names["key_vault"]]
        for name in names:
            try:
                self.authorize(infra.DEPLOYER.object_id, "keyvault.setSecret", f"{vault.resource_id}/secrets/{name}")
            except Refused as refused:
                raise ApplyFailed(f"azurerm_key_vault_secret ({name}): {refused.message}") from None
            if name not in vault.secrets:
                value = ids.connection_string if name == "geobot-app-insights" else f"configuration of {name}"
                vault.secrets[name] = [Secret(value, None)]

    def _import_into_app_service(self, ids: infra.Ids) -> None:
        """azurerm_app_service_certificate: App Service's own principal reads the certificate from Key Vault."""
        vault = self.vaults[ids.names["certificate_vault"]]
        name = ids.variables["certificate_name"]
        for op, kind in (("keyvault.getSecret", "secrets"), ("keyvault.getCertificate", "certificates")):
            try:
                self.authorize(infra.APP_SERVICE.object_id, op, f"{vault.resource_id}/{kind}/{name}")
            except Refused as refused:
                raise ApplyFailed(f"azurerm_app_service_certificate: {refused.message}") from None
        versions = vault.secrets.get(name)
        if not versions:
            raise ApplyFailed(f"azurerm_app_service_certificate: Key Vault {vault.name} holds no certificate {name}")
        self.bound = (base64.b64decode(versions[-1].value), len(versions))

    def _destroy(self) -> None:
        if self.variables is None:
            return
        ids = self.ids()
        for key in ("key_vault", "certificate_vault"):
            self.vaults.pop(ids.names[key], None)
            self.deleted_vaults[ids.names[key]] = ids.variables["global_region"]
        self.rbac.revoke("module.")
        self.rbac.revoke("azurerm_")
        self.apps.clear()
        self.languages.clear()
        self.documents.clear()
        self.variables, self.bound, self.bot_endpoint = None, None, None

    # ---- authorization --------------------------------------------------------------------

    def authorize(self, principal: str, name: str, resource: str) -> None:
        """A data-plane call: `name` is an operation of roles.json; Refused(403) when no effective role grants it."""
        self._check(principal, operation(name), resource, data=True)

    def authorize_action(self, principal: str, action: str, resource: str) -> None:
        """A control-plane (ARM) call."""
        self._check(principal, action, resource, data=False)

    def _check(self, principal: str, action: str, resource: str, data: bool) -> None:
        denied = self.rbac.check(principal, action, resource, data)
        self.calls.append(Call(principal, action, resource, denied))
        if denied is not None:
            code = "Forbidden" if data else "AuthorizationFailed"
            raise Refused(403, code, denied.message())

    def denials(self) -> list[Denial]:
        return [call.denied for call in self.calls if call.denied is not None]

    # ---- Key Vault ------------------------------------------------------------------------

    def vault(self, name: str) -> Vault:
        found = self.vaults.get(name)
        if found is None:
            raise Refused(404, "VaultNotFound", f"Key Vault {name} does not exist")
        return found

    def set_secret(self, principal: str, vault: str, name: str, value: str, content_type: str | None) -> Secret:
        return self._new_version(principal, "keyvault.setSecret", vault, "secrets", name, Secret(value, content_type))

    def get_secret(self, principal: str, vault: str, name: str) -> Secret:
        with self.lock:
            store = self.vault(vault)
            self.authorize(principal, "keyvault.getSecret", f"{store.resource_id}/secrets/{name}")
            versions = store.secrets.get(name)
            if not versions:
                raise Refused(404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")
            return versions[-1]

    def delete_secret(self, principal: str, vault: str, name: str) -> None:
        with self.lock:
            store = self.vault(vault)
            self.authorize(principal, "keyvault.deleteSecret", f"{store.resource_id}/secrets/{name}")
            if store.secrets.pop(name, None) is None:
                raise Refused(404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")
            self.changes.append(f"delete secret {vault}/{name}")

    def import_certificate(self, principal: str, vault: str, name: str, pfx_b64: str) -> Secret:
        """Key Vault keeps an imported PFX as the certificate and as its backing secret of the same name."""
        return self._new_version(principal, "keyvault.importCertificate", vault, "certificates", name, Secret(pfx_b64, PKCS12))

    def _new_version(self, principal: str, operation: str, vault: str, kind: str, name: str, secret: Secret) -> Secret:
        with self.lock:
            store = self.vault(vault)
            self.authorize(principal, operation, f"{store.resource_id}/{kind}/{name}")
            store.secrets.setdefault(name, []).append(secret)
            self.changes.append(f"{operation} {vault}/{name}")
            return secret

    # ---- Application Insights ---------------------------------------------------------------

    def track(self, principal: str, items: int) -> None:
        """Ingestion of `items` envelopes for this deployment's component; Refused(403) without Telemetry/Write."""
        with self.lock:
            self.authorize(principal, "insights.track", self.ids().app_insights)
            self.ingested[principal] = self.ingested.get(principal, 0) + items

    def _telemetry(self, identity: str) -> dict[str, Any]:
        """The bot's telemetry check: the verdict of the export it sends while it has no good one (`Exports`)."""
        exports = Exports("Application Insights")
        call = f"POST https://{self.ids().ingestion_host}{TRACK_PATH}"
        try:
            self.track(identity, 1)
        except Refused as refused:
            exports.refused(f"{refused.status} {TRACK_FORBIDDEN}", call, TELEMETRY_WRITE)
        else:
            exports.delivered(f"{call}: 200")
        return exports.check()

    # ---- web apps, Kudu, the routers --------------------------------------------------------

    def app_by_host(self, host: str) -> WebApp | None:
        ids = self.ids() if self.variables is not None else None
        if ids is None:
            return None
        return next((app for r, app in self.apps.items() if ids.default_hostname(r) == host), None)

    def app_by_scm(self, host: str) -> WebApp | None:
        return self.app_by_host(host.replace(".scm.", ".", 1))

    def zip_deploy(self, principal: str, app: WebApp, package: bytes) -> None:
        with self.lock:
            self.authorize_action(principal, "Microsoft.Web/sites/publish/action", self.ids().web_app(app.region))
            app.code = hashlib.sha256(package).hexdigest()
            app.crashed = app.region in self.crashing
            if app.version is None or app.region not in self.stale:
                app.version = version_of(package)
            self.changes.append(f"zip deploy {app.region}")

    def health(self, app: WebApp) -> tuple[int, dict[str, Any]]:
        """The bot's deep health check as it runs on the web app, with the app identity's roles."""
        with self.lock:
            ids = self.ids()
            if app.code is None:
                return 503, {"status": "unhealthy", "failed": ["site"],  # App Service's, not the bot's: no region
                             "components": {"site": {"status": "unhealthy", "reason": "the site has no code (nothing deployed)"}}}
            if app.crashed:
                return 503, {"status": "unhealthy", "failed": ["site"],
                             "components": {"site": {"status": "unhealthy", "reason": "the deployed code does not start"}}}
            identity = infra.app_identity(ids.variables, app.region).object_id
            failed: dict[str, str] = {}
            try:
                self.get_secret(identity, ids.names["key_vault"], f"geobot-language-endpoint-{app.region}")
            except Refused as refused:  # geobot.bot.settings: the vault's refusal, never its text
                failed["config"] = f"vault {ids.vault_uri('key_vault')} unreadable: {refusal(refused)}"
            account = ids.region_names(app.region)["language_account"]
            try:
                self.authorize(identity, "language.analyze", ids.language(app.region))
                if "production" not in self.languages.get(account, {}).get("geobot", Project()).deployments:
                    failed["language"] = "no deployment 'production' of project 'geobot'"
            except Refused as refused:
                failed["language"] = refusal(refused) or refused.message
            try:
                self._probe_store(identity, app.region)
            except Refused as refused:
                failed["store"] = refusal(refused) or refused.message
            components = {name: {"status": "unhealthy", "reason": reason} for name, reason in failed.items()}
            body = {"status": "unhealthy" if failed else "healthy", "region": app.region, "failed": sorted(failed),
                    "components": {**components, "telemetry": self._telemetry(identity)},  # telemetry: reported, never failing
                    "version": app.version}
            return (503 if failed else 200), body

    def _probe_store(self, identity: str, region: str) -> None:
        """The health check's read and write of the region's probe item (geobot.bot.services.check_store)."""
        container = self.ids().container()
        item = f"{container}/docs/health|{region}"
        self.authorize(identity, "cosmos.readMetadata", container)
        self.authorize(identity, "cosmos.readItem", item)
        self.authorize(identity, "cosmos.replaceItem" if item in self.documents else "cosmos.createItem", item)
        self.documents.add(item)

    def acme_answer(self, app: WebApp, secret_name: str) -> str | None:
        """What the bot serves at /.well-known/acme-challenge/<token>: read from the vault as the app identity."""
        ids = self.ids()
        identity = infra.app_identity(ids.variables, app.region).object_id
        try:
            return self.get_secret(identity, ids.names["key_vault"], secret_name).value
        except Refused:
            return None

    def monitor_status(self, region: str) -> str:
        """Traffic Manager's probe of one endpoint: HTTPS to the app's probe path; a Disabled one is not probed."""
        if not self.apps[region].enabled:
            return "Disabled"
        return "Online" if self.health(self.apps[region])[0] == 200 else "Degraded"

    def set_enabled(self, principal: str, action: str, region: str, enabled: bool) -> WebApp:
        """Enable or disable a region's endpoint (origin): 409 while another operation runs on the profile."""
        with self.lock:
            profile = self.ids().variables["edge"]
            self.authorize_action(principal, action, self.ids().rotation(region))
            if self.conflicts:
                self.conflicts -= 1
                raise Refused(409, "Conflict", f"Another operation on this or a dependent resource is in progress "
                                               f"(the {profile} profile is being updated). Retry the request later.")
            app = self.apps[region]
            if app.enabled != enabled:
                app.enabled = enabled
                self.rotation.append((region, enabled))
                self.changes.append(f"{'enable' if enabled else 'disable'} {region}")
                self.propagating[region] = 1
            return app

    def deployment_status(self, region: str) -> str:
        """A Front Door origin's deploymentStatus: InProgress for the first read after a change, then Succeeded."""
        with self.lock:
            if self.propagating.get(region):
                self.propagating[region] -= 1
                return "InProgress"
            return "Succeeded"

    def most_out_at_once(self) -> int:
        """The most regions out of rotation at the same moment, over the recorded history."""
        out: set[str] = set()
        most = 0
        for region, enabled in self.rotation:
            out = out - {region} if enabled else out | {region}
            most = max(most, len(out))
        return most

    def routed(self) -> WebApp | None:
        """Where the router sends a request: the first healthy region by priority. With none healthy
        Front Door has no origin (None) and Traffic Manager answers as if all were (the first)."""
        ids = self.ids()
        order = [self.apps[r] for r in sorted(ids.variables["regions"], key=lambda r: ids.variables["regions"][r]["priority"])
                 if self.apps[r].enabled]
        healthy = next((app for app in order if self.health(app)[0] == 200), None)
        return healthy if healthy is not None or ids.variables["edge"] == "frontdoor" or not order else order[0]
