"""`auto` ports on a real deploy: chosen once, journaled, and kept by the next deploy."""

from __future__ import annotations

import json

import pytest

from geobot.targets.local import ports
from geobot.targets.local.processes import Supervisor

from .conftest import Geobot

pytestmark = pytest.mark.terraform


def events(result, kind: str) -> list[dict]:
    return [e for e in map(json.loads, result.stdout.splitlines()) if e["event"] == kind]


def pids(geobot: Geobot) -> dict[str, int | None]:
    return {state.name: state.pid for state in Supervisor(geobot.deployment / "run").states()}


def test_auto_ports_are_chosen_outside_the_ephemeral_range_and_kept_by_the_next_deploy(geobot: Geobot) -> None:
    assert geobot.env["GEOBOT_LOCAL_BOT_PORT"] == "auto"
    first = geobot("--output", "json", "--auto-approve", "deploy")
    assert first.returncode == 0, first.stderr
    chosen = {name: geobot.port(name) for name in ("https", "http", "bot")}
    low, _ = ports.ephemeral_range()
    assert all(ports.POOL_START <= port < low for port in chosen.values())
    preflight = next(e for e in events(first, "stage_finished") if e["stage"] == "preflight")
    assert preflight["outputs"]["ports"] == {"local.https_port": chosen["https"], "local.http_port": chosen["http"],
                                             "local.bot_port": chosen["bot"]}
    running = pids(geobot)

    again = geobot("--output", "json", "--auto-approve", "deploy")
    assert again.returncode == 0, again.stderr
    assert {name: geobot.port(name) for name in ("https", "http", "bot")} == chosen
    assert "infrastructure" in {e["stage"] for e in events(again, "stage_skipped")}
    assert pids(geobot) == running  # nothing restarted
    assert geobot("destroy", "--auto-approve", "--no-export").returncode == 0
