"""`geobot status`."""

from __future__ import annotations

import typer


def status(ctx: typer.Context) -> None:
    """Show what is deployed: each stage's state and each region's."""
    app = ctx.obj
    report = app.factory.deployment(app.resume_command, lambda question: False).status()
    app.reporter.result(f"deployment {report['deployment']} ({report['target']})", report)


def register(app: typer.Typer) -> None:
    app.command()(status)
