"""PFX files: built encrypted, read back, and verified before a deployment trusts them."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from geobot.certs.pfx import PfxError, PfxFormatError, PfxPasswordError, build_pfx, covers_host, read_pfx, verify_pfx
from geobot.errors import CertError
from tests.certificates import NOW, make_cert

HOST = "mybot.trafficmanager.net"
PASSWORD = "correct horse"



def _encrypted(password: str) -> serialization.KeySerializationEncryption:
    return serialization.BestAvailableEncryption(password.encode())


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_a_built_pfx_reads_back_key_certificate_and_chain(key: ec.EllipticCurvePrivateKey) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    cert, ca = make_cert(key, [HOST], issuer_key=ca_key), make_cert(ca_key, ["ca.example"])
    pfx = read_pfx(build_pfx(key, cert, [ca], PASSWORD), PASSWORD)
    assert pfx.cert == cert and pfx.chain == (ca,)
    assert pfx.key.private_numbers() == key.private_numbers()


def test_a_built_pfx_is_encrypted_with_pbes2_aes256(key: ec.EllipticCurvePrivateKey) -> None:
    data = build_pfx(key, make_cert(key, [HOST]), [], PASSWORD)
    assert b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2a" in data  # OID 2.16.840.1.101.3.4.1.42 aes256-CBC
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, None)


def test_without_a_password_the_pfx_is_unencrypted_for_key_vault_import(key: ec.EllipticCurvePrivateKey) -> None:
    assert read_pfx(build_pfx(key, make_cert(key, [HOST]), [], None), None).cert.subject.rfc4514_string()


def test_a_wrong_password_says_so_without_echoing_it(key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(PfxPasswordError) as caught:
        read_pfx(build_pfx(key, make_cert(key, [HOST]), [], PASSWORD), "guess-123")
    assert isinstance(caught.value, CertError)
    assert "guess-123" not in caught.value.message + caught.value.hint
    assert "password" in caught.value.message


@pytest.mark.parametrize("data", [b"not a pfx", os.urandom(2048), b"", b"0\x82\x01"],
                         ids=["text", "random bytes", "empty", "truncated DER"])
def test_data_that_is_no_pfx_is_not_blamed_on_the_password(data: bytes) -> None:
    with pytest.raises(PfxFormatError) as caught:
        read_pfx(data, "guess-123")
    assert caught.value.message == "is not a PKCS#12 (PFX) file"
    assert "password" not in caught.value.message + caught.value.hint


def test_a_pfx_without_a_private_key_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    cert_only = pkcs12.serialize_key_and_certificates(b"x", None, make_cert(key, [HOST]), None, _encrypted(PASSWORD))
    with pytest.raises(PfxError, match="no private key"):
        read_pfx(cert_only, PASSWORD)


@pytest.mark.parametrize(
    ("names", "host", "covered"),
    [
        ([HOST], HOST, True),
        (["MyBot.TrafficManager.net"], HOST, True),
        ([HOST], HOST + ".", True),
        (["other.example", HOST], HOST, True),
        (["*.trafficmanager.net"], HOST, True),
        (["*.trafficmanager.net"], "trafficmanager.net", False),  # a wildcard needs one label
        (["*.trafficmanager.net"], "a.mybot.trafficmanager.net", False),  # ... and only one
        (["*.example.com"], HOST, False),
        (["other.trafficmanager.net"], HOST, False),
        ([], HOST, False),  # the common name alone does not count
    ],
)
def test_covers_host_matches_san_dns_names(
    key: ec.EllipticCurvePrivateKey, names: list[str], host: str, covered: bool
) -> None:
    assert covers_host(make_cert(key, names), host) is covered


def test_a_good_pfx_verifies(key: ec.EllipticCurvePrivateKey) -> None:
    cert = make_cert(key, [HOST])
    assert verify_pfx(build_pfx(key, cert, [], PASSWORD), PASSWORD, HOST).cert == cert


def test_a_pfx_for_another_host_names_both(key: ec.EllipticCurvePrivateKey) -> None:
    data = build_pfx(key, make_cert(key, ["other.example"]), [], PASSWORD)
    with pytest.raises(PfxError, match=f"covers other.example, not {HOST}"):
        verify_pfx(data, PASSWORD, HOST)


def test_an_expired_certificate_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    cert = make_cert(key, [HOST], NOW - timedelta(days=100), NOW - timedelta(days=10))
    with pytest.raises(PfxError, match="expired on"):
        verify_pfx(build_pfx(key, cert, [], PASSWORD), PASSWORD, HOST)


def test_a_certificate_not_yet_valid_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    cert = make_cert(key, [HOST], NOW + timedelta(days=1), NOW + timedelta(days=90))
    with pytest.raises(PfxError, match="not valid before"):
        verify_pfx(build_pfx(key, cert, [], PASSWORD), PASSWORD, HOST)


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(key: ec.EllipticCurvePrivateKey) -> None:
    # cryptography refuses to pair them, so the cert travels unlinked, as some exporters write it
    other = ec.generate_private_key(ec.SECP256R1())
    data = pkcs12.serialize_key_and_certificates(
        b"x", other, None, [make_cert(key, [HOST])], _encrypted(PASSWORD)
    )
    with pytest.raises(PfxError, match="does not belong"):
        verify_pfx(data, PASSWORD, HOST)


def test_an_unlinked_certificate_is_found_by_its_public_key(key: ec.EllipticCurvePrivateKey) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    cert, ca = make_cert(key, [HOST], issuer_key=ca_key), make_cert(ca_key, ["ca.example"])
    data = pkcs12.serialize_key_and_certificates(
        b"x", key, None, [ca, cert], _encrypted(PASSWORD)
    )
    pfx = verify_pfx(data, PASSWORD, HOST)
    assert pfx.cert == cert and pfx.chain == (ca,)
