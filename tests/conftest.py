"""Every test starts in its own empty directory with no GEOBOT_* settings from the caller."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot.targets.local.ports import allocate

EXPORT_PASSWORD = "export-password-for-tests"
PARALLEL = ("tests/integration/test_azure_rehearsal.py",)  # spread over pytest-xdist's workers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep every test but the Azure rehearsal's in one xdist group, run in order by one worker.

    The rehearsal's deploys mostly wait (role propagation, drains, certbot), so they share the
    other workers; the tests of real processes, ports and failover timing run as they always
    have, one at a time (`--dist loadgroup` in pyproject.toml).
    """
    for item in items:
        if not item.nodeid.startswith(PARALLEL):
            item.add_marker(pytest.mark.xdist_group("serial"))


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


class Clock:
    """Time that passes only when the code under test sleeps: waits tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def free_port() -> int:
    """A loopback port nothing uses, chosen as geobot chooses `auto` ports: outside the ephemeral
    range, so no outgoing connection can take it before the test's server binds it."""
    return allocate()


def local_deployment_env(*, explicit: bool = False) -> dict[str, str]:
    """Settings for a local deployment in a test: ports geobot chooses (or, `explicit`, chosen here
    as it would), 1-second probes."""
    base = allocate(10) if explicit else 0
    ports = (base, base + 1, base + 2) if explicit else ("auto",) * 3
    return {
        "GEOBOT_LOCAL_HTTPS_PORT": str(ports[0]),
        "GEOBOT_LOCAL_HTTP_PORT": str(ports[1]),
        "GEOBOT_LOCAL_BOT_PORT": str(ports[2]),
        "GEOBOT_PROBE_INTERVAL": "1",
        "GEOBOT_PROBE_TIMEOUT": "1",
        "GEOBOT_EXPORT_PASSWORD": EXPORT_PASSWORD,
    }


def deployed_ports(deployment: Path) -> dict[str, int]:
    """The ports a local deployment was given: {"https", "http", "bot" (the first region's)}."""
    outputs = json.loads((deployment / "journal.json").read_text())["stages"]["infrastructure"]["outputs"]
    router = json.loads(Path(outputs["global"]["router"]).read_text())
    first = min(outputs["regions"].values(), key=lambda region: region["priority"])
    return {"https": router["https_port"], "http": router["http_port"], "bot": first["port"]}


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
