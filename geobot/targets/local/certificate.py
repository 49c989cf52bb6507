"""The local target's certificate: kept in the local vault, served by the router.

Issuing, importing, renewing and exporting are `geobot.targets.certificates`'; this module
says where the certificate lives and waits until the router serves a new one, so a renewal
swaps certificates without a failed request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from geobot.certs.pfx import Pfx, describe, read_pfx
from geobot.config import Config
from geobot.errors import CertError
from geobot.targets.certificates import CERTIFICATE, Certificates, CertificateStage
from geobot.targets.local.declarations import Declarations, router_status

SERVED_TIMEOUT = 15.0


def installed(declared: Declarations) -> Pfx | None:
    """The certificate the vault holds for the router, if any."""
    data = declared.vault().get_certificate(CERTIFICATE)
    return None if data is None else read_pfx(data, None)


def router_serves(declared: Declarations, note: Callable[[str], None]) -> Callable[[Pfx], None]:
    """A wait until the router serves a certificate; it returns at once when the router is not running."""

    def wait(pfx: Pfx) -> None:
        wanted = describe(pfx)["sha256"]
        deadline = time.monotonic() + SERVED_TIMEOUT
        while True:
            status = router_status(declared)
            if status is None:
                note("the router is not running; it will serve the certificate when it starts")
                return
            if (status.get("certificate") or {}).get("sha256") == wanted:
                return
            if time.monotonic() > deadline:
                raise CertError(f"the router did not pick up the new certificate within {SERVED_TIMEOUT:.0f} s",
                                f"see the router's log {Path(declared.router()['log'])}")
            time.sleep(0.2)

    return wait


def local_certificates(config: Config, deployment_dir: Path, declared: Declarations, env: Mapping[str, str],
                       note: Callable[[str], None] = lambda text: None) -> Certificates:
    return Certificates(config, deployment_dir, declared.vault(), env, note, router_serves(declared, note))


def certificate_stage(config: Config, env: Mapping[str, str]) -> CertificateStage:
    return CertificateStage(
        config,
        "issue or import the certificate into the vault; the router serves it",
        lambda ctx: local_certificates(config, ctx.workdir, Declarations.from_outputs(ctx.output_of("infrastructure")),
                                       env, ctx.note),
    )
