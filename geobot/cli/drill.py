"""`geobot drill`: break one region on purpose under simulated users, and measure the failover."""

from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from geobot.drill.plan import MAX_USERS
from geobot.errors import InputError
from geobot.pipeline.model import Note


class FaultChoice(str, Enum):
    kill = "kill"
    health = "health"
    nlu_down = "nlu-down"
    store_down = "store-down"
    slow = "slow"
    flap = "flap"


class RouterChoice(str, Enum):
    faithful = "faithful"
    retry = "retry"


def drill(
    ctx: typer.Context,
    *,
    fault: Annotated[FaultChoice, typer.Option("--fault", help="kill: SIGKILL the bot; health: its health check fails; nlu-down / store-down: its language or state store fails; slow: every request waits longer than the probe timeout; flap: the health fault on and off.")] = FaultChoice.kill,
    region: Annotated[str | None, typer.Option("--region", help="The region to break. [default: the region the router picks now]", show_default=False)] = None,
    users: Annotated[int, typer.Option("--users", min=1, max=MAX_USERS, help="Simulated users, each holding a booking conversation.")] = 20,
    duration: Annotated[float | None, typer.Option("--duration", min=1, help="Seconds of traffic; the fault goes in at 25 % and is cleared at 60 %. [default: 30, longer if the probe settings need it to show a failover]", show_default=False)] = None,
    router: Annotated[RouterChoice | None, typer.Option("--router", help="faithful: no retry, clients keep their answer for the DNS TTL (Traffic Manager); retry: the next region gets a failed request (Front Door). [default: the deployment's local.retry]", show_default=False)] = None,
    hold_down: Annotated[float | None, typer.Option("--hold-down", min=0, help="Seconds a Degraded region stays out, for this drill. [default: the deployment's local.hold_down]", show_default=False)] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write the full report as JSON to this file.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Draw the timeline as a PNG to this file (needs matplotlib: pip install 'geobot[drill]').")] = None,
) -> None:
    """Prove the failover: break one region while simulated users talk to the bot, then mend it.

    Users hold multi-turn booking conversations through the router. At 25 % of the duration the
    fault goes in, at 60 % it is cleared, and the rest watches failback. The summary gives
    fault → detection (the router takes the region out of Online), fault → last request sent
    to the region (recovery), failed turns, conversations that lost state, failback, and what
    the same probe settings would give in Azure Traffic Manager and the AWS post's 5-minute
    check. The router's settings and the region are put back as they were.

    Exit 0 when the drill ran, however the failover did (the numbers say so); 2 for bad
    input; 1 if the deployment is not healthy to start with.
    """
    app = ctx.obj
    for path, flag in ((report, "--report"), (plot, "--plot")):
        _check_writable(path, flag)
    if plot is not None:
        _check_matplotlib()
    from geobot.drill import report as reporting
    from geobot.drill.runner import Options, run

    deployment = app.deployment(existing=True)
    say = lambda text: app.reporter.emit(Note("drill", text))  # noqa: E731
    if hasattr(deployment.target, "drill"):  # a target without a router drills its own way (aws)
        if plot is not None:
            raise InputError(f"--plot: the {deployment.target.name} drill has no traffic timeline to draw",
                             "leave --plot out; --report keeps the figures")
        with deployment.journal.lock("geobot drill"):
            result = deployment.target.drill(deployment.journal, region, say)
        _save(result, report, None)
        app.reporter.result(f"drill of {deployment.target.name}: region {result['region']}", result)
        return
    options = Options(fault.value, region, users, duration, router.value if router else None, hold_down)  # type: ignore[arg-type]
    result = run(deployment, options, say, lambda text: app.reporter.emit(Note("drill", text, "warning")))
    saved = _save(result, report, plot)
    app.reporter.table(reporting.title(result), [*reporting.summary(result), *saved], reporting.phase_rows(result), result)


def _save(result: dict, report: Path | None, plot: Path | None) -> list[str]:
    saved = []
    if report is not None:
        report.write_text(json.dumps(result, indent=2) + "\n")
        saved.append(f"report: {report}")
    if plot is not None:
        from geobot.drill.plot import plot as draw

        draw(result, plot)
        saved.append(f"plot: {plot}")
    return saved


def _check_writable(path: Path | None, flag: str) -> None:
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK) or path.is_dir():
        raise InputError(f"{flag} {path}: cannot be written", "give a file in an existing, writable directory")


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib, which is not installed", "pip install 'geobot[drill]'") from None


def register(app: typer.Typer) -> None:
    app.command()(drill)
