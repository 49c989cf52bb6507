"""A full local deploy and destroy, timed: with the local CA, and with ACME (certbot) against Pebble.

Runs the real `geobot` command (real Terraform, real processes, real certbot) in a temporary
directory on free loopback ports, and prints the wall time of deploy and destroy and the
resident memory of the whole deployment (router + every bot) once it is up. Pebble comes from
the Debian package `pebble`; without it the ACME row is skipped.

    python bench/deploy.py [--runs N] [--regions R]   (from the repository root, geobot installed)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import local_deployment_env  # noqa: E402
from tests.pebble import run_pebble  # noqa: E402

REGIONS = ["koreacentral", "southeastasia", "japanwest", "australiaeast", "westeurope", "eastus2"]


def geobot(cwd: Path, env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geobot", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"geobot {' '.join(args)} failed:\n{done.stderr}")
    return time.perf_counter() - started


def deployment_rss_mib(cwd: Path) -> float:
    total = 0
    for record in (cwd / ".geobot" / "geobot" / "run").glob("*.json"):
        status = Path(f"/proc/{json.loads(record.read_text())['pid']}/status").read_text()
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total / 1024


def one_run(source: str, regions: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(prefix="geobot-bench-") as tmp:
        cwd = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
        env |= local_deployment_env() | {"GEOBOT_REGIONS": ",".join(REGIONS[:regions])}
        acme = run_pebble(cwd / "pebble", int(env["GEOBOT_LOCAL_HTTP_PORT"])) if source == "acme" else nullcontext()
        with acme as pebble:
            if pebble is not None:
                env |= {"GEOBOT_CERT_SOURCE": "letsencrypt", "GEOBOT_CERT_EMAIL": "bench@example.test",
                        "GEOBOT_ACME_DIRECTORY": pebble.directory, "REQUESTS_CA_BUNDLE": str(pebble.ca_bundle)}
            deploy = geobot(cwd, env, "--auto-approve", "deploy")
            memory = deployment_rss_mib(cwd)
            destroy = geobot(cwd, env, "--auto-approve", "destroy", "--export", str(cwd / "saved.pfx"))
        return deploy, destroy, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--regions", type=int, default=2, choices=range(1, len(REGIONS) + 1))
    args = parser.parse_args()
    print(f"{args.runs} runs, {args.regions} regions, medians")
    print(f"{'certificate':<22}{'deploy s':>10}{'destroy s':>11}{'total s':>9}{'memory MiB':>12}")
    for source, label in (("local-ca", "local CA"), ("acme", "ACME (Pebble)")):
        try:
            runs = [one_run(source, args.regions) for _ in range(args.runs)]
        except BaseException as exc:  # pytest.skip when Pebble is missing
            if type(exc).__name__ != "Skipped":
                raise
            print(f"{label:<22}skipped: pebble is not installed")
            continue
        deploy, destroy, memory = (statistics.median(column) for column in zip(*runs))
        print(f"{label:<22}{deploy:>10.1f}{destroy:>11.1f}{deploy + destroy:>9.1f}{memory:>12.0f}")


if __name__ == "__main__":
    main()
