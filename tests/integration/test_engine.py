"""The engine against a real Terraform: plan to a file, apply it, read outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geobot.errors import TerraformError
from geobot.terraform.binary import find
from geobot.terraform.engine import Engine
from geobot.terraform.events import ResourceFinished

CONFIG = """
variable "names" { type = set(string) }
variable "secret" {
  type      = string
  sensitive = true
}
resource "terraform_data" "region" {
  for_each = var.names
  input    = each.key
}
output "regions" { value = sort([for r in terraform_data.region : r.output]) }
output "secret" {
  value     = var.secret
  sensitive = true
}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(CONFIG)
    return tmp_path


def test_plan_apply_output_round_trip(workdir: Path) -> None:
    events: list[object] = []
    engine = Engine(find(), os.environ, events.append)
    engine.init(workdir)
    plan = engine.plan(workdir, {"names": ["a", "b"], "secret": "hunter2-test"})
    assert (plan.summary.add, plan.summary.remove) == (2, 0)
    assert oct(plan.path.stat().st_mode & 0o777) == "0o600"
    assert not (workdir / "geobot.tfvars.json").exists()

    engine.apply(workdir, plan)
    assert not plan.path.exists()
    assert sorted(e.address for e in events if isinstance(e, ResourceFinished)) == [
        'terraform_data.region["a"]',
        'terraform_data.region["b"]',
    ]
    outputs = engine.output(workdir)
    assert outputs.public() == {"regions": ["a", "b"]}
    assert outputs.sensitive == {"secret"}

    again = engine.plan(workdir, {"names": ["a", "b"], "secret": "hunter2-test"})
    assert again.summary.empty


def test_a_failing_plan_raises_with_file_and_line_and_removes_the_var_file(workdir: Path) -> None:
    (workdir / "broken.tf").write_text('resource "terraform_data" "x" {\n  input = var.undeclared\n}\n')
    engine = Engine(find())
    engine.init(workdir)
    with pytest.raises(TerraformError, match=r"terraform plan failed \(broken.tf:2\)"):
        engine.plan(workdir, {"names": [], "secret": "x"})
    assert not (workdir / "geobot.tfvars.json").exists()
