"""A certificate authority of this machine, for the local target's router.

Made once per deployment and kept in its directory (0700): `ca.pem` (0644, the root a user
may trust) and `ca-key.pem` (0600). Both are EC P-256; the root is CA:TRUE with path length 0
and may only sign certificates and CRLs, for 10 years. Server certificates get a fresh key each,
serverAuth only, and the names as subjectAltNames; the common name is the first name that fits
its 64 characters, and is left out (the subjectAltName then critical, RFC 5280 4.2.1.6) when none
does, as Let's Encrypt does: clients match only the subjectAltName. A name that is an IP literal
becomes an IPAddress entry; a `localhost` name (RFC 6761: always the loopback) also brings
127.0.0.1 and ::1, so a client that dials the router by address verifies too. They last at most
397 days, the longest browsers and Apple platforms accept.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from geobot.certs.pfx import Pfx
from geobot.errors import CertError

CA_YEARS = 10
MAX_DAYS = 397
MAX_COMMON_NAME = 64  # X.520 ub-common-name; DNS names run to 253
LOOPBACK = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


class LocalCA:
    """A root key and certificate on disk that issue server certificates for local names."""

    def __init__(self, directory: Path, name: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        self.directory = directory
        self.name = name
        self.key = key
        self.cert = cert

    @classmethod
    def load_or_create(cls, directory: Path, name: str) -> LocalCA:
        """The CA kept in `directory`, made there first if it holds none."""
        directory = Path(directory).absolute()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
        if not cert_path.exists():  # a key without ca.pem was never handed out: start afresh
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _ca_certificate(key, name)
            _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()), 0o600)
            _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
            return cls(directory, name, key, cert)
        return cls(directory, name, *_load(cert_path, key_path))

    @property
    def ca_path(self) -> Path:
        return self.directory / "ca.pem"

    def issue(self, host_names: Sequence[str], days: int = 90) -> Pfx:
        """A server certificate for the names with a fresh key; its chain is this CA's root."""
        if not host_names:
            raise CertError("a certificate needs at least one host name", "name the router's host")
        if not 1 <= days <= MAX_DAYS:
            raise CertError(f"a local certificate lasts 1-{MAX_DAYS} days, not {days}",
                            "browsers and Apple platforms refuse longer server certificates")
        now = datetime.now(timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        common_name = next((host for host in host_names if len(host) <= MAX_COMMON_NAME), None)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if common_name else [])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(min(now + timedelta(days=days), self.cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(subject_alt_names(host_names)), critical=common_name is None)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return Pfx(key, cert, (self.cert,))

    def trust_instructions(self) -> list[str]:
        """Commands that make this machine (or one client) trust the root, one per line."""
        ca = shlex.quote(str(self.ca_path))
        anchor = shlex.quote(f"geobot-{self.name}.crt")
        return [
            f"Debian/Ubuntu: sudo cp {ca} /usr/local/share/ca-certificates/{anchor} && sudo update-ca-certificates",
            f"Fedora/RHEL:   sudo cp {ca} /etc/pki/ca-trust/source/anchors/{anchor} && sudo update-ca-trust",
            f"macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca}",
            f"curl only:     curl --cacert {ca} https://<host>:<port>/",
        ]


def subject_alt_names(host_names: Sequence[str]) -> list[x509.GeneralName]:
    """DNS names, IP literals as addresses, and the loopback addresses for a `localhost` name."""
    names: list[x509.GeneralName] = []
    for host in host_names:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host.lower().rstrip(".")))
    if any(h.lower().rstrip(".") == "localhost" or h.lower().rstrip(".").endswith(".localhost") for h in host_names):
        names += [x509.IPAddress(ip) for ip in LOOPBACK]
    return list(dict.fromkeys(names))  # once each, in order


def _ca_certificate(key: ec.EllipticCurvePrivateKey, name: str) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "geobot"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"geobot local CA ({name[:45]})"),  # within MAX_COMMON_NAME
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign, crl_sign=crl_sign,
        encipher_only=False, decipher_only=False,
    )


def _load(cert_path: Path, key_path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    hint = f"delete {cert_path.parent} to make a new local CA (then trust the new root again)"
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise CertError(f"the local CA in {cert_path.parent} cannot be read: {type(e).__name__}", hint) from e
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key().public_bytes(*spki) != \
            cert.public_key().public_bytes(*spki):
        raise CertError(f"{key_path} is not the key of {cert_path}", hint)
    if cert.not_valid_after_utc <= datetime.now(timezone.utc):
        raise CertError(f"the local CA in {cert_path.parent} expired on {cert.not_valid_after_utc:%Y-%m-%d}", hint)
    return key, cert


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write with its final mode to a temporary sibling, then rename into place (atomic)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # the umask may have narrowed it
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
