"""Where geobot's bundled data lives: the Terraform configurations and the language model.

In a wheel they are packaged inside `geobot/`; in a source checkout (or an editable install)
they are the top-level `terraform/` and `luis/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(packaged: str, source: str) -> Path:
    inside = _PACKAGE / packaged
    return inside if inside.is_dir() else _PACKAGE.parent / source


def terraform_dir(target: str) -> Path:
    return _bundled("_terraform", "terraform") / target


def luis_dir() -> Path:
    return _bundled("_luis", "luis")
