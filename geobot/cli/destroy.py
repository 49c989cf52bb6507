"""`geobot destroy`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geobot.certs.files import check_new_file
from geobot.errors import InputError, NoDeployment


def destroy(
    ctx: typer.Context,
    *,
    export: Annotated[Path | None, typer.Option("--export", help="Where to save the certificate as a password-protected PFX before anything is destroyed. [default: ./<name>-certificate.pfx]", show_default=False)] = None,
    no_export: Annotated[bool, typer.Option("--no-export", help="Destroy without saving the certificate; it is lost.")] = False,
) -> None:
    """Save the certificate, then tear the deployment down, stage by stage in reverse; resumable like deploy.

    The certificate is exported first as a PFX protected by GEOBOT_EXPORT_PASSWORD (or a password
    you are asked for), and the file is checked: it opens with the password, the key matches and
    it covers the host name. Only then is anything destroyed. Redeploy with that PFX
    (certificate.source = "pfx") to skip issuing a new certificate. A deployment without a
    certificate of its own (Front Door's is managed; AWS has none) is torn down without asking.
    """
    app = ctx.obj
    if export is not None and no_export:
        raise InputError("--export and --no-export cannot be combined", "give one of them")
    if export is not None and not export.is_file():  # before anything: a bad path is refused even with nothing to destroy
        check_new_file(export, "--export")
    name = app.factory.config.name
    try:
        deployment = app.deployment(approve_for="destroy", existing=True)
    except NoDeployment as nothing:
        app.reporter.result(f"nothing to destroy: {nothing.message}", {})
        return
    path = None if no_export or not deployment.holds_certificate() else (export or Path(f"{name}-certificate.pfx"))
    if path is not None:
        if not path.is_file():  # an existing file is kept only if it holds this certificate (a resumed destroy)
            check_new_file(path, "--export")
    password = None if path is None else app.factory.export_password()
    exported = deployment.destroy(path, password)
    app.reporter.result(f"destroyed {name}", exported)


def register(app: typer.Typer) -> None:
    app.command()(destroy)
