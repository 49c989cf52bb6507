"""A rolling update under traffic, and the same update all at once, on one local deployment.

Deploys the real local target in a temporary directory on free loopback ports, DNS-faithful
(clients keep an answer for the DNS TTL), from a copy of this checkout's code ("release 1").
Then, while 20 simulated users (`geobot.drill.users`) hold booking conversations through the
router, deploys release 2: the same code plus one line, so every bot's code version changes
and every region must restart. Once one region at a time (the default), once with
--all-at-once (release 3). For each: turns, failed turns, lost states, the version every
region reports at the end, the deploy's wall time and the rollout's (first region out of
rotation to the last one Online again, from the router's log; "-" when no region left the
rotation). Then destroys the deployment.
About 2 minutes.

    python bench/rollout.py [--users N] [--dns-ttl S]   (from the repository root)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geobot.drill.users import Endpoint, TurnRecord, Users  # noqa: E402
from geobot.pipeline.journal import Journal  # noqa: E402
from geobot.targets.local.declarations import Declarations, get_json  # noqa: E402
from geobot.targets.local.processes import Supervisor  # noqa: E402
from geobot.targets.local.readiness import tls_endpoint  # noqa: E402
from tests.conftest import local_deployment_env  # noqa: E402
from tests.releases import release, version_of  # noqa: E402

WARMUP, COOLDOWN = 3.0, 3.0  # seconds of traffic before the deploy and after it
LIMIT = 240  # seconds a deploy may take before the bench gives up


def geobot(cwd: Path, env: dict[str, str], code: Path, *args: str) -> float:
    """Run geobot from `code`; its wall time."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geobot", *args], cwd=cwd, env={**env, "PYTHONPATH": str(code)},
                          capture_output=True, text=True, timeout=LIMIT)
    if done.returncode != 0:
        raise SystemExit(f"geobot {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


def rollout_span(log: Path, since: float) -> float | None:
    """Seconds from the first region leaving rotation to the last one Online again (router log)."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    moves = [e for e in events if e["event"] == "monitor" and e["time"] >= since]
    out = [e["time"] for e in moves if e["to"] in ("Disabled", "Degraded")]
    back = [e["time"] for e in moves if e["to"] == "Online"]
    return max(back) - min(out) if out and back else None


async def under_traffic(endpoint: Endpoint, users: int, cwd: Path, env: dict[str, str], code: Path,
                        extra: list[str]) -> tuple[list[TurnRecord], float]:
    """Users talk from WARMUP before the deploy until COOLDOWN after it; (their turns, deploy seconds)."""
    talking = Users(endpoint, users, f"rollout-{time.time_ns()}")

    async def deploy() -> float:
        await asyncio.sleep(WARMUP)
        try:
            return await asyncio.to_thread(geobot, cwd, env, code, "--auto-approve", "deploy", *extra)
        finally:
            talking.stop(time.time() + COOLDOWN)

    records, seconds = await asyncio.gather(talking.run(time.time() + WARMUP + LIMIT + COOLDOWN), deploy())
    return records, seconds


def versions(declared: Declarations) -> dict[str, str | None]:
    """The code version each region's bot reports now."""
    answers = {r.name: get_json(f"http://127.0.0.1:{r.port}/api/health/live") for r in declared.regions}
    return {name: (answer[1] or {}).get("version") if answer else None for name, answer in answers.items()}


def figures(mode: str, records: list[TurnRecord], seconds: float, span: float | None, reported: dict[str, str | None],
            wanted: str) -> dict[str, Any]:
    failed = [r for r in records if r.verdict == "failed"]
    return {
        "mode": mode, "turns": len(records), "failed turns": len(failed),
        "lost states": sum(r.verdict == "lost" for r in records),
        "on the new version": f"{sum(v == wanted for v in reported.values())}/{len(reported)}",
        "deploy s": f"{seconds:.1f}", "rollout s": "-" if span is None else f"{span:.1f}",
        "failures": ", ".join(sorted({f"{r.status or ''} {r.error or ''}".strip()[:60] for r in failed})[:3]) or "-",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--dns-ttl", type=int, default=5)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="geobot-rollout-") as tmp:
        base = Path(tmp)
        cwd, state = base / "work", base / "state"  # an absolute state dir: no other supervisor mistakes it
        cwd.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
        env |= local_deployment_env() | {"GEOBOT_STATE_DIR": str(state), "GEOBOT_DNS_TTL": str(args.dns_ttl)}
        codes = [release(base, number) for number in (1, 2, 3)]
        geobot(cwd, env, codes[0], "--auto-approve", "deploy")
        try:
            journal = Journal(state / "geobot", "geobot", "local")
            declared = Declarations.from_outputs(journal.outputs()["infrastructure"])
            endpoint = Endpoint(*tls_endpoint("geobot.localhost", declared))
            for mode, code, extra in (("rolling", codes[1], []), ("all at once", codes[2], ["--all-at-once"])):
                since = time.time()
                records, seconds = asyncio.run(under_traffic(endpoint, args.users, cwd, env, code, extra))
                span = rollout_span(Path(declared.router()["log"]), since)
                rows.append(figures(mode, records, seconds, span, versions(declared), version_of(code)))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        finally:
            subprocess.run([sys.executable, "-m", "geobot", "--auto-approve", "destroy", "--no-export"], cwd=cwd,
                           env={**env, "PYTHONPATH": str(codes[0])}, capture_output=True)
            if (state / "geobot" / "run").exists():
                Supervisor(state / "geobot" / "run").stop_all()
    print(f"{args.users} users through the local router, DNS-faithful, DNS TTL {args.dns_ttl} s, probes every 1 s; "
          "every bot's code changes (a new release)")
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    for line in ([dict(zip(columns, columns))] + rows):
        print("  ".join(str(line[c]).ljust(w) for c, w in zip(columns, widths)).rstrip())


if __name__ == "__main__":
    main()
