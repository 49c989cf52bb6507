"""`geobot deploy` and `geobot plan`."""

from __future__ import annotations

from typing import Annotated

import typer

AllAtOnce = Annotated[bool, typer.Option(
    "--all-at-once", help="Restart every region with new bot code or settings together: faster, but turns fail "
    "meanwhile (update = \"all-at-once\" in geobot.toml, GEOBOT_UPDATE). Default: one region at a time.")]


def deploy(ctx: typer.Context, *, all_at_once: AllAtOnce = False) -> None:
    """Deploy, or resume an interrupted deploy.

    Runs the target's stages in order, skipping those that finished with unchanged inputs.
    Each Terraform stage shows its plan and asks before applying, unless --auto-approve.

    On the local target (the default) the regions are processes on this machine behind a
    router that behaves like Traffic Manager: it probes each region, takes a failing one out
    after probe.tolerated_failures + 1 failed probes, and lets clients keep an answer for
    probe.dns_ttl seconds, so a request to a region that just failed fails. Set local.retry =
    true (GEOBOT_ROUTER_RETRY=1) to retry such a request on the next healthy region instead,
    as Azure Front Door can and DNS-based Traffic Manager cannot. Running deploy again restarts
    any region process that crashed and leaves the others alone.

    New bot code, model or settings reach a deployment that is serving one region at a time:
    the region leaves the router's rotation, its clients' cached answers expire (probe.dns_ttl),
    it restarts, passes its health check and comes back before the next region leaves. A region
    that fails stops the rollout and stays out; the others keep the version they ran. On azure
    new code or a new model does the same through the region's Traffic Manager endpoint (or Front
    Door origin); on aws a new model through the region map: callers move off the region, its bot
    gets a new version and a health-check run must see it pass before they return.
    """
    app = ctx.obj
    if all_at_once:
        app.factory.set_flag("update", "all-at-once")
    app.factory.language_model()  # a model the target cannot take stops here, before anything is applied
    deployment = app.deployment(approve_for="deploy")
    outputs = deployment.deploy()
    shown = outputs if app.factory.options.output == "json" else deployment.target.summary(outputs)
    app.reporter.result(f"deployed {app.factory.config.name}", shown)


def plan(
    ctx: typer.Context,
    *,
    destroy: Annotated[bool, typer.Option("--destroy", help="Show what `geobot destroy` would do instead.")] = False,
    terraform: Annotated[bool, typer.Option("--terraform/--no-terraform", help="Also plan each Terraform stage that would run (nothing is applied).")] = True,
    all_at_once: AllAtOnce = False,
) -> None:
    """Show what deploy (or destroy) would do, the update mode and its waits included; change nothing."""
    app = ctx.obj
    if all_at_once:
        app.factory.set_flag("update", "all-at-once")
    command = "destroy" if destroy else "deploy"
    if not destroy:
        app.factory.language_model()  # every problem of the model, for the target, at once (exit 2)
    steps, previews = app.deployment().plan(command, preview=terraform)
    app.reporter.plan(steps, previews)


def register(app: typer.Typer) -> None:
    app.command()(deploy)
    app.command()(plan)
