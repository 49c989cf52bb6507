"""The real ACME flow: certbot against Pebble, HTTP-01 answered by a real regional bot from the vault."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import PolicyBuilder, Store

from geobot.certs import acme
from geobot.certs.pfx import build_pfx, verify_pfx
from geobot.errors import CertError, PrerequisiteError
from geobot.targets.local.vault import LocalVault
from tests.pebble import Pebble, run_pebble
from tests.unit.bot.helpers import make_vault, serve

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
HOST = "demo.localhost"  # Pebble accepts it; Let's Encrypt would not, which does not matter here


@contextlib.contextmanager
def running_bot(vault: LocalVault, region: str) -> Iterator[int]:
    """One region's bot (the real app) on a free loopback port, in its own event loop thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = serve(vault, region)
    try:
        base = asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(60)
        try:
            yield urlsplit(base).port or 0
        finally:
            asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(60)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(autouse=True)
def certbot() -> None:
    try:
        acme.find_certbot(os.environ)
    except PrerequisiteError:
        pytest.skip("certbot is not installed (pip install certbot)")


@pytest.fixture
def vault(tmp_path: Path) -> LocalVault:
    return make_vault(tmp_path)


@pytest.fixture
def bot_port(vault: LocalVault) -> Iterator[int]:
    with running_bot(vault, "west") as port:
        yield port


@pytest.fixture
def pebble(tmp_path: Path, bot_port: int) -> Iterator[Pebble]:
    with run_pebble(tmp_path / "pebble", bot_port) as server:
        yield server


def pebble_env(pebble: Pebble) -> dict[str, str]:
    return {**os.environ, "REQUESTS_CA_BUNDLE": str(pebble.ca_bundle)}


def test_issues_a_certificate_validated_by_the_bot_and_cleans_the_token(
    pebble: Pebble, vault: LocalVault, tmp_path: Path
) -> None:
    secrets_before = vault.list_secrets()
    lines: list[str] = []
    pfx = acme.issue(HOST, "ops@example.test", pebble.directory, vault.url, tmp_path / "le", pebble_env(pebble),
                     emit=lines.append)

    verify_pfx(build_pfx(pfx.key, pfx.cert, pfx.chain, "pw"), "pw", HOST)  # covers the host, key matches, in date
    root = next(cert for cert in x509.load_pem_x509_certificates(pebble.roots()) if cert.issuer == cert.subject)
    verifier = PolicyBuilder().store(Store([root])).build_server_verifier(x509.DNSName(HOST))
    assert verifier.verify(pfx.cert, list(pfx.chain))[-1] == root
    assert vault.list_secrets() == secrets_before  # the cleanup hook removed the token's secret
    assert any(line.startswith("Requesting a certificate for demo.localhost") for line in lines)
    assert not any("Donating" in line for line in lines)
    assert oct((tmp_path / "le").stat().st_mode & 0o777) == "0o700"
    assert isinstance(pfx.key, rsa.RSAPrivateKey) and pfx.key.key_size == 2048


def test_a_host_name_longer_than_a_common_name_is_certified_in_the_subject_alt_name(
    pebble: Pebble, vault: LocalVault, tmp_path: Path
) -> None:
    host = "the-reservation-bot-of-a-restaurant-chain-in-many-countries.localhost"
    assert len(host) > 64  # too long for a CN: certbot's CSR names it in the subjectAltName only
    pfx = acme.issue(host, "ops@example.test", pebble.directory, vault.url, tmp_path / "le", pebble_env(pebble))

    verify_pfx(build_pfx(pfx.key, pfx.cert, pfx.chain, "pw"), "pw", host)
    root = next(cert for cert in x509.load_pem_x509_certificates(pebble.roots()) if cert.issuer == cert.subject)
    verifier = PolicyBuilder().store(Store([root])).build_server_verifier(x509.DNSName(host))
    assert verifier.verify(pfx.cert, list(pfx.chain))[-1] == root


def test_a_second_issue_renews_the_existing_lineage(pebble: Pebble, vault: LocalVault, tmp_path: Path) -> None:
    env = pebble_env(pebble)
    first = acme.issue(HOST, "ops@example.test", pebble.directory, vault.url, tmp_path / "le", env)
    second = acme.issue(HOST, "ops@example.test", pebble.directory, vault.url, tmp_path / "le", env)
    assert second.cert.serial_number != first.cert.serial_number
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert second.key.public_key().public_bytes(*spki) == second.cert.public_key().public_bytes(*spki)


def test_validation_failure_names_the_acme_problem_and_the_log(pebble: Pebble, tmp_path: Path) -> None:
    elsewhere = LocalVault(tmp_path / "other-vault")  # the hook stores here; the bot reads another vault
    with pytest.raises(CertError) as caught:
        acme.issue(HOST, "ops@example.test", pebble.directory, elsewhere.url, tmp_path / "le", pebble_env(pebble))
    error = caught.value
    assert "\n" not in error.message
    assert error.message.startswith(f"certbot could not get a certificate for {HOST}: unauthorized: ")
    assert "404" in error.message
    assert str(tmp_path / "le" / "logs" / "letsencrypt.log") in error.hint
    assert elsewhere.list_secrets() == []


def test_check_directory_accepts_pebble(pebble: Pebble) -> None:
    acme.check_directory(pebble.directory, pebble_env(pebble))


def test_check_directory_refuses_an_untrusted_listener(pebble: Pebble) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    with pytest.raises(CertError, match="unreachable: .*CERTIFICATE_VERIFY_FAILED"):
        acme.check_directory(pebble.directory, env)


def test_check_directory_refuses_a_url_that_is_not_an_acme_directory(pebble: Pebble) -> None:
    with pytest.raises(CertError, match=r"is not an ACME directory \(no newNonce/newOrder"):
        acme.check_directory(f"{pebble.management}/roots/0", pebble_env(pebble))


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port bound but never listening: connections are refused, and nothing else can bind it meanwhile."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield closed.getsockname()[1]


def test_unreachable_directory_fails_in_one_line(tmp_path: Path, vault: LocalVault, refusing_port: int) -> None:
    directory = f"https://127.0.0.1:{refusing_port}/dir"
    with pytest.raises(CertError) as checked:
        acme.check_directory(directory, os.environ)
    assert checked.value.message.startswith(f"ACME directory {directory} is unreachable: ")
    assert "acme_directory" in checked.value.hint
    with pytest.raises(CertError) as issued:
        acme.issue(HOST, "ops@example.test", directory, vault.url, tmp_path / "le", os.environ)
    assert "\n" not in issued.value.message
    assert "Connection refused" in issued.value.message
