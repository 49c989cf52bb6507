"""Offline means offline: geobot and the Terraform it runs leave the user's home untouched.

Terraform's update check ("checkpoint") writes ~/.terraform.d/checkpoint_signature and calls
HashiCorp unless CHECKPOINT_DISABLE is set; every Terraform call, the version probe included,
must run with geobot's automation environment.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geobot.targets.local.processes import Supervisor
from geobot.terraform.binary import find

from .conftest import Geobot

pytestmark = pytest.mark.terraform


def everything_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


@pytest.fixture
def homeless(geobot: Geobot, tmp_path: Path) -> Geobot:
    """geobot with HOME (and every XDG directory) pointed at an empty directory."""
    home = tmp_path / "home"
    home.mkdir()
    for name in [n for n in geobot.env if n.startswith("XDG_")]:
        del geobot.env[name]
    geobot.env["HOME"] = str(home)
    return geobot


def test_deploy_status_plan_and_a_refused_deploy_write_nothing_into_home(homeless: Geobot) -> None:
    home = Path(homeless.env["HOME"])
    try:
        refused = homeless("deploy", "--auto-approve", extra_env={"GEOBOT_ROUTING": "fastest"})
        assert refused.returncode == 2, refused.stdout + refused.stderr
        for command in (("deploy", "--auto-approve"), ("status",), ("plan",)):
            result = homeless(*command)
            assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
        assert everything_in(home) == []
    finally:
        homeless("destroy", "--auto-approve", "--no-export")
        if (homeless.deployment / "run").exists():
            Supervisor(homeless.deployment / "run").stop_all()
    assert everything_in(home) == []


def test_the_terraform_version_probe_does_not_call_home(tmp_path: Path) -> None:
    """The first thing every command does with Terraform; before the fix it left the checkpoint file."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CHECKPOINT_DISABLE" and not k.startswith("XDG_")}
    find(env | {"HOME": str(home)})
    assert everything_in(home) == []
