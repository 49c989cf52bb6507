"""`geobot destroy`."""

from __future__ import annotations

import typer


def destroy(ctx: typer.Context) -> None:
    """Tear the deployment down, stage by stage in reverse; resumable like deploy."""
    app = ctx.obj
    approve = app.approval("destroy")
    name = app.factory.config.name
    app.factory.deployment(app.resume_command, approve).destroy()
    app.reporter.result(f"destroyed {name}", {})


def register(app: typer.Typer) -> None:
    app.command()(destroy)
