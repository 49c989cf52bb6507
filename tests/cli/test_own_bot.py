"""The example bot of one's own (examples/echo-bot) plans for azure and aws with no error.

`geobot plan` runs from a copy of the example, as a user would; then the variables rendered for
each cloud go through the real `terraform plan` of its provider-free contract (variables.tf +
contract.tf), so the user's bot changes nothing Terraform would refuse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geobot import config as configuration
from geobot.cli.app import main
from geobot.resources import terraform_dir
from geobot.targets.aws.variables import render_variables as aws_variables
from geobot.targets.azure.variables import render_variables as azure_variables
from tests.unit.terraform.hcl import plan, provider_free_copy, terraform_binary

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo-bot"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
AWS_WARNING = "is not deployed on aws: Lex V2 answers from bot.model's intents"


@pytest.fixture
def example(clean_environment: Path) -> Path:
    shutil.copytree(EXAMPLE, clean_environment, dirs_exist_ok=True)
    return clean_environment


def test_plan_for_azure_has_no_error_nor_warning(example: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    code = main(["--target", "azure", "plan", "--no-terraform"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "error" not in err and "warning" not in err


def test_plan_for_aws_has_no_error_and_says_the_bot_itself_is_not_deployed(example: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--target", "aws", "plan", "--no-terraform"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("warning: bot.app")] == [
        f"warning: bot.app = {str(example)!r} {AWS_WARNING}, with no bot server to run it; "
        "deploy it with target local or azure"]


@pytest.mark.parametrize("target", ["azure", "aws"])
def test_terraform_accepts_the_variables_of_the_example(target: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if terraform_binary() is None:
        pytest.skip("no terraform or tofu binary")
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    config = configuration.load(EXAMPLE / "geobot.toml", {}, {"target": target})
    if target == "azure":
        variables = azure_variables(config)
        assert variables["startup_command"] == "python -m geobot.bot --app bot_app"
    else:
        variables = aws_variables(config, tmp_path / "functions.zip")
        assert variables["probe"]["expected_intent"] == "Greeting"
    done = plan(provider_free_copy(terraform_dir(target), tmp_path), variables)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.usefixtures("local_ports")
@pytest.mark.parametrize("line, says", [
    ("no-such-distribution-for-geobot>=1", "no-such-distribution-for-geobot is not installed"),
    ("aiohttp<1", "aiohttp is 3."),
])
def test_local_deploy_refuses_requirements_the_bots_python_does_not_meet(
    example: Path, capsys: pytest.CaptureFixture[str], line: str, says: str
) -> None:
    requirements = example / "requirements.txt"
    requirements.write_text(requirements.read_text() + line + "\n")
    code = main(["--auto-approve", "deploy"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"error: bot.app = {str(example)!r}: {requirements} line 3: {says}")
    assert "-m pip install -r" in err[0]
    assert not (example / ".geobot").exists()
