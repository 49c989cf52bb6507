"""Key Vault data plane: azure-keyvault-secrets/-certificates against the recorded contracts.

Contracts: keyvault/SetSecret, DeleteSecret, GetSecret, ImportCertificate (official examples),
Error_401_Challenge / Error_404_SecretNotFound / Error_403_Forbidden (derived). Every client's
first request is the SDK's token-less challenge, answered with Error_401_Challenge. Bodies
geobot sends must use only fields the recorded request has.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from geobot.certs.pfx import build_pfx, read_pfx
from geobot.errors import CertError
from geobot.targets.azure.errors import AzureNotFound
from geobot.targets.azure.keyvault import PKCS12, KeyVault
from geobot.targets.azure.session import AzureSession
from tests.certificates import make_cert
from tests.unit.targets.azure.conftest import StaticToken
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

# The newest stable data-plane version in the specs (contracts README). The recorded examples
# are at 2025-06-01, 7.6 and 7.5, whose wire shape is the same for these operations.
KV_API = "2025-07-01"


@pytest.fixture
def vault_url() -> str:
    """A fresh vault host per test: the SDK caches each host's challenge for the whole process."""
    return f"https://kv{uuid.uuid4().hex[:12]}.vault.azure.net/"


def url(vault_url: str, path: str) -> str:
    return f"{vault_url.rstrip('/')}{path}?api-version={KV_API}"


def shaped_like(sent: Any, recorded: Any) -> bool:
    """Every field of `sent` exists, with the same JSON type, in the recorded request."""
    if isinstance(sent, dict):
        return isinstance(recorded, dict) and all(
            k in recorded and shaped_like(v, recorded[k]) for k, v in sent.items()
        )
    return type(sent) is type(recorded)


def a_pfx() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return build_pfx(key, make_cert(key, ["bot.example.com"]), [], None)


def test_set_secret_answers_the_challenge_then_puts_the_value(
    azure: ContractServer, session: AzureSession, credential: StaticToken, vault_url: str
) -> None:
    azure.expect(
        Exchange(
            "PUT",
            url(vault_url, "/secrets/acme-token"),
            Reply.of("keyvault/SetSecret", 200),
            json={"value": "key-auth"},
        )
    )
    KeyVault(session, vault_url).set_secret("acme-token", "key-auth")
    challenge, put = azure.seen
    assert challenge.challenge and challenge.body == b"" and "authorization" not in challenge.headers
    assert shaped_like(put.json(), contract("keyvault/SetSecret")["parameters"]["parameters"])
    assert set(credential.scopes) == {"https://vault.azure.net/.default"}


def test_delete_secret_deletes_without_waiting(azure: ContractServer, session: AzureSession, vault_url: str) -> None:
    azure.expect(Exchange("DELETE", url(vault_url, "/secrets/acme-token"), Reply.of("keyvault/DeleteSecret", 200)))
    KeyVault(session, vault_url).delete_secret("acme-token")
    assert [s.method for s in azure.answered()] == ["DELETE"]  # no polling of /deletedsecrets


def test_deleting_a_secret_that_is_gone_is_fine_and_not_retried(
    azure: ContractServer, session: AzureSession, vault_url: str
) -> None:
    azure.expect(
        Exchange(
            "DELETE", url(vault_url, "/secrets/acme-token"), Reply.of("keyvault/Error_404_SecretNotFound.derived", 404)
        )
    )
    KeyVault(session, vault_url).delete_secret("acme-token")
    assert len(azure.answered()) == 1


@pytest.mark.parametrize("password", [None, "pfx-password"])
def test_import_certificate_sends_the_pfx_with_an_exportable_pkcs12_policy(
    azure: ContractServer, session: AzureSession, vault_url: str, password: str | None
) -> None:
    pfx = a_pfx()
    sent = {
        "value": base64.b64encode(pfx).decode(),
        "policy": {"key_props": {"exportable": True}, "secret_props": {"contentType": PKCS12}},
    } | ({"pwd": password} if password else {})
    azure.expect(
        Exchange(
            "POST",
            url(vault_url, "/certificates/bot-tls/import"),
            Reply.of("keyvault/ImportCertificate", 200),
            json=sent,
        )
    )
    thumbprint = KeyVault(session, vault_url).import_certificate("bot-tls", pfx, password)
    assert shaped_like(sent, contract("keyvault/ImportCertificate")["parameters"]["parameters"])
    recorded_x5t = contract("keyvault/ImportCertificate")["responses"]["200"]["body"]["x5t"]
    assert thumbprint == base64.urlsafe_b64decode(recorded_x5t + "=").hex()


def backing_secret(pfx: bytes, content_type: str = PKCS12) -> Reply:
    """GetSecret's answer as Key Vault gives it for a certificate: base64 PFX, pkcs12, managed."""
    reply = Reply.of("keyvault/GetSecret", 200)
    reply.body.update(value=base64.b64encode(pfx).decode(), contentType=content_type, managed=True)
    return reply


def test_export_reads_the_current_version_of_the_backing_secret(
    azure: ContractServer, session: AzureSession, vault_url: str
) -> None:
    pfx = a_pfx()
    azure.expect(Exchange("GET", url(vault_url, "/secrets/bot-tls/"), backing_secret(pfx)))
    exported = KeyVault(session, vault_url).export_certificate("bot-tls")
    assert exported == pfx
    assert read_pfx(exported, None).cert.subject.rfc4514_string() == "CN=bot.example.com"


def test_export_refuses_a_certificate_kept_as_pem(azure: ContractServer, session: AzureSession, vault_url: str) -> None:
    azure.expect(Exchange("GET", url(vault_url, "/secrets/bot-tls/"), backing_secret(b"-", "application/x-pem-file")))
    with pytest.raises(CertError, match="stored as application/x-pem-file, not as a PFX"):
        KeyVault(session, vault_url).export_certificate("bot-tls")


def test_export_of_a_missing_certificate_is_not_found_at_once(
    azure: ContractServer, session: AzureSession, vault_url: str
) -> None:
    azure.expect(
        Exchange("GET", url(vault_url, "/secrets/bot-tls/"), Reply.of("keyvault/Error_404_SecretNotFound.derived", 404))
    )
    with pytest.raises(AzureNotFound) as raised:
        KeyVault(session, vault_url).export_certificate("bot-tls")
    assert raised.value.message.startswith(
        f"cannot read certificate 'bot-tls' from Key Vault {vault_url}: not found (404 SecretNotFound): "
        "A secret with (name/id) secret-name1 was not found in this key vault."
    )
    assert len(azure.answered()) == 1  # a vault's own 404 is an answer, not propagation


def test_get_certificate_is_none_while_the_vault_has_none(azure: ContractServer, session: AzureSession, vault_url: str) -> None:
    azure.expect(
        Exchange("GET", url(vault_url, "/secrets/geobot-tls/"), Reply.of("keyvault/Error_404_SecretNotFound.derived", 404))
    )
    assert KeyVault(session, vault_url).get_certificate("geobot-tls") is None


def test_get_certificate_returns_the_current_pfx(azure: ContractServer, session: AzureSession, vault_url: str) -> None:
    pfx = a_pfx()
    azure.expect(Exchange("GET", url(vault_url, "/secrets/geobot-tls/"), backing_secret(pfx)))
    assert KeyVault(session, vault_url).get_certificate("geobot-tls") == pfx


def test_get_secret_reads_the_current_value_or_none(azure: ContractServer, session: AzureSession, vault_url: str) -> None:
    recorded = Reply.of("keyvault/GetSecret", 200)
    azure.expect(
        Exchange("GET", url(vault_url, "/secrets/geobot-tls-settings/"), recorded),
        Exchange("GET", url(vault_url, "/secrets/missing/"), Reply.of("keyvault/Error_404_SecretNotFound.derived", 404)),
    )
    vault = KeyVault(session, vault_url)
    assert vault.get_secret("geobot-tls-settings") == recorded.body["value"]
    assert vault.get_secret("missing") is None
