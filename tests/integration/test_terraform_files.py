"""The Terraform configurations are formatted and match the providers' real schemas."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_CHECK = ROOT.parent / "shared" / "tools" / "tfschema" / "check.py"


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary for fmt")
def test_terraform_files_are_formatted() -> None:
    done = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-list=true", "terraform"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"run `terraform fmt -recursive terraform`: {done.stdout}"


@pytest.mark.skipif(not SCHEMA_CHECK.exists(), reason="the shared schema checker is not beside the project")
def test_terraform_files_match_the_provider_schemas() -> None:
    pytest.importorskip("hcl2")
    done = subprocess.run([sys.executable, str(SCHEMA_CHECK), "-r", "terraform"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
