"""Every fault of `geobot drill` in both router modes, on one local deployment, as one table.

Deploys the real local target in a temporary directory on free loopback ports (as
`bench/deploy.py` does) with probes every second, a 1 s timeout, 2 tolerated failures, a
5 s DNS TTL and priority routing (so traffic leaves a region only because of the fault, and
comes back when it is mended), runs `geobot drill` for each fault, DNS-faithful and with
retry, plus a flap without hold-down for contrast, prints one table, and destroys the
deployment. Faithful drills and flaps last as long as `geobot drill` chooses (long enough for
a DNS-faithful failover, or three flaps); retry drills 20 s. About 8 minutes in all.

    python bench/failover.py [--users N] [--plots DIR]   (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geobot.targets.local.processes import Supervisor  # noqa: E402
from tests.conftest import local_deployment_env  # noqa: E402

FAULTS = ("kill", "health", "nlu-down", "store-down", "slow", "flap")
HOLD_DOWN = 10
SETTINGS = {"GEOBOT_PROBE_INTERVAL": "1", "GEOBOT_PROBE_TIMEOUT": "1", "GEOBOT_PROBE_TOLERATED_FAILURES": "2",
            "GEOBOT_DNS_TTL": "5", "GEOBOT_ROUTING": "priority"}
COLUMNS = ("fault", "mode", "detection s", "recovery s", "failed turns", "lost states", "failback s", "switches",
           "targets")


def geobot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "geobot", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"geobot {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def drills(users: int) -> list[tuple[str, str, list[str]]]:
    """(fault, mode label, extra options) for every drill of the table."""
    runs = []
    for fault in FAULTS:
        hold = ["--hold-down", str(HOLD_DOWN)] if fault == "flap" else []
        runs.append((fault, "faithful", ["--router", "faithful", *hold]))
        runs.append((fault, "retry", ["--router", "retry", *hold, *([] if fault == "flap" else ["--duration", "20"])]))
    runs.append(("flap", "retry, no hold-down", ["--router", "retry", "--hold-down", "0"]))
    return [(fault, mode, ["--users", str(users), *extra]) for fault, mode, extra in runs]


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def row(fault: str, mode: str, report: dict[str, Any]) -> tuple[str, ...]:
    r = report["results"]
    missed = [t["target"] for t in report["targets"] if not t["met"]]
    return (fault, mode, cell(r["detection_s"]), cell(r["recovery_s"]), str(r["failed_turns"]), str(r["lost_states"]),
            cell(r["failback_online_s"]), str(r["switches"]), "missed: " + "; ".join(missed) if missed else "met")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--plots", type=Path, help="also save each drill's PNG timeline in this directory")
    args = parser.parse_args()
    started = time.perf_counter()
    rows: list[tuple[str, ...]] = [COLUMNS]
    with tempfile.TemporaryDirectory(prefix="geobot-failover-") as tmp:
        cwd = Path(tmp)
        state = cwd / "failover-state"  # absolute: no other deployment's supervisor can mistake its processes
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
        env |= local_deployment_env() | SETTINGS | {"GEOBOT_STATE_DIR": str(state)}
        geobot(cwd, env, "--auto-approve", "deploy")
        try:
            for fault, mode, extra in drills(args.users):
                report_path = cwd / "report.json"
                plot = ["--plot", str(args.plots / f"drill-{fault}-{mode.replace(', ', '-').replace(' ', '-')}.png")] \
                    if args.plots else []
                geobot(cwd, env, "drill", "--fault", fault, "--report", str(report_path), *extra, *plot)
                rows.append(row(fault, mode, json.loads(report_path.read_text())))
                print(f"{time.perf_counter() - started:5.0f} s  {'  '.join(rows[-1])}", file=sys.stderr, flush=True)
        finally:
            subprocess.run([sys.executable, "-m", "geobot", "--auto-approve", "destroy", "--no-export"], cwd=cwd, env=env,
                           capture_output=True)
            if (state / "geobot" / "run").exists():
                Supervisor(state / "geobot" / "run").stop_all()
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    print(f"probes every 1 s, timeout 1 s, 2 tolerated failures, DNS TTL 5 s, priority routing, {args.users} users; "
          f"flaps with a {HOLD_DOWN} s hold-down unless said; Traffic Manager worst case 1 × (2 + 1) + 1 + 5 = 9 s; "
          f"{time.perf_counter() - started:.0f} s in all")
    for r in rows:
        print("  ".join(value.ljust(width) for value, width in zip(r, widths)).rstrip())


if __name__ == "__main__":
    main()
