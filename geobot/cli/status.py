"""`geobot status`."""

from __future__ import annotations

from typing import Any

import typer

COLUMNS = ("REGION", "PROCESS", "HEALTH", "MONITOR", "LATENCY", "PRIORITY")


def status(ctx: typer.Context) -> None:
    """Show what is deployed: each stage, and per region its process, health, and monitor status at the router.

    Changes nothing: a stopped or unhealthy region is reported, and `geobot deploy` repairs it.
    With --output json, the same data as one JSON object.
    """
    app = ctx.obj
    report = app.deployment(existing=True).status()
    state = "deployed" if report["deployed"] else "not fully deployed"
    title = f"deployment {report['deployment']} ({report['target']}): {state}"
    app.reporter.table(title, _summary(report), _rows(report.get("regions", {})), report)


def _summary(report: dict[str, Any]) -> list[str]:
    lines = ["stages: " + ", ".join(f"{name} {value}" for name, value in report["stages"].items())]
    if "url" in report:
        lines.append(f"url: {report['url']}/api/messages")
    router = report.get("router")
    if router:
        retry = "retry on the next region" if router["retry"] else "no retry (as Traffic Manager)"
        pick = f"; a new client goes to {router['pick']}" if router.get("pick") else ""
        lines.append(f"router: {router['process']}, {router['routing_method']} routing, {retry}{pick}")
    if report.get("update"):
        lines.append(report["update"])
    if report.get("problem"):
        lines.append(f"live status unavailable: {report['problem']}")
    cert = report.get("certificate")
    if cert:
        lines.append(f"certificate: {cert['subject']}, issued by {cert['issuer']}, "
                     f"expires {cert['not_after'][:10]} ({cert['days_left']:.0f} days)")
    return lines


def _rows(regions: dict[str, Any]) -> list[tuple[Any, ...]]:
    if not regions:
        return []
    rows: list[tuple[Any, ...]] = [COLUMNS]
    for name, region in regions.items():
        latency = region.get("latency_ms")
        rows.append((name, region.get("process", "-"), region.get("health", "-"), region.get("monitor_status", "-"),
                     "-" if latency is None else f"{latency:.1f} ms", region.get("priority", "-")))
    return rows


def register(app: typer.Typer) -> None:
    app.command()(status)
