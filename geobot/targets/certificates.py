"""The deployment's certificate: issued or imported into the vault, and served.

One owner for every certificate operation of every target: the deploy stage, `geobot cert
export/import/renew` and the export that guards `destroy`. The vault (the local vault or Key
Vault) holds the certificate next to a marker of the settings it was made for, so a resumed or
repeated deploy reuses it instead of asking the ACME server again (Let's Encrypt allows five
identical certificates a week). What "served" means is the target's: the local router swaps
certificates by itself and is waited for; App Service follows Key Vault's newest version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from geobot.certs.files import write_new_private
from geobot.certs.pfx import Pfx, PfxError, build_pfx, covers_host, describe, read_pfx, verify_pfx
from geobot.config import Config
from geobot.errors import CertError, InputError
from geobot.pipeline.planner import fingerprint
from geobot.pipeline.stage import Stage, StageContext

CERTIFICATE = "geobot-tls"
MARKER = "geobot-tls-settings"


class CertificateVault(Protocol):
    """The calls certificates need from a vault; `url` is where certbot's hook writes tokens, unless told otherwise."""

    @property
    def url(self) -> str: ...

    def get_certificate(self, name: str) -> bytes | None: ...

    def import_certificate(self, name: str, pfx: bytes) -> object: ...

    def get_secret(self, name: str) -> str | None: ...

    def set_secret(self, name: str, value: str) -> object: ...


def certificate_settings(config: Config) -> dict[str, Any]:
    """What the certificate depends on; a change means a new certificate."""
    cert = config.certificate
    settings: dict[str, Any] = {"source": cert.source, "host": config.host_name}
    if cert.source == "letsencrypt":
        settings |= {"acme_directory": cert.acme_directory, "email": cert.email}
    if cert.source == "pfx" and cert.pfx_path is not None:
        settings["pfx_sha256"] = hashlib.sha256(cert.pfx_path.read_bytes()).hexdigest()
    return settings


class Certificates:
    def __init__(self, config: Config, deployment_dir: Path, vault: CertificateVault, env: Mapping[str, str],
                 note: Callable[[str], None] = lambda text: None, served: Callable[[Pfx], None] = lambda pfx: None,
                 challenges: str | None = None) -> None:
        """`challenges`: the vault URL the bots read ACME tokens from, when it is not the certificate's."""
        self.config = config
        self.challenges = challenges
        self.deployment_dir = deployment_dir
        self.vault = vault
        self.env = env
        self.note = note
        self.served = served

    def current(self) -> Pfx | None:
        data = self.vault.get_certificate(CERTIFICATE)
        return None if data is None else read_pfx(data, None)

    def reusable(self) -> Pfx | None:
        """The vault's certificate, if it was made for these settings and is not due for renewal."""
        current = self.current()
        if current is None or self.vault.get_secret(MARKER) != fingerprint(certificate_settings(self.config)):
            return None
        if not covers_host(current.cert, self.config.host_name):
            return None
        renewable = self.config.certificate.source != "pfx"
        if describe(current)["days_left"] <= (self.config.certificate.renew_days if renewable else 0):
            return None
        return current

    def issue(self, force: bool = False) -> Pfx:
        cert, host = self.config.certificate, self.config.host_name
        if cert.source == "local-ca":
            from geobot.certs.local_ca import LocalCA

            authority = LocalCA.load_or_create(self.deployment_dir / "ca", self.config.name)
            for line in authority.trust_instructions():
                self.note(f"issued by the local CA; to trust its root: {line}")
            return authority.issue([host])
        if cert.source == "letsencrypt":
            from geobot.certs import acme

            assert cert.email is not None
            self.note(f"asking {cert.acme_directory} for a certificate for {host} (HTTP-01, answered by the bots)")
            return acme.issue(host, cert.email, cert.acme_directory, self.challenges or self.vault.url,
                              self.deployment_dir / "certbot", self.env, self.note, force=force)
        assert cert.pfx_path is not None and cert.pfx_password is not None
        return read_pfx(cert.pfx_path.read_bytes(), cert.pfx_password.get_secret_value())

    def install(self, pfx: Pfx) -> None:
        self.vault.import_certificate(CERTIFICATE, build_pfx(pfx.key, pfx.cert, pfx.chain, None))
        self.vault.set_secret(MARKER, fingerprint(certificate_settings(self.config)))
        self.served(pfx)

    def renew(self, force: bool, within_days: int | None = None) -> tuple[bool, Pfx]:
        """A new certificate when the current one is due (or with force); (renewed?, certificate)."""
        if self.config.certificate.source == "pfx":
            raise InputError("certificate.source = \"pfx\": geobot cannot issue a new certificate for an imported one",
                             "import a renewed PFX with `geobot cert import PATH`, or switch certificate.source")
        current = self.current()
        window = self.config.certificate.renew_days if within_days is None else within_days
        if current is not None and not force and describe(current)["days_left"] > window:
            return False, current
        fresh = self.issue(force=True)
        self.install(fresh)
        return True, fresh

    def import_pfx(self, data: bytes, password: str | None, source: str = "the PFX") -> Pfx:
        try:
            pfx = verify_pfx(data, password, self.config.host_name)
        except PfxError as exc:
            raise InputError(f"{source}: {exc.message}", exc.hint) from None
        self.install(pfx)
        return pfx

    def export(self, path: Path, password: str, option: str = "--export") -> Pfx:
        """Write the certificate as a password-protected PFX and prove the file can be used again.

        A file that already holds this very certificate under this password is kept: that is a
        resumed destroy whose export had succeeded.
        """
        current = self.current()
        if current is None:
            raise CertError("the deployment holds no certificate to export",
                            "run `geobot deploy` to finish it, or destroy with --no-export")
        if path.is_file():
            try:
                kept = verify_pfx(path.read_bytes(), password, self.config.host_name)
            except PfxError:
                kept = None
            if kept is not None and describe(kept)["sha256"] == describe(current)["sha256"]:
                self.note(f"{path} already holds this certificate; keeping it")
                return kept
        data = build_pfx(current.key, current.cert, current.chain, password)
        write_new_private(path, data, option)
        try:
            return verify_pfx(path.read_bytes(), password, self.config.host_name)
        except PfxError as exc:
            path.unlink(missing_ok=True)
            raise CertError(f"the exported PFX does not verify: {exc.message}", "nothing was destroyed; report this") from exc


class CertificateStage(Stage):
    name = "certificate"

    def __init__(self, config: Config, description: str, certificates: Callable[[StageContext], Certificates]) -> None:
        self.config = config
        self.description = description
        self.certificates = certificates

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return certificate_settings(self.config)

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        certificates = self.certificates(ctx)
        pfx = certificates.reusable()
        if pfx is None:
            pfx = certificates.issue()
            certificates.install(pfx)
        else:
            ctx.note("the vault already holds a certificate for these settings; reusing it")
            certificates.served(pfx)
        info = describe(pfx)
        return {"subject": info["subject"], "issuer": info["issuer"], "not_after": info["not_after"]}
