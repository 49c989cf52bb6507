"""Start-up time of the CLI, and the Terraform engine's overhead over Terraform run by hand.

Prints medians over several runs; asserts nothing. Run: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = 'resource "terraform_data" "bench" {\n  input = var.value\n}\nvariable "value" { type = string }\n'


def median_seconds(command: list[str], runs: int, cwd: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def geobot_command() -> list[str]:
    script = Path(sys.executable).with_name("geobot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "geobot"]


def by_hand(terraform: str, workdir: Path, value: str) -> None:
    """What a person would type: init, plan to a file, apply it."""
    (workdir / "v.tfvars.json").write_text(f'{{"value": "{value}"}}')
    for args in (["init", "-input=false"], ["plan", "-input=false", "-out=p", "-var-file=v.tfvars.json"], ["apply", "-input=false", "p"]):
        subprocess.run([terraform, *args], cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def through_engine(workdir: Path, value: str) -> None:
    from geobot.terraform.binary import find
    from geobot.terraform.engine import Engine

    engine = Engine(find())
    engine.init(workdir)
    engine.apply(workdir, engine.plan(workdir, {"value": value}))


def engine_overhead(runs: int) -> tuple[float, float, str]:
    from geobot.terraform.binary import find

    binary = find()
    hand, engine = [], []
    for i in range(runs):
        for samples, run in ((hand, lambda d, v: by_hand(binary.command[0], d, v)), (engine, through_engine)):
            with tempfile.TemporaryDirectory() as scratch:
                (Path(scratch) / "main.tf").write_text(CONFIG)
                start = time.perf_counter()
                run(Path(scratch), f"run-{i}")
                samples.append(time.perf_counter() - start)
    return statistics.median(hand), statistics.median(engine), binary.describe()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    command = geobot_command()
    with tempfile.TemporaryDirectory() as scratch:
        help_s = median_seconds([*command, "--help"], args.runs, Path(scratch))
        version_s = median_seconds([*command, "version"], args.runs, Path(scratch))
    python_s = median_seconds([sys.executable, "-c", "pass"], args.runs)
    print(f"geobot start-up, median of {args.runs} runs ({' '.join(command)}):")
    print(f"  geobot --help     {help_s * 1000:7.0f} ms")
    print(f"  geobot version    {version_s * 1000:7.0f} ms")
    print(f"  python -c pass    {python_s * 1000:7.0f} ms  (interpreter floor)")
    if shutil.which("terraform") or shutil.which("tofu") or os.environ.get("GEOBOT_TERRAFORM"):
        runs = max(3, args.runs // 2)
        hand, engine, which = engine_overhead(runs)
        print(f"one terraform_data init+plan+apply, median of {runs} runs ({which}):")
        print(f"  terraform by hand {hand * 1000:7.0f} ms")
        print(f"  geobot engine     {engine * 1000:7.0f} ms  (overhead {(engine - hand) * 1000:+.0f} ms, {engine / hand:.2f}x)")


if __name__ == "__main__":
    main()
