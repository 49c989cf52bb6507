"""Test certificates made on the fly (no key is ever committed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from geobot.certs.pfx import build_pfx

NOW = datetime.now(timezone.utc)


def make_cert(
    key: ec.EllipticCurvePrivateKey,
    names: list[str],
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=90),
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "no names")])
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def write_pfx(path: Path, names: list[str], password: str, *, expired: bool = False) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    window = (NOW - timedelta(days=90), NOW - timedelta(days=1)) if expired else (NOW - timedelta(days=1), NOW + timedelta(days=90))
    path.write_bytes(build_pfx(key, make_cert(key, names, *window), [], password))
    return path
