"""Helpers for running the real `geobot` command against real Terraform and real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from geobot.targets.local.processes import Supervisor
from tests.conftest import deployed_ports, local_deployment_env

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Geobot:
    """Runs `python -m geobot` in a directory, as a user would from a shell."""

    cwd: Path
    env: dict[str, str]

    def __call__(self, *args: str, extra_env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geobot", *args],
            cwd=self.cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=240,
            stdin=subprocess.DEVNULL,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "geobot", *args],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    def killed_as_starting(self, stage: str, *args: str) -> int:
        """Run `geobot --output json <args>` and SIGKILL it as `stage` starts (the event stream
        announces even a stage too short to see in the journal); its return code."""
        process = self.start("--output", "json", *args)
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            if event["event"] == "stage_started" and event["stage"] == stage:
                process.send_signal(signal.SIGKILL)
                break
        return process.wait()

    @property
    def deployment(self) -> Path:
        return self.cwd / ".geobot" / "geobot"

    def provision_log(self) -> list[str]:
        log = self.deployment / "provision.log"
        return log.read_text().splitlines() if log.exists() else []

    def port(self, name: str) -> int:
        """The https, http or (first region's) bot port: as set, or as geobot chose it for `auto`."""
        value = self.env[f"GEOBOT_LOCAL_{name.upper()}_PORT"]
        return deployed_ports(self.deployment)[name] if value == "auto" else int(value)


@pytest.fixture
def geobot(clean_environment: Path) -> Iterator[Geobot]:
    """geobot on free loopback ports with 1-second probes; whatever it started is stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env |= local_deployment_env()
    runner = Geobot(clean_environment, env)
    yield runner
    if (runner.deployment / "run").exists():
        Supervisor(runner.deployment / "run").stop_all()
