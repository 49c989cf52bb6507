"""The vault URL: local directory or Key Vault, the latter against its REST contract over TLS."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from geobot.bot.settings import load_settings
from geobot.bot.vaults import open_vault
from geobot.errors import InputError
from geobot.targets.local.vault import LocalVault
from tests.unit.bot.helpers import FixedToken
from tests.unit.nlu.contract_server import ContractServer, fixture


def test_file_urls_open_the_local_vault(tmp_path: Path) -> None:
    LocalVault(tmp_path / "v").set_secret("geobot-store-url", "sqlite:///x.db")
    vault = open_vault((tmp_path / "v").as_uri())
    assert isinstance(vault, LocalVault) and vault.get_secret("geobot-store-url") == "sqlite:///x.db"
    with pytest.raises(InputError, match="expected https://<name>.vault.azure.net or file:///"):
        open_vault("ftp://vault")


def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """The contract server's TLS context and the CA file its client trusts."""
    trustme = pytest.importorskip("trustme", reason="trustme makes the local TLS certificate")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


def test_key_vault_secrets_follow_the_challenge_and_read_the_value(tmp_path: Path) -> None:
    pytest.importorskip("azure.keyvault.secrets", reason="the [azure] extra is not installed")
    from geobot.bot.vaults import KeyVaultSecrets

    context, ca_file = tls(tmp_path)
    challenge = fixture("keyvault", "Error_401_Challenge.derived")["responses"]["401"]
    found = fixture("keyvault", "GetSecret")["responses"]["200"]["body"]
    missing = fixture("keyvault", "Error_404_SecretNotFound.derived")["responses"]["404"]

    async def scenario():
        async with ContractServer(context) as server:
            server.expect("GET", "/secrets/geobot-store-url/", 401, challenge["body"], challenge["headers"])
            server.expect("GET", "/secrets/geobot-store-url/", 200, found)
            server.expect("GET", "/secrets/geobot-drill-key/", 404, missing["body"], missing["headers"])
            vault = KeyVaultSecrets(server.url, FixedToken(), verify_challenge_resource=False,
                                    connection_verify=str(ca_file))
            names = ("geobot-store-url", "geobot-drill-key")
            values = [await asyncio.to_thread(vault.get_secret, name) for name in names]
            return values, server.requests

    values, requests = asyncio.run(scenario())
    assert values == ["mysecretvalue", None]
    assert [r.headers.get("Authorization") for r in requests] == [None, "Bearer test-token", "Bearer test-token"]
    assert all(set(r.query) == {"api-version"} for r in requests)


def test_a_vault_that_refuses_the_identity_names_the_permission_it_lacks_and_nothing_else(tmp_path: Path) -> None:
    pytest.importorskip("azure.keyvault.secrets", reason="the [azure] extra is not installed")
    from geobot.bot.vaults import KeyVaultSecrets

    context, ca_file = tls(tmp_path)
    challenge = fixture("keyvault", "Error_401_Challenge.derived")["responses"]["401"]
    forbidden = fixture("keyvault", "Error_403_ForbiddenByRbac.derived")["responses"]["403"]

    async def scenario():
        async with ContractServer(context) as server:
            first = "/secrets/geobot-language-endpoint-koreacentral/"  # the first setting it reads
            server.expect("GET", first, 401, challenge["body"], challenge["headers"])
            server.expect("GET", first, 403, forbidden["body"], forbidden["headers"])
            vault = KeyVaultSecrets(server.url, FixedToken(), verify_challenge_resource=False,
                                    connection_verify=str(ca_file), retry_total=0)
            return server.url, await asyncio.to_thread(load_settings, vault.get_secret, "koreacentral", server.url)

    url, settings = asyncio.run(scenario())
    assert settings.problems["config"] == (f"vault {url} unreadable: refused (403): "
                                           "the identity lacks Microsoft.KeyVault/vaults/secrets/getSecret/action")
    assert "oid=" not in settings.problems["config"]  # nothing else of the refusal's text
