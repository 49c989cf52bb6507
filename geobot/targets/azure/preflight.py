"""Everything that can stop an Azure deploy, checked before anything is created.

preflight (always): Terraform; the sign-in (DefaultAzureCredential: `az login`, a service
principal or a federated token in CI) through the first ARM call; the resource providers
(azurerm 5 registers none by itself); and, until the infrastructure exists, the globally
unique names: the Traffic Manager DNS name, the bot handle, and the Key Vault name with the
soft-deleted vault that may hold it (recovered by Terraform or purged here, as the user chose).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from geobot.config import Config
from geobot.errors import InputError
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.azure.clients import PreflightClients
from geobot.targets.azure.providers import required_providers
from geobot.targets.azure.vaults import Vaults
from geobot.targets.azure.variables import impossible
from geobot.terraform.binary import Binary


class Preflight(Stage):
    name = "preflight"
    description = "check Terraform, the Azure sign-in, resource providers and name availability"
    always_run = True

    def __init__(self, config: Config, binary: Binary, env: Mapping[str, str],
                 clients: Callable[[], PreflightClients]) -> None:
        self.config = config
        self.binary = binary
        self.env = env
        self.clients = clients

    def preview(self, ctx: StageContext) -> str | None:
        """`geobot plan` runs offline: it says what deploy would refuse instead of asking Azure."""
        problems = impossible(self.config)
        return "; ".join(f"deploy will refuse: {p.message}; {p.hint}" for p in problems) or None

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        clients = self.clients()
        outputs: dict[str, Any] = {"terraform": self.binary.describe(), "subscription": clients.session.subscription_id}
        registration = clients.providers().ensure_registered(
            required_providers(self.config.azure.edge == "frontdoor", self.config.azure.backend == "blob"))
        if registration.registered:
            ctx.note(f"registered resource providers: {', '.join(registration.registered)}")
        outputs["providers"] = len(registration.already) + len(registration.registered)
        if not ctx.output_of("infrastructure"):
            self._names_free(ctx, clients)
        if self.config.certificate.source == "letsencrypt" and self.config.azure.edge == "trafficmanager":
            from geobot.certs import acme

            outputs["certbot"] = " ".join(acme.find_certbot(self.env))
            acme.check_directory(self.config.certificate.acme_directory, self.env)
        return outputs

    def _names_free(self, ctx: StageContext, clients: PreflightClients) -> None:
        names = self.config.resource_names()
        if self.config.azure.edge == "trafficmanager":
            dns = clients.traffic_manager_names().dns_name_available(names["traffic_manager_dns"])
            if not dns.available:
                raise self._taken(f"{names['traffic_manager_dns']}.trafficmanager.net", dns.reason)
        bot = clients.bot_names().name_available(names["bot"])
        if not bot.available:
            raise self._taken(f"the Azure Bot handle {names['bot']}", bot.reason)
        vaults = clients.vaults()
        for key in ("key_vault", "certificate_vault"):
            self._vault_free(ctx, vaults, names[key])

    def _vault_free(self, ctx: StageContext, vaults: Vaults, name: str) -> None:
        vault = vaults.name_available(name)
        if vault.available:
            return
        if vault.deleted is None:
            raise self._taken(f"the Key Vault name {name}", vault.reason)
        deleted, choice = vault.deleted, self.config.azure.deleted_vault
        when = f"deleted on {deleted.deletion_date:%Y-%m-%d}, kept until {deleted.purge_date:%Y-%m-%d}" \
            if deleted.deletion_date and deleted.purge_date else "soft-deleted"
        if choice == "refuse":
            raise InputError(f"azure.deleted_vault: Key Vault {deleted.name} of this subscription is {when}",
                             'set azure.deleted_vault = "recover" to bring it back with its secrets and certificate, '
                             'or "purge" to delete it for good (GEOBOT_AZURE_DELETED_VAULT)')
        if choice == "purge":
            if deleted.purge_protection:
                raise InputError(f"azure.deleted_vault: Key Vault {deleted.name} has purge protection and cannot be "
                                 f"purged ({when})", 'set azure.deleted_vault = "recover", or choose another name')
            ctx.note(f"purging the deleted Key Vault {deleted.name} ({when})")
            vaults.purge(deleted.name, deleted.location)
        else:
            ctx.note(f"Key Vault {deleted.name} is {when}: Terraform recovers it with what it held")

    def _taken(self, what: str, reason: str) -> InputError:
        return InputError(f"name: {what} is taken{' (' + reason + ')' if reason else ''}",
                          "names are global: choose another bot name (name in geobot.toml, or GEOBOT_NAME)")
