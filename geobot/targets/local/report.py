"""`geobot status` for the local target: processes, health, monitor status, pick, certificate.

Read-only: it asks the supervisor's records, each bot's health endpoint and the router's status
API, and changes nothing. A stopped router or bot is reported, not repaired (`deploy` does that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geobot.certs.pfx import Pfx, describe
from geobot.config import Config
from geobot.rollout.machine import unfinished
from geobot.targets.local.certificate import installed
from geobot.targets.local.declarations import Declarations, get_json, router_status
from geobot.targets.local.processes import ProcessState, Supervisor
from geobot.targets.local.readiness import public_url


def process_word(state: ProcessState) -> str:
    if state.running:
        return "running"
    return "stopped" if state.pid is None else "not running (exited or killed)"


def health_word(answer: tuple[int, Any] | None) -> str:
    if answer is None:
        return "no answer"
    status, body = answer
    if status == 200:
        return "healthy"
    failed = body.get("failed", []) if isinstance(body, dict) else []
    return f"unhealthy ({', '.join(failed)})" if failed else f"HTTP {status}"


def local_status(config: Config, deployment_dir: Path, outputs: dict[str, Any],
                 rollout: dict[str, Any] | None = None) -> dict[str, Any]:
    """`rollout`: the services stage's journaled progress of a rolling update."""
    if "infrastructure" not in outputs:
        return {"regions": {}}
    declared = Declarations.from_outputs(outputs["infrastructure"])
    supervisor = Supervisor(deployment_dir / "run")
    router = router_status(declared)
    monitor = {e["name"]: e for e in router["endpoints"]} if router else {}
    regions: dict[str, Any] = {}
    for region in declared.regions:
        state = supervisor.state(f"bot-{region.name}")
        endpoint = monitor.get(region.name, {})
        health = get_json(f"http://127.0.0.1:{region.port}/api/health")
        regions[region.name] = {
            "process": process_word(state),
            "pid": state.pid if state.running else None,
            "port": region.port,
            "health": health_word(health),
            "version": health[1].get("version") if health and isinstance(health[1], dict) else None,
            "monitor_status": endpoint.get("monitor_status", "unknown (router down)"),
            "latency_ms": endpoint.get("latency_ms"),
            "priority": region.priority,
        }
    return {
        "url": public_url(config.host_name, declared),
        "router": {
            "process": process_word(supervisor.state("router")),
            "routing_method": config.routing,
            "retry": config.local.retry,
            "pick": router.get("pick") if router else None,
        },
        "regions": regions,
        "certificate": _certificate(installed(declared)),
        **_update(rollout),
    }


def _update(rollout: dict[str, Any] | None) -> dict[str, Any]:
    """A rolling update that did not finish: which region is out of rotation, and why."""
    said = unfinished(rollout)
    return {"update": said} if said else {}


def _certificate(certificate: Pfx | None) -> dict[str, Any] | None:
    if certificate is None:
        return None
    info = describe(certificate)
    return {key: info[key] for key in ("subject", "issuer", "not_after", "days_left")}
