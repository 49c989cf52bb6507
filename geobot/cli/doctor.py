"""`geobot doctor`."""

from __future__ import annotations

import typer


def doctor(ctx: typer.Context) -> None:
    """Check the prerequisites for the chosen target and say how to fix each problem."""
    from geobot import doctor as checks

    app = ctx.obj
    config = app.factory.config
    results = checks.run_all(config.target, config.certificate.source, app.factory.options.state_dir, app.factory.env)
    rows = {
        c.name: ("ok" if c.ok else ("MISSING" if c.required else "optional, missing")) + f": {c.found}" + ("" if c.ok else f" (fix: {c.fix})")
        for c in results
    }
    app.reporter.result(f"geobot doctor, target {config.target}", rows)
    if any(c.required and not c.ok for c in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
