"""Build, read and verify PKCS#12 (PFX) files, the form certificates travel in.

A PFX is imported on deploy and exported on destroy; before either is trusted it must open
with its password, hold the private key of its certificate, name the host and be in date.
Passwords never appear in messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from geobot.errors import CertError

FRIENDLY_NAME = b"geobot"
KDF_ROUNDS = 50_000


class PfxError(CertError):
    """A PFX cannot be used for the deployment: why, and what to do."""


class PfxPasswordError(PfxError):
    """A PFX does not open with the given password."""


class PfxFormatError(PfxError):
    """The file is not a PKCS#12 (PFX) file at all, whatever the password."""


@dataclass(frozen=True)
class Pfx:
    """The contents of a PFX: private key, its certificate, and the issuing chain."""

    key: pkcs12.PKCS12PrivateKeyTypes
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def read_pfx(data: bytes, password: str | None) -> Pfx:
    """Open a PFX; a certificate not linked to the key by the file is found by its public key."""
    check_format(data)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _secret(password))
    except ValueError as e:
        raise PfxPasswordError(
            "the PFX cannot be opened with this password",
            "check the password (GEOBOT_PFX_PASSWORD, or the one you typed)",
        ) from e
    if key is None:
        raise PfxError("the PFX holds no private key", "export the certificate together with its private key")
    if cert is None:
        if not extra:
            raise PfxError("the PFX holds no certificate", "export the certificate together with its private key")
        cert = next((c for c in extra if _same_public_key(key, c)), extra[0])
        extra = [c for c in extra if c is not cert]
    return Pfx(key, cert, tuple(extra))


def check_format(data: bytes) -> None:
    """Refuse data that is no PKCS#12 structure, before any password is asked for or blamed.

    OpenSSL (through cryptography) parses the structure before it checks the password's MAC, and
    says "Could not deserialize" only when the parse fails; a wrong password reads differently.
    """
    try:
        pkcs12.load_key_and_certificates(data, None)
    except ValueError as e:
        if "deserialize" in str(e).lower():
            raise PfxFormatError(
                "is not a PKCS#12 (PFX) file",
                "export the certificate with its private key as .pfx/.p12 "
                "(e.g. `openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.pfx`)",
            ) from e


def build_pfx(
    key: pkcs12.PKCS12PrivateKeyTypes,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...] | list[x509.Certificate],
    password: str | None,
) -> bytes:
    """Serialize a PFX with PBES2 (SHA-256, AES-256); no password means unencrypted (Key Vault import)."""
    if password is None:
        encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    else:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password.encode())
        )
    return pkcs12.serialize_key_and_certificates(FRIENDLY_NAME, key, cert, list(chain) or None, encryption)


def dns_names(cert: x509.Certificate) -> list[str]:
    """The DNS names in the certificate's subjectAltName (the common name is not consulted)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return san.get_values_for_type(x509.DNSName)


def covers_host(cert: x509.Certificate, host: str) -> bool:
    """Whether a SAN DNS name matches the host; a wildcard stands for exactly one leftmost label."""
    host = host.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in dns_names(cert)):
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            first, rest = host.split(".", 1)
            if first and rest == name[2:]:
                return True
    return False


def verify_pfx(data: bytes, password: str | None, host: str, now: datetime | None = None) -> Pfx:
    """Open a PFX and prove it can serve `host`: key matches, names cover the host, in date."""
    pfx = read_pfx(data, password)
    if not _same_public_key(pfx.key, pfx.cert):
        raise PfxError(
            "the PFX's private key does not belong to its certificate",
            "export the certificate together with its own private key",
        )
    if not covers_host(pfx.cert, host):
        names = ", ".join(dns_names(pfx.cert)) or "no DNS names"
        raise PfxError(
            f"the certificate covers {names}, not {host}",
            f"use a certificate whose subjectAltName includes {host}",
        )
    now = now or datetime.now(timezone.utc)
    if pfx.cert.not_valid_after_utc <= now:
        raise PfxError(
            f"the certificate expired on {pfx.cert.not_valid_after_utc:%Y-%m-%d}",
            "renew the certificate, or use certificate.source = \"letsencrypt\"",
        )
    if pfx.cert.not_valid_before_utc > now:
        raise PfxError(
            f"the certificate is not valid before {pfx.cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            "check the machine's clock, or wait until the certificate becomes valid",
        )
    return pfx


def describe(pfx: Pfx) -> dict[str, Any]:
    """What people and clients compare certificates by: names, dates, serial and fingerprint."""
    cert = pfx.cert
    days = (cert.not_valid_after_utc - datetime.now(timezone.utc)).total_seconds() / 86400
    return {
        "subject": cert.subject.rfc4514_string() or "SAN " + ", ".join(dns_names(cert)),  # no CN: a name over 64 chars
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "days_left": round(days, 1),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def _secret(password: str | None) -> bytes | None:
    return None if password is None else password.encode()


def _same_public_key(key: pkcs12.PKCS12PrivateKeyTypes, cert: x509.Certificate) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(*spki) == cert.public_key().public_bytes(*spki)
