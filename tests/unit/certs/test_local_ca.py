"""The local CA: made once with private files, reloaded, and issuing certificates real TLS clients accept."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import tempfile
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store

from geobot.certs.local_ca import LocalCA
from geobot.certs.pfx import Pfx, build_pfx, describe, verify_pfx
from geobot.errors import CertError


@pytest.fixture
def ca(tmp_path: Path) -> LocalCA:
    return LocalCA.load_or_create(tmp_path / "ca", "mybot")


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_creates_a_root_with_private_files(ca: LocalCA, tmp_path: Path) -> None:
    assert ca.ca_path == tmp_path / "ca" / "ca.pem"
    assert (mode(tmp_path / "ca"), mode(ca.ca_path), mode(tmp_path / "ca" / "ca-key.pem")) == (0o700, 0o644, 0o600)
    assert sorted(p.name for p in (tmp_path / "ca").iterdir()) == ["ca-key.pem", "ca.pem"]
    root = x509.load_pem_x509_certificate(ca.ca_path.read_bytes())
    assert root.subject.rfc4514_string() == "CN=geobot local CA (mybot),O=geobot"
    assert root.issuer == root.subject
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    years = (root.not_valid_after_utc - root.not_valid_before_utc).days / 365
    assert 9.9 < years < 10.1


def test_loads_the_same_root_again(ca: LocalCA, tmp_path: Path) -> None:
    again = LocalCA.load_or_create(tmp_path / "ca", "mybot")
    assert again.cert == ca.cert
    assert again.key.private_numbers() == ca.key.private_numbers()


def test_refuses_a_key_that_is_not_the_roots(ca: LocalCA, tmp_path: Path) -> None:
    other = LocalCA.load_or_create(tmp_path / "other", "mybot")
    (tmp_path / "ca" / "ca-key.pem").write_bytes((tmp_path / "other" / "ca-key.pem").read_bytes())
    assert other.cert != ca.cert
    with pytest.raises(CertError, match="is not the key of") as caught:
        LocalCA.load_or_create(tmp_path / "ca", "mybot")
    assert f"delete {tmp_path / 'ca'}" in caught.value.hint


def test_a_missing_key_is_an_error_not_a_silent_new_root(ca: LocalCA, tmp_path: Path) -> None:
    (tmp_path / "ca" / "ca-key.pem").unlink()
    with pytest.raises(CertError, match="cannot be read"):
        LocalCA.load_or_create(tmp_path / "ca", "mybot")


def test_issues_a_server_certificate_chained_to_the_root(ca: LocalCA) -> None:
    pfx = ca.issue(["mybot.localhost", "router.example.test"], days=30)
    assert pfx.chain == (ca.cert,)
    verify_pfx(build_pfx(pfx.key, pfx.cert, pfx.chain, "pw"), "pw", "router.example.test")
    san = pfx.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["mybot.localhost", "router.example.test"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    assert pfx.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH])
    assert not pfx.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (pfx.cert.not_valid_after_utc - pfx.cert.not_valid_before_utc).days == 30
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert pfx.key.public_key().public_bytes(*spki) != ca.key.public_key().public_bytes(*spki)
    verifier = PolicyBuilder().store(Store([ca.cert])).build_server_verifier(x509.DNSName("mybot.localhost"))
    assert verifier.verify(pfx.cert, [])[-1] == ca.cert


def test_names_other_than_localhost_get_no_loopback_addresses(ca: LocalCA) -> None:
    san = ca.issue(["router.example.test", "10.0.0.7"]).cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["router.example.test"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.7")]


@pytest.mark.parametrize("server_hostname", ["mybot.localhost", "127.0.0.1"])
def test_a_strict_tls_client_trusting_the_root_accepts_the_certificate(ca: LocalCA, server_hostname: str) -> None:
    client = ssl.create_default_context(cafile=str(ca.ca_path))
    client.verify_flags |= ssl.VERIFY_X509_STRICT  # the default from Python 3.13 on
    assert handshake(ca.issue(["mybot.localhost"]), client, server_hostname) == "mybot.localhost"


LONG_HOST = "the-reservation-bot-of-a-restaurant-chain.eu-west.bookings.example.com"  # 70 characters


def test_a_host_name_longer_than_a_common_name_is_certified_in_the_subject_alt_name_only(ca: LocalCA) -> None:
    assert len(LONG_HOST) > 64
    pfx = ca.issue([LONG_HOST])
    assert pfx.cert.subject == x509.Name([])
    san = pfx.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical  # RFC 5280: an empty subject makes the subjectAltName critical
    assert san.value.get_values_for_type(x509.DNSName) == [LONG_HOST]
    verify_pfx(build_pfx(pfx.key, pfx.cert, pfx.chain, "pw"), "pw", LONG_HOST)
    verifier = PolicyBuilder().store(Store([ca.cert])).build_server_verifier(x509.DNSName(LONG_HOST))
    assert verifier.verify(pfx.cert, [])[-1] == ca.cert
    client = ssl.create_default_context(cafile=str(ca.ca_path))
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    assert handshake(pfx, client, LONG_HOST) == LONG_HOST
    assert describe(pfx)["subject"] == f"SAN {LONG_HOST}"


def test_the_common_name_is_the_first_name_that_fits(ca: LocalCA) -> None:
    pfx = ca.issue([LONG_HOST, "mybot.localhost"])
    assert pfx.cert.subject.rfc4514_string() == "CN=mybot.localhost"
    assert not pfx.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical


def test_a_client_not_trusting_the_root_refuses_it(ca: LocalCA) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(ca.issue(["mybot.localhost"]), ssl.create_default_context(), "mybot.localhost")


@pytest.mark.parametrize("names, days, message", [
    ([], 90, "at least one host name"),
    (["a.localhost"], 0, "1-397 days"),
    (["a.localhost"], 398, "1-397 days"),
])
def test_refuses_what_clients_would_refuse(ca: LocalCA, names: list[str], days: int, message: str) -> None:
    with pytest.raises(CertError, match=message):
        ca.issue(names, days)


def test_trust_instructions_name_the_real_root_file(tmp_path: Path) -> None:
    ca = LocalCA.load_or_create(tmp_path / "with space", "mybot")
    lines = ca.trust_instructions()
    quoted = f"'{ca.ca_path}'"
    assert any("update-ca-certificates" in line and quoted in line for line in lines)
    assert any("security add-trusted-cert" in line and line.endswith(quoted) for line in lines)
    assert any(f"curl --cacert {quoted}" in line for line in lines)
    assert all("\n" not in line for line in lines)


def handshake(pfx: Pfx, client: ssl.SSLContext, server_hostname: str) -> str:
    """One TLS handshake on loopback; returns the first DNS name of the certificate the client accepted."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "server.pem"
        pem.write_bytes(
            pfx.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
            + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (pfx.cert, *pfx.chain)))
        server.load_cert_chain(pem)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def accept() -> None:
            connection, _ = listener.accept()
            try:
                with server.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused the certificate

        thread = threading.Thread(target=accept)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=5) as raw, \
                    client.wrap_socket(raw, server_hostname=server_hostname) as tls:
                return next(value for kind, value in tls.getpeercert()["subjectAltName"] if kind == "DNS")
        finally:
            thread.join(5)
