"""`geobot cert export | import | renew`: the deployment's certificate while it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geobot.certs.files import check_new_file
from geobot.errors import InputError

cert_app = typer.Typer(help="Export, import or renew the deployment's certificate, with no failed request.",
                       no_args_is_help=True)


def _summary(pfx) -> dict[str, str]:
    from geobot.certs.pfx import describe

    info = describe(pfx)
    return {key: info[key] for key in ("subject", "issuer", "not_after")}


@cert_app.command("export")
def export(ctx: typer.Context, path: Annotated[Path, typer.Argument(help="The PFX file to write (must not exist).")]) -> None:
    """Save the certificate and its key as a PFX protected by GEOBOT_EXPORT_PASSWORD (or a prompt)."""
    app = ctx.obj
    if not path.is_file():  # a file there is kept only if it holds this certificate (a resumed export)
        check_new_file(path, "PATH")
    password = app.factory.export_password()
    deployment = app.deployment(existing=True)
    pfx = deployment.certificates("geobot cert export", lambda certs: certs.export(path, password, "PATH"))
    app.reporter.result(f"exported the certificate to {path} (verified)", _summary(pfx))


@cert_app.command("import")
def import_(ctx: typer.Context, path: Annotated[Path, typer.Argument(help="The PFX file to import.")]) -> None:
    """Replace the certificate with a PFX (password in GEOBOT_PFX_PASSWORD, or asked); no request fails."""
    app = ctx.obj
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})", "give the path of a .pfx file") from None
    _check_format(path, data)
    password = app.factory.import_password(path)
    deployment = app.deployment(existing=True)
    pfx = deployment.certificates("geobot cert import", lambda certs: certs.import_pfx(data, password, str(path)))
    app.reporter.result(f"imported {path}; the router serves it", _summary(pfx))


@cert_app.command()
def renew(
    ctx: typer.Context,
    *,
    force: Annotated[bool, typer.Option("--force", help="Renew now, however long the certificate is still valid.")] = False,
    within: Annotated[int | None, typer.Option("--within", min=1, max=365, help="Renew if it expires within this many days. [default: certificate.renew_days, 30]", show_default=False)] = None,
) -> None:
    """Issue a new certificate when the current one is close to expiry, and swap it in with no failed request.

    Run it from cron or a scheduled CI job; it does nothing until the certificate is due.
    """
    app = ctx.obj
    deployment = app.deployment(existing=True)
    renewed, pfx = deployment.certificates("geobot cert renew", lambda certs: certs.renew(force, within))
    title = "renewed the certificate; the router serves it" if renewed else "the certificate is not due for renewal"
    app.reporter.result(title, {**_summary(pfx), "renewed": renewed})


def _check_format(path: Path, data: bytes) -> None:
    """A file that is no PFX at all is named as such, before a password is asked for or blamed."""
    from geobot.certs.pfx import PfxFormatError, check_format

    try:
        check_format(data)
    except PfxFormatError as exc:
        raise InputError(f"{path}: {exc.message}", exc.hint) from None


def register(app: typer.Typer) -> None:
    app.add_typer(cert_app, name="cert")
