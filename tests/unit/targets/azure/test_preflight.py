"""Preflight against the recorded contracts: providers, then each global name, and the deleted vault choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import InputError
from geobot.pipeline.stage import StageContext
from geobot.targets.azure.clients import PreflightClients
from geobot.targets.azure.preflight import Preflight
from geobot.targets.azure.providers import required_providers
from geobot.targets.azure.session import AzureSession
from geobot.terraform.binary import find
from tests.unit.targets.azure import test_botservice as bots
from tests.unit.targets.azure import test_trafficmanager as tm
from tests.unit.targets.azure import test_vaults as vaults
from tests.unit.targets.azure.conftest import SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract
from tests.unit.targets.azure.test_providers import list_providers, listing

NAME = "geobot"


def config(**env: str) -> Config:
    return configuration.load(None, {"GEOBOT_DOMAIN": "bot.example.com",
                                     "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION, **env}, {"target": "azure"})


def preflight(config: Config, session: AzureSession) -> Preflight:
    return Preflight(config, find({}), {}, lambda: PreflightClients(session))


def run(stage: Preflight, tmp_path: Path, notes: list[str]) -> dict:
    ctx = StageContext(tmp_path, {}, lambda event: notes.append(event.text), lambda question: False, "preflight")
    return dict(stage.run(ctx))


def names_free() -> list[Exchange]:
    dns_request = contract(tm.CHECK + "_available")["parameters"]["parameters"] | {"name": NAME}
    bot_request = contract(bots.CHECK)["parameters"]["parameters"] | {"type": "azurebot", "name": f"bot-{NAME}"}
    return [
        Exchange("POST", tm.CHECK_URL, Reply.of(tm.CHECK + "_available", 200), json=dns_request),
        Exchange("POST", bots.CHECK_URL, Reply.of(bots.CHECK, 200), json=bot_request),
    ]


def vault_check(reply: Reply) -> Exchange:
    return vaults.check(reply, name=f"kv-{NAME}")


def test_a_fresh_subscription_registers_providers_and_finds_every_name_free(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    free = Reply.of("keyvault-mgmt/Vaults_CheckNameAvailability", 200)
    azure.expect(list_providers(listing()), *names_free(), vault_check(free), vaults.check(free, name=f"kvc-{NAME}"))
    outputs = run(preflight(config(), session), tmp_path, [])
    assert outputs["subscription"] == SUBSCRIPTION
    assert outputs["providers"] == len(required_providers(front_door=False)) == 9


def test_a_deleted_vault_of_the_name_stops_the_deploy_with_the_two_choices(
    azure: ContractServer, session: AzureSession, tmp_path: Path
) -> None:
    azure.expect(list_providers(listing()), *names_free(),
                 vault_check(vaults.unavailable("AlreadyExists", vaults.IN_USE)), *vaults.deleted_pages(f"kv-{NAME}"))
    with pytest.raises(InputError, match=r"azure.deleted_vault: Key Vault kv-geobot .* deleted on 2017-01-01") as raised:
        run(preflight(config(), session), tmp_path, [])
    assert '"recover"' in raised.value.hint and '"purge"' in raised.value.hint


def test_recover_leaves_the_deleted_vault_to_terraform(azure: ContractServer, session: AzureSession, tmp_path: Path) -> None:
    azure.expect(list_providers(listing()), *names_free(),
                 vault_check(vaults.unavailable("AlreadyExists", vaults.IN_USE)), *vaults.deleted_pages(f"kv-{NAME}"))
    notes: list[str] = []
    azure.expect(vaults.check(Reply.of("keyvault-mgmt/Vaults_CheckNameAvailability", 200), name=f"kvc-{NAME}"))
    run(preflight(config(GEOBOT_AZURE_DELETED_VAULT="recover"), session), tmp_path, notes)
    assert any("Terraform recovers it" in note for note in notes)


def test_a_name_taken_by_someone_else_is_bad_input(azure: ContractServer, session: AzureSession, tmp_path: Path) -> None:
    dns_request = contract(tm.CHECK + "_available")["parameters"]["parameters"] | {"name": NAME}
    taken = Reply.of(tm.CHECK + "_unavailable.2022-04-01", 200)
    azure.expect(list_providers(listing()), Exchange("POST", tm.CHECK_URL, taken, json=dns_request))
    with pytest.raises(InputError, match=r"name: geobot.trafficmanager.net is taken"):
        run(preflight(config(), session), tmp_path, [])


def test_a_deployed_infrastructure_skips_the_name_checks(azure: ContractServer, session: AzureSession, tmp_path: Path) -> None:
    azure.expect(list_providers(listing()))
    ctx = StageContext(tmp_path, {"infrastructure": {"host_name": "bot.example.com"}}, lambda event: None,
                       lambda question: False, "preflight")
    assert preflight(config(), session).run(ctx)["subscription"] == SUBSCRIPTION
