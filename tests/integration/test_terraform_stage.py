"""TerraformStage against a real Terraform: modules are copied, stages can share one state, and a
backend override puts the state where it says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geobot.pipeline.stage import StageContext
from geobot.targets.infra import BACKEND_FILE, TerraformStage
from geobot.terraform.binary import find
from geobot.terraform.engine import Engine

ROOT = """
variable "bound" {
  type    = bool
  default = false
}
module "region" {
  source   = "./modules/region"
  for_each = toset(["a", "b"])
  name     = each.key
}
resource "terraform_data" "binding" {
  count = var.bound ? 1 : 0
  input = "bound"
}
output "regions" { value = sort([for r in module.region : r.name]) }
"""
MODULE = """
variable "name" { type = string }
resource "terraform_data" "this" { input = var.name }
output "name" { value = terraform_data.this.output }
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    (root / "modules" / "region").mkdir(parents=True)
    (root / "main.tf").write_text(ROOT)
    (root / "modules" / "region" / "main.tf").write_text(MODULE)
    return root


def context(tmp_path: Path) -> StageContext:
    directory = tmp_path / "deployment"
    directory.mkdir(exist_ok=True)
    return StageContext(directory, {}, lambda event: None, lambda question: True)


def stage(source: Path, name: str, bound: bool, **options: object) -> TerraformStage:
    return TerraformStage(name, name, Engine(find(), os.environ), source, lambda ctx: {"bound": bound}, True, **options)


def test_a_configuration_with_modules_applies_from_its_copy(source: Path, tmp_path: Path) -> None:
    ctx = context(tmp_path)
    outputs = stage(source, "infrastructure", False).run(ctx)
    assert outputs == {"regions": ["a", "b"]}
    assert (ctx.workdir / "terraform" / "infrastructure" / "modules" / "region" / "main.tf").is_file()


def test_stages_sharing_a_state_change_it_and_only_its_owner_destroys_it(source: Path, tmp_path: Path) -> None:
    ctx = context(tmp_path)
    owner, binder = stage(source, "infrastructure", False), stage(source, "tls", True, state="infrastructure")
    owner.run(ctx)
    binder.run(ctx)
    state = ctx.workdir / "terraform" / "infrastructure" / "terraform.tfstate"
    assert "terraform_data.binding" not in state.read_text() and '"binding"' in state.read_text()
    binder.teardown(ctx)
    assert '"binding"' in state.read_text()  # not the binder's to destroy
    owner.teardown(ctx)
    assert not (ctx.workdir / "terraform" / "infrastructure").exists()


def test_a_backend_override_keeps_the_state_where_it_says(source: Path, tmp_path: Path) -> None:
    ctx = context(tmp_path)
    remote = tmp_path / "elsewhere" / "geobot.tfstate"
    remote.parent.mkdir()
    stage(source, "infrastructure", False, backend=lambda ctx: {"local": {"path": str(remote)}}).run(ctx)
    workdir = ctx.workdir / "terraform" / "infrastructure"
    assert (workdir / BACKEND_FILE).is_file()
    assert remote.is_file() and 'module.region' in remote.read_text()
    assert not (workdir / "terraform.tfstate").exists()
