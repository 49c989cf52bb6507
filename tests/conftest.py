"""Every test starts in its own empty directory with no GEOBOT_* settings from the caller."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

EXPORT_PASSWORD = "export-password-for-tests"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("GEOBOT_") or name in {"NO_COLOR", "ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"}:
            monkeypatch.delenv(name)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("COLUMNS", "120")
    return workdir


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port_block(count: int) -> int:
    """The first of `count` consecutive free loopback ports (the bots listen on bot_port + i)."""
    for _ in range(50):
        base = free_port()
        if base + count < 65000 and all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def local_deployment_env() -> dict[str, str]:
    """Settings for a local deployment in a test: free loopback ports, 1-second probes."""
    base = free_port_block(10)
    return {
        "GEOBOT_LOCAL_HTTPS_PORT": str(base),
        "GEOBOT_LOCAL_HTTP_PORT": str(base + 1),
        "GEOBOT_LOCAL_BOT_PORT": str(base + 2),
        "GEOBOT_PROBE_INTERVAL": "1",
        "GEOBOT_PROBE_TIMEOUT": "1",
        "GEOBOT_EXPORT_PASSWORD": EXPORT_PASSWORD,
    }


@pytest.fixture
def local_ports(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> Iterator[dict[str, str]]:
    """For in-process deploys: free ports in the environment; what they started is stopped afterwards."""
    from geobot.targets.local.processes import Supervisor

    env = local_deployment_env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    run = clean_environment / ".geobot" / "geobot" / "run"
    if run.exists():
        Supervisor(run).stop_all()
