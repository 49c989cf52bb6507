"""`geobot drill` on one real local deployment (real Terraform, router, bots), every fault in turn.

For each fault: the drill exits 0, the router detected the fault, traffic left the region,
no conversation lost state, and every number of the report is recomputed here from the
router's own log. Then: the deployment is left as found, an interrupted drill cleans up, bad
input is refused with exit 2 and an unhealthy deployment with exit 1. Probes every second,
one tolerated failure, DNS TTL 1 s and priority routing keep each drill to 11-25 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geobot.targets.local.processes import Supervisor
from geobot.targets.local.vault import LocalVault
from tests.conftest import local_deployment_env

from .conftest import Geobot

REPO = Path(__file__).resolve().parents[2]
SERVING = ("Online", "CheckingEndpoint")
TTL = 1.0
SLACK = 0.5  # between the router's decision and the logged start of a request, on a busy 2-core machine
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never through a proxy


class Deployment(Geobot):
    """The module's deployment; its state directory is absolute, so no other test's supervisor matches it."""

    @property
    def deployment(self) -> Path:
        return Path(self.env["GEOBOT_STATE_DIR"]) / "geobot"

    def router_log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (self.deployment / "run" / "router.jsonl").read_text().splitlines()]

    def router_json(self) -> str:
        return next((self.deployment / "global").glob("**/router.json")).read_text()

    def drill(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        path = self.cwd / "report.json"
        path.unlink(missing_ok=True)
        result = self("drill", "--users", "8", "--report", str(path), *args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result, json.loads(path.read_text())

    def monitor(self) -> dict[str, str]:
        """Each region's monitor status, from the router's status page."""
        url = f"http://127.0.0.1:{self.port('http')}/_geobot/status"
        with DIRECT.open(url, timeout=5) as answer:
            return {e["name"]: e["monitor_status"] for e in json.load(answer)["endpoints"]}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    cwd = tmp_path_factory.mktemp("drill")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
    env |= local_deployment_env() | {
        "PYTHONPATH": str(REPO), "GEOBOT_STATE_DIR": str(cwd / "drill-state"), "GEOBOT_ROUTING": "priority",
        "GEOBOT_PROBE_TOLERATED_FAILURES": "1", "GEOBOT_DNS_TTL": str(int(TTL)),
    }
    runner = Deployment(cwd, env)
    deployed = runner("--auto-approve", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    yield runner
    runner("--auto-approve", "destroy", "--no-export")
    if (runner.deployment / "run").exists():
        Supervisor(runner.deployment / "run").stop_all()


def starts(event: dict[str, Any]) -> float:
    return event["time"] - event["ms"] / 1000


def windows(report: dict[str, Any]) -> list[tuple[float, float]]:
    """The fault's on-phases, in Unix time, from the report's marks."""
    marks = [(m["time"], m["what"]) for m in report["marks"]]
    ons = [at for at, what in marks if what in ("inject", "flap-on")]
    offs = [at for at, what in marks if what in ("flap-off", "clear")]
    return list(zip(ons, offs))


def check_against_the_router_log(local: Deployment, report: dict[str, Any]) -> None:
    """Recompute every measured number of the report from the router's log, independently."""
    drill, r, started = report["drill"], report["results"], report["started"]
    region, clients = drill["region"], drill["clients"]
    log = [e for e in local.router_log() if e["time"] >= started - 5]
    mine = sorted((e for e in log if e["event"] == "request" and e["client"].startswith(clients)), key=starts)
    monitor = [e for e in log if e["event"] == "monitor" and e["endpoint"] == region]
    injected = next(m["time"] for m in report["marks"] if m["what"] == "inject")
    cleared = next(m["time"] for m in report["marks"] if m["what"] == "clear")

    left = next(e for e in monitor if e["time"] >= injected and e["from"] == "Online" and e["to"] != "Online")
    assert r["detection_s"] == pytest.approx(left["time"] - injected, abs=0.02)
    broken = [starts(e) for e in mine if region in e["attempts"] and any(a <= starts(e) < b for a, b in windows(report))]
    assert r["recovery_s"] == pytest.approx(max(broken) - injected if broken else 0.0, abs=0.02)
    assert r["turns"] == len(mine) == r["failed_turns"] + sum(e["status"] == 200 for e in mine)
    assert r["failed_requests"] == r["failed_turns"] == sum(e["status"] != 200 for e in mine)
    switched = [e for e in monitor if e["from"] is not None and (e["from"] in SERVING) != (e["to"] in SERVING)]
    assert [e["to"] for e in switched] == [s["to"] for s in report["switches"]]
    assert [e["time"] - started for e in switched] == pytest.approx([s["at_s"] for s in report["switches"]], abs=0.02)
    back = next((e["time"] for e in monitor if e["time"] >= cleared and e["to"] == "Online"), None)
    if r["failback_online_s"] not in (None, 0.0):
        assert r["failback_online_s"] == pytest.approx(back - cleared, abs=0.02)
    per_second = report["timeline"]
    for name in ("koreacentral", "southeastasia"):
        assert sum(per_second[name]) == sum(1 for e in mine if e["endpoint"] == name and e["status"] == 200
                                            and 0 <= starts(e) - started < len(per_second["second"]))
    assert report["agreement"] == {"client_turns": r["turns"], "router_requests": r["turns"], "mismatches": 0,
                                   "agrees": True}


def check_traffic_left(local: Deployment, report: dict[str, Any], mode: str) -> None:
    """After detection (and, DNS-faithful, one TTL) no request went to the region while it was broken, and
    after the last one that did, requests went to another region before the fault ended."""
    drill, r, started = report["drill"], report["results"], report["started"]
    region, clients = drill["region"], drill["clients"]
    start, end = windows(report)[0]
    settled = started + r["detected_at_s"] + (TTL if mode == "faithful" else 0) + SLACK
    mine = sorted((e for e in local.router_log() if e["event"] == "request" and e["client"].startswith(clients)),
                  key=starts)
    assert not [e for e in mine if settled <= starts(e) < end and region in e["attempts"]]
    last = max((starts(e) for e in mine if start <= starts(e) < end and region in e["attempts"]), default=start)
    assert [e for e in mine if last < starts(e) < end and region not in e["attempts"]]
    assert r["traffic_moved_off"]


def run_fault(local: Deployment, fault: str, mode: str, duration: int, *extra: str) -> tuple[str, dict[str, Any]]:
    before = local.router_json()
    result, report = local.drill("--fault", fault, "--router", mode, "--duration", str(duration), *extra)
    r = report["results"]
    assert report["drill"]["fault"] == fault and report["drill"]["router"] == mode
    assert r["detection_s"] is not None and r["detection_s"] >= 0  # how fast depends on the machine's load: not asserted
    assert r["lost_states"] == 0 and r["lost_turns"] == 0 and r["conversations"] >= 8
    check_traffic_left(local, report, mode)
    check_against_the_router_log(local, report)
    assert local.router_json() == before  # the router's settings are put back
    assert local.monitor() == {"koreacentral": "Online", "southeastasia": "Online"}
    return result.stdout + result.stderr, report


def test_kill_faithful(local: Deployment) -> None:
    pid = json.loads((local.deployment / "run" / "bot-koreacentral.json").read_text())["pid"]
    output, report = run_fault(local, "kill", "faithful", 14, "--plot", str(local.cwd / "kill.png"))
    r = report["results"]
    assert report["drill"]["region"] == "koreacentral"  # the router's pick with priority routing
    assert r["failed_turns"] > 0  # DNS-faithful: requests to the dead region fail until detection
    assert r["recovery_s"] <= r["detection_s"] + TTL + SLACK  # cached answers outlive detection by a TTL at most
    assert r["failback_online_s"] is not None and r["failback_traffic_s"] is not None
    assert json.loads((local.deployment / "run" / "bot-koreacentral.json").read_text())["pid"] != pid
    assert (local.cwd / "kill.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for expected in ("drill: kill in koreacentral for 8 users over 14 s", "killed the bot of koreacentral",
                     "router: koreacentral Online → Degraded", "the bot of koreacentral started again",
                     "drill kill in koreacentral, faithful router: detected in", "faithful: recovery within 4 s",
                     "PHASE", "before", "fault", "after"):
        assert expected in output
    redeployed = local("--output", "json", "--auto-approve", "deploy")  # the restarted bot is as deploy left it
    services = next(json.loads(line) for line in redeployed.stdout.splitlines() if '"services"' in line
                    and '"stage_finished"' in line)
    assert set(services["outputs"]["processes"].values()) == {"running"}


def test_health_retry(local: Deployment) -> None:
    _, report = run_fault(local, "health", "retry", 11)
    assert report["results"]["failed_turns"] == 0  # the bot still answers; only its probe fails


def test_nlu_down_retry(local: Deployment) -> None:
    _, report = run_fault(local, "nlu-down", "retry", 11)
    assert report["results"]["failed_turns"] == 0 and all(t["met"] for t in report["targets"])


def test_store_down_faithful(local: Deployment) -> None:
    _, report = run_fault(local, "store-down", "faithful", 14)
    r = report["results"]
    assert r["failed_turns"] > 0 and r["recovery_s"] <= r["detection_s"] + TTL + SLACK


def test_slow_retry(local: Deployment) -> None:
    _, report = run_fault(local, "slow", "retry", 13)
    assert report["drill"]["slow_ms"] == 2000 and report["results"]["failed_turns"] == 0
    assert "no answer within 1 s" in report["results"]["detection_reason"]


def test_flap_retry_with_hold_down(local: Deployment) -> None:
    _, report = run_fault(local, "flap", "retry", 25, "--hold-down", "3")
    assert [m["what"] for m in report["marks"]] == ["inject", "flap-off", "flap-on", "clear"]
    assert report["drill"]["probe"]["hold_down_s"] == 3
    returns = [s for s in report["switches"] if s["to"] in SERVING]
    outs = [s for s in report["switches"] if s["to"] not in SERVING]
    for back in returns:  # each return came at least a hold-down after the region went out
        went = max(s["at_s"] for s in outs if s["at_s"] < back["at_s"])
        assert back["at_s"] - went >= 3 - 0.01
    assert {t["target"]: t["met"] for t in report["targets"]}["flap: at most one return per 3 s hold-down"]


def ctrl_c_as_in_a_terminal() -> None:
    """A runner started in the background (as CI may be) passes SIGINT on ignored; a user's Ctrl-C is not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_drill_puts_the_router_and_the_region_back(local: Deployment) -> None:
    before = local.router_json()
    drill = subprocess.Popen([sys.executable, "-m", "geobot", "drill", "--fault", "health", "--router", "retry",
                              "--duration", "12", "--users", "2"], cwd=local.cwd, env=local.env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             preexec_fn=ctrl_c_as_in_a_terminal)
    assert drill.stderr is not None
    said = ""
    while "health fault injected in koreacentral" not in said and drill.poll() is None:
        said += drill.stderr.readline()
    assert json.loads(local.router_json())["retry"] is True  # the drill's mode is in force
    drill.send_signal(signal.SIGINT)
    assert drill.wait(timeout=30) == 130, said + drill.stderr.read()
    assert local.router_json() == before
    port = local.port("bot")  # koreacentral, the first region
    key = LocalVault(local.deployment / "global" / "vault").get_secret("geobot-drill-key")
    hook = urllib.request.Request(f"http://127.0.0.1:{port}/api/drill", headers={"X-Geobot-Drill-Key": key or ""})
    with DIRECT.open(hook, timeout=5) as answer:
        assert json.load(answer)["faults"] == {"health": False, "nlu-down": False, "store-down": False, "slow": 0}


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "westeurope"],
     "error: --region westeurope: the deployment has no such region; choose one of koreacentral, southeastasia"),
    (["--duration", "4"], "error: --duration 4: too short to detect a fault with probes every 1 s"),
    (["--users", "0"], "error: --users 0: must be at least 1; e.g. --users 20"),
    (["--fault", "meteor"], "error: --fault meteor: must be one of kill, health, nlu-down, store-down, slow, flap"),
    (["--plot", "/nonexistent/dir/drill.png"], "error: --plot /nonexistent/dir/drill.png: cannot be written"),
])
def test_bad_input_is_refused_with_exit_2_before_anything_changes(local: Deployment, args: list[str], message: str) -> None:
    before = local.router_json()
    result = local("drill", "--router", "retry", *args)
    assert result.returncode == 2 and message in result.stderr
    assert local.router_json() == before


def test_an_unhealthy_deployment_is_refused_with_exit_1(local: Deployment) -> None:
    pid = json.loads((local.deployment / "run" / "bot-southeastasia.json").read_text())["pid"]
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while local.monitor()["southeastasia"] == "Online" and time.monotonic() < deadline:
        time.sleep(0.5)
    result = local("drill", "--duration", "10")
    assert result.returncode == 1
    assert "error: the deployment is not healthy, so a drill would measure nothing: southeastasia is Degraded" in result.stderr
    assert "`geobot deploy` restarts what is down" in result.stderr
