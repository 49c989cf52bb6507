"""The HTTPS certificate: loaded from a password-less PFX, swapped in without dropping a request.

The listening context holds no certificate; its SNI callback hands every new handshake the
context of the current certificate. A swap only replaces that reference, so handshakes in
flight finish with the old certificate and new ones get the new one. Until a certificate
exists the callback aborts handshakes, yet the port stays bound. `ssl` loads keys only from
files, so the PEM lives in a 0600 temporary file for the duration of one call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from geobot.certs.pfx import Pfx, read_pfx
from geobot.errors import CertError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    serial: str  # lowercase hex
    not_after: str
    sha256: str

    @classmethod
    def of(cls, pfx: Pfx) -> CertificateInfo:
        der = pfx.cert.public_bytes(serialization.Encoding.DER)
        return cls(pfx.cert.subject.rfc4514_string(), format(pfx.cert.serial_number, "x"),
                   pfx.cert.not_valid_after_utc.isoformat(), hashlib.sha256(der).hexdigest())


def server_context(pfx: Pfx) -> ssl.SSLContext:
    """A server context serving the PFX's key, certificate and chain."""
    pem = pfx.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (pfx.cert, *pfx.chain))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    fd, name = tempfile.mkstemp(prefix="geobot-router-", suffix=".pem")  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        context.load_cert_chain(name)
    finally:
        os.unlink(name)
    return context


class Certificates:
    """The current certificate of one PFX path, reloaded by `poll` when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.info: CertificateInfo | None = None
        self._current: ssl.SSLContext | None = None
        self._seen: tuple[int, int, int] | None = None
        self.listener = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.listener.sni_callback = self._choose

    def poll(self, path: Path | None = None) -> CertificateInfo | None:
        """Load the file if it appeared or changed; returns the new certificate's info, if any."""
        if path is not None and path != self.path:
            self.path, self._seen = path, None
        try:
            stat = self.path.stat()
        except OSError:
            self._seen = None  # keep serving the old certificate; reload when a file reappears
            return None
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if signature == self._seen:
            return None
        self._seen = signature
        try:
            pfx = read_pfx(self.path.read_bytes(), None)
            context = server_context(pfx)
        except (OSError, ssl.SSLError, CertError) as e:
            log.warning("certificate %s not loaded, keeping the previous one: %s", self.path, getattr(e, "message", e))
            return None
        self._current, self.info = context, CertificateInfo.of(pfx)
        return self.info

    def _choose(self, connection: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext) -> int | None:
        if self._current is None:
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
        connection.context = self._current
        return None
