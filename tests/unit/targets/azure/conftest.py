"""The Azure contract tests' network: Azure's host names lead to one loopback contract server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from geobot.targets.azure.session import AzureSession, Retry
from tests.unit.targets.azure.contract_server import TOKEN, ContractServer

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
VAULT_URL = "https://myvault.vault.azure.net/"
AZURE_HOSTS = ["management.azure.com", "*.vault.azure.net", "*.scm.azurewebsites.net"]
FAST = Retry(attempts=2, backoff=0.01, backoff_max=1, propagation_attempts=2, propagation_delay=0.01)


class StaticToken:
    """A TokenCredential that hands out one token and records the scopes it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.extend(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        self.scopes.extend(scopes)
        return AccessTokenInfo(TOKEN, int(time.time()) + 3600)


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def azure(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ContractServer]:
    """The contract server, reached at Azure's own host names; no other name resolves."""
    server = ContractServer(ca, AZURE_HOSTS)
    bundle = tmp_path / "azure-test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name == "management.azure.com" or name.endswith((".vault.azure.net", ".scm.azurewebsites.net")):
            return real("127.0.0.1", server.port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{name} is not reachable from the contract tests")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    try:
        yield server
    finally:
        server.close()
    server.verify()


@pytest.fixture
def credential() -> StaticToken:
    return StaticToken()


@pytest.fixture
def session(credential: StaticToken) -> AzureSession:
    return AzureSession(credential, SUBSCRIPTION, FAST)
