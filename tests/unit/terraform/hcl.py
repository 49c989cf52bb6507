"""Reading Terraform configurations in tests: python-hcl2 into a small model, and the tools
(terraform, checkov) run on the real files. Shared by the tests of terraform/azure and terraform/aws."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

hcl2 = pytest.importorskip("hcl2")

REPO = Path(__file__).resolve().parents[3]
SCHEMA_CHECK = Path(os.environ.get("GEOBOT_TFSCHEMA_CHECK", REPO.parent / "shared" / "tools" / "tfschema" / "check.py"))


def _unquote(value: Any) -> Any:
    """python-hcl2 8 keeps the quotes of labels and string literals: '"HTTPS"' -> 'HTTPS'."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value, strict=False) if "\\" in value else value[1:-1]
        except json.JSONDecodeError:  # a heredoc or an escape JSON does not know
            return value[1:-1]
    return value


def _norm(node: Any) -> Any:
    if isinstance(node, dict):
        return {_unquote(k): _norm(v) for k, v in node.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(node, list):
        return [_norm(v) for v in node]
    return _unquote(node)


@dataclass
class Block:
    kind: str  # resource, data, module, variable, output
    type: str  # resource/data type; "" for module, variable, output
    name: str
    body: dict[str, Any]
    file: Path

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(REPO)}: {self.kind} {self.type} {self.name}".replace("  ", " ")

    def block(self, name: str) -> dict[str, Any]:
        """The one nested block `name` (python-hcl2 gives a list of one)."""
        value = self.body.get(name)
        assert isinstance(value, list) and len(value) == 1, f"{self.where}: expected one {name} block"
        return value[0]


@dataclass
class Configuration:
    directory: Path
    blocks: list[Block] = field(default_factory=list)
    locals: dict[str, Any] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    def of(self, kind: str, type_: str | None = None) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind and (type_ is None or b.type == type_)]

    def resources(self, type_: str | None = None) -> list[Block]:
        return self.of("resource", type_)

    def names(self, kind: str) -> set[str]:
        return {b.name for b in self.of(kind)}


def load(directory: Path) -> Configuration:
    config = Configuration(directory)
    for path in sorted(directory.glob("*.tf")):
        config.text += path.read_text() + "\n"
        with path.open() as handle:
            parsed = _norm(hcl2.load(handle))
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    for name, body in named.items():
                        config.blocks.append(Block(kind, type_, name, body, path))
        for kind in ("module", "variable", "output"):
            for entry in parsed.get(kind, []):
                for name, body in entry.items():
                    config.blocks.append(Block(kind, "", name, body, path))
        for entry in parsed.get("locals", []):
            config.locals.update(entry)
        config.terraform.extend(parsed.get("terraform", []))
    return config


def strip_comments(text: str) -> str:
    return re.sub(r"(?m)^\s*#.*$|\s#[^\n\"]*$", "", text)


def terraform_binary() -> str | None:
    return shutil.which("terraform") or shutil.which("tofu")


def tf_env(tmp_path: Path) -> dict[str, str]:
    rc = tmp_path / "terraformrc"
    rc.write_text("")
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


def provider_free_copy(source: Path, directory: Path) -> Path:
    """variables.tf + contract.tf of `source`, initialised in `directory`: they need no provider, so this works offline."""
    for name in ("variables.tf", "contract.tf"):
        shutil.copyfile(source / name, directory / name)
    done = subprocess.run([terraform_binary(), "init", "-input=false", "-no-color"], cwd=directory, check=False,
                          capture_output=True, text=True, env=tf_env(directory), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return directory


def plan(directory: Path, variables: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    var_file = directory / "test.tfvars.json"
    var_file.write_text(json.dumps(variables))
    return subprocess.run([terraform_binary(), "plan", "-input=false", "-no-color", "-lock=false", f"-var-file={var_file.name}"],
                          cwd=directory, check=False, capture_output=True, text=True, env=tf_env(directory), timeout=120)


def checkov(command: list[str], directory: Path, var_file: Path, env: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """checkov's summary of `directory` with `var_file`, and its failed checks as one line each."""
    done = subprocess.run([*command, "-d", str(directory), "--framework", "terraform", "--skip-download", "--compact",
                           "--quiet", "-o", "json", "--var-file", str(var_file)],
                          check=False, capture_output=True, text=True, timeout=600, env={**env, "BC_SKIP_MAPPING": "TRUE"})
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in report.get("results", {}).get("failed_checks", [])]
    return report["summary"], failed
