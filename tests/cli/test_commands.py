"""The commands as a user runs them: init, plan, version, JSON output, global options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot import __version__
from geobot.cli.app import main
from geobot.config import load


def test_init_writes_a_config_that_loads_and_names_a_unique_bot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    config = load(Path("geobot.toml"), {}, {})
    assert config.name.startswith("geobot") and config.name != "geobot"
    assert f"name: {config.name}" in capsys.readouterr().out


def test_init_never_overwrites_without_force(capsys: pytest.CaptureFixture[str]) -> None:
    Path("geobot.toml").write_text('name = "mine"\n')
    assert main(["init"]) == 2
    assert capsys.readouterr().err == "error: geobot.toml already exists; edit it, or pass --force to overwrite it\n"
    assert Path("geobot.toml").read_text() == 'name = "mine"\n'
    assert main(["init", "--force", "--name", "fresh"]) == 0
    assert load(Path("geobot.toml"), {}, {}).name == "fresh"


def test_init_with_the_azure_backend_targets_azure_with_blob_state() -> None:
    assert main(["init", "--backend", "azure", "--name", "cloudy"]) == 0
    config = load(Path("geobot.toml"), {}, {})
    assert (config.target, config.azure.backend) == ("azure", "blob")


def test_init_refuses_a_bad_name_and_writes_nothing() -> None:
    assert main(["init", "--name", "Bad-Name"]) == 2
    assert not Path("geobot.toml").exists()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"geobot {__version__}\n"


def test_plan_shows_stages_and_the_terraform_changes_and_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert "+ infrastructure   run (new)" in out
    assert "terraform: 4 to add, 0 to change, 0 to destroy" in out
    assert not Path(".geobot/geobot/journal.json").exists()
    assert not Path(".geobot/geobot/provision.log").exists()


@pytest.mark.usefixtures("local_ports")
def test_json_output_is_one_object_per_line_ending_with_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--output", "json", "--auto-approve"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [line["event"] for line in lines]
    assert kinds[0] == "plan" and kinds[-1] == "result"
    assert {"stage_started", "stage_finished", "change_summary"} <= set(kinds)
    assert all(isinstance(line["time"], float) for line in lines)
    assert main(["destroy", "--output=json", "--auto-approve", "--no-export"]) == 0


@pytest.mark.usefixtures("local_ports")
def test_auto_approve_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOBOT_AUTO_APPROVE", "1")
    assert main(["deploy"]) == 0
    assert main(["destroy"]) == 0
    assert Path("geobot-certificate.pfx").stat().st_mode & 0o777 == 0o600


def test_a_single_region_deploys_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    Path("geobot.toml").write_text('regions = ["koreacentral"]\n')
    assert main(["plan", "--no-terraform"]) == 0
    assert "warning: " in capsys.readouterr().err


def test_destroy_of_a_deployment_without_a_certificate_asks_for_no_export_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from geobot.pipeline.journal import Journal

    monkeypatch.setenv("GEOBOT_AZURE_EDGE", "frontdoor")
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    journal = Journal(Path(".geobot") / "geobot", "geobot", "azure")
    journal.directory.mkdir(parents=True)
    journal.load()
    journal.record("preflight", status="successful", outputs={}, error=None)
    assert main(["--target", "azure", "destroy", "--auto-approve"]) == 0, capsys.readouterr().err
    assert "destroyed geobot" in capsys.readouterr().out
    assert not list(Path(".").glob("*.pfx")) and not Path(".geobot").exists()


def test_the_aws_drill_has_no_timeline_to_plot(capsys: pytest.CaptureFixture[str]) -> None:
    from geobot.pipeline.journal import Journal

    journal = Journal(Path(".geobot") / "geobot", "geobot", "aws")
    journal.directory.mkdir(parents=True)
    journal.load()
    journal.record("preflight", status="successful", outputs={}, error=None)
    assert main(["--target", "aws", "drill", "--plot", "drill.png"]) == 2
    assert capsys.readouterr().err.startswith("error: --plot: the aws drill has no traffic timeline to draw")
    assert not Path("drill.png").exists()
