"""Error paths, through the real SDK clients: what the user reads, and what is retried how often.

Contracts: arm-errors/* (ResourceNotFound_404, Conflict_409, TooManyRequests_429 from the shared
set; InvalidAuthenticationToken_401, AuthorizationFailed_403, ServiceUnavailable_503 written
for these tests from quoted live responses), keyvault/Error_403_Forbidden (access policy),
Error_403_ForbiddenByRbac and Error_401_Challenge. Retry-After values are shrunk to tenths of
a second; FAST in conftest makes backoff 0.01 s, so only the header can explain a longer pause.
"""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest

from geobot.errors import CloudError, PrerequisiteError
from geobot.targets.azure.botservice import BotService
from geobot.targets.azure.errors import SIGN_IN_HINT, AzureConflict, AzureNotFound
from geobot.targets.azure.keyvault import KeyVault
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.trafficmanager import TrafficManager
from geobot.targets.azure.zipdeploy import ZipDeploy
from tests.unit.targets.azure.conftest import FAST, SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply
from tests.unit.targets.azure.test_botservice import BOT_URL, patched_properties
from tests.unit.targets.azure.test_keyvault import KV_API
from tests.unit.targets.azure.test_trafficmanager import PROFILE_URL

RG = "rg-geobot-global"


def profile_get(reply: Reply) -> Exchange:
    return Exchange("GET", PROFILE_URL, reply)


def ok_profile() -> Reply:
    return Reply.of("trafficmanager/Profiles_Get", 200)


def throttled(seconds: str) -> Reply:
    reply = Reply.of("arm-errors/TooManyRequests_429.derived", 429)
    return Reply(429, reply.body, {**reply.headers, "Retry-After": seconds})


def gaps(azure: ContractServer) -> list[float]:
    at = [s.at for s in azure.answered()]
    return [b - a for a, b in itertools.pairwise(at)]


@pytest.fixture
def vault() -> str:
    return f"https://kv{uuid.uuid4().hex[:12]}.vault.azure.net"


# 401: not signed in ------------------------------------------------------------------------


def test_a_token_arm_rejects_means_sign_in_again(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(profile_get(Reply.of("arm-errors/InvalidAuthenticationToken_401.derived", 401)))
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, RG, "geobot-tm").read()
    assert raised.value.message == (
        "not signed in to Azure: refused to read Traffic Manager profile 'geobot-tm' "
        "(401 InvalidAuthenticationToken): The access token is invalid."
    )
    assert raised.value.hint == SIGN_IN_HINT and raised.value.exit_code == 1
    assert len(azure.answered()) == 1


def test_a_token_key_vault_rejects_means_sign_in_again(
    azure: ContractServer, session: AzureSession, vault: str
) -> None:
    azure.expect(
        Exchange(
            "PUT",
            f"{vault}/secrets/acme-token?api-version={KV_API}",
            Reply.of("keyvault/Error_401_Challenge.derived", 401),
            json={"value": "v"},
        )
    )
    with pytest.raises(
        CloudError, match="^not signed in to Azure: refused to set secret 'acme-token' .*\\(401 Unauthorized\\)"
    ) as raised:
        KeyVault(session, vault + "/").set_secret("acme-token", "v")
    assert raised.value.hint == SIGN_IN_HINT


def test_no_sign_in_at_all_is_a_missing_prerequisite(
    azure: ContractServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [n for n in os.environ if n.startswith(("AZURE_", "IDENTITY_", "MSI_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))  # no az, azd or pwsh to ask
    session = AzureSession.signed_in(SUBSCRIPTION, {}, FAST)
    with pytest.raises(PrerequisiteError) as raised:
        TrafficManager(session, RG, "geobot-tm").read()
    assert raised.value.message.startswith(
        "not signed in to Azure (needed to read Traffic Manager profile 'geobot-tm'): DefaultAzureCredential failed"
    )
    assert raised.value.hint == SIGN_IN_HINT and raised.value.exit_code == 2
    assert azure.seen == []


# 403: the missing permission and the role that grants it -------------------------------------


def test_arm_403_names_the_denied_action_and_the_role(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(profile_get(Reply.of("arm-errors/AuthorizationFailed_403.derived", 403)))
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, RG, "geobot-tm").read()
    assert raised.value.message == (
        "permission denied to read Traffic Manager profile 'geobot-tm': "
        "missing permission 'Microsoft.Network/trafficManagerProfiles/read'"
    )
    assert raised.value.hint.startswith("give the signed-in identity the role 'Reader'")


def test_key_vault_rbac_403_names_the_data_action_and_the_role(
    azure: ContractServer, session: AzureSession, vault: str
) -> None:
    azure.expect(
        Exchange(
            "PUT",
            f"{vault}/secrets/acme-token?api-version={KV_API}",
            Reply.of("keyvault/Error_403_ForbiddenByRbac.derived", 403),
            json={"value": "v"},
        )
    )
    with pytest.raises(CloudError) as raised:
        KeyVault(session, vault + "/").set_secret("acme-token", "v")
    assert raised.value.message.endswith("missing permission 'Microsoft.KeyVault/vaults/secrets/setSecret/action'")
    assert "'Key Vault Secrets Officer'" in raised.value.hint
    assert "v" not in raised.value.message.split("'")[1::2]  # the value is not quoted anywhere


def test_key_vault_access_policy_403_names_the_permission(
    azure: ContractServer, session: AzureSession, vault: str
) -> None:
    azure.expect(
        Exchange(
            "GET",
            f"{vault}/secrets/bot-tls/?api-version={KV_API}",
            Reply.of("keyvault/Error_403_Forbidden.derived", 403),
        )
    )
    with pytest.raises(CloudError) as raised:
        KeyVault(session, vault + "/").export_certificate("bot-tls")
    assert raised.value.message.endswith("missing permission 'secrets get'")
    assert "'Key Vault Secrets User'" in raised.value.hint


# 404 while propagating, 409 -------------------------------------------------------------------


def test_a_404_while_a_new_resource_propagates_is_retried(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(profile_get(Reply.of("arm-errors/ResourceNotFound_404.derived", 404)), profile_get(ok_profile()))
    assert TrafficManager(session, RG, "geobot-tm").read().monitor_status == "CheckingEndpoints"
    assert gaps(azure)[0] >= FAST.propagation_delay


def test_a_404_that_persists_is_not_found_after_a_bounded_wait(azure: ContractServer, session: AzureSession) -> None:
    not_found = Reply.of("arm-errors/ResourceNotFound_404.derived", 404)
    azure.expect(*[Exchange("GET", BOT_URL, not_found) for _ in range(FAST.propagation_attempts + 1)])
    with pytest.raises(AzureNotFound) as raised:
        BotService(session, RG, "geobot-bot").set_messaging_endpoint("bot.example.com")
    assert raised.value.message.startswith("cannot read Azure Bot 'geobot-bot': not found (404 ResourceNotFound)")


def test_409_is_a_conflict_and_not_retried(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(
        Exchange("GET", BOT_URL, Reply.of("botservice/Bots_Get", 200)),
        Exchange(
            "PATCH",
            BOT_URL,
            Reply.of("arm-errors/Conflict_409.derived", 409),
            json={"properties": patched_properties()},
        ),
    )
    with pytest.raises(AzureConflict) as raised:
        BotService(session, RG, "geobot-bot").set_messaging_endpoint("bot.example.com")
    assert raised.value.message == (
        "conflict, cannot set the messaging endpoint of Azure Bot 'geobot-bot' (409 Conflict): "
        "The resource 'sample' is in a conflicting state. Another operation is in progress."
    )
    assert "wait for it to finish" in raised.value.hint


# 429 and 5xx: the SDK's RetryPolicy -----------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(profile_get(throttled("0.3")), profile_get(ok_profile()))
    TrafficManager(session, RG, "geobot-tm").read()
    assert gaps(azure)[0] >= 0.3


def test_429_that_persists_is_a_cloud_error(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(*[profile_get(throttled("0.05")) for _ in range(FAST.attempts + 1)])
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, RG, "geobot-tm").read()
    assert raised.value.message.startswith(
        "Azure throttled the requests to read Traffic Manager profile 'geobot-tm' (429 TooManyRequests): "
        "The request is being throttled"
    )
    assert min(gaps(azure)) >= 0.05


def test_5xx_is_retried_with_backoff_then_fails(azure: ContractServer, session: AzureSession) -> None:
    unavailable = Reply.of("arm-errors/ServiceUnavailable_503.derived", 503)
    azure.expect(*[profile_get(unavailable) for _ in range(FAST.attempts + 1)])
    with pytest.raises(CloudError) as raised:
        TrafficManager(session, RG, "geobot-tm").read()
    assert raised.value.message == (
        "Azure failed to read Traffic Manager profile 'geobot-tm' (503 ServiceUnavailable): "
        f"The service is temporarily unavailable. Please try again later. (retried up to {FAST.attempts} times)"
    )
    first, second = gaps(azure)
    assert first >= FAST.backoff and second >= 2 * FAST.backoff  # exponential


def test_a_500_on_patch_is_retried_and_then_succeeds(azure: ContractServer, session: AzureSession) -> None:
    failed = Reply(500, {"error": {"code": "InternalServerError", "message": "Encountered internal server error."}})
    patch = {"properties": patched_properties()}
    azure.expect(
        Exchange("GET", BOT_URL, Reply.of("botservice/Bots_Get", 200)),
        Exchange("PATCH", BOT_URL, failed, json=patch),
        Exchange("PATCH", BOT_URL, Reply.of("botservice/Bots_Update", 200), json=patch),
    )
    assert BotService(session, RG, "geobot-bot").set_messaging_endpoint("bot.example.com") is True


def test_a_host_that_cannot_be_reached_is_a_cloud_error(azure: ContractServer, session: AzureSession) -> None:
    with pytest.raises(CloudError) as raised:
        ZipDeploy(session, "geobot.azurewebsites.invalid").deploy(b"zip")
    assert raised.value.message.startswith("cannot reach Azure to zip deploy to web app 'geobot':")
    assert azure.seen == []
