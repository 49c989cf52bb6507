"""`geobot plan` and `geobot deploy` with --target aws, on a machine with no AWS credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.cli.app import main

REPO = Path(__file__).resolve().parents[4]
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                        "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
PROBE = """
import json, sys
from geobot.cli.app import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A machine never configured for AWS: no keys, no profile files, no instance metadata to ask."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = {"AWS_CONFIG_FILE": str(tmp_path / "no-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-creds"),
                "AWS_EC2_METADATA_DISABLED": "true"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


def test_plan_works_offline_and_never_loads_an_aws_sdk(no_credentials: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    done = subprocess.run([sys.executable, "-c", PROBE, "--target", "aws", "plan"], capture_output=True, text=True,
                          check=False, env={**env, "PYTHONPATH": str(REPO)}, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert [m for m in report["modules"] if m.split(".")[0] in ("boto3", "botocore")] == []
    for stage in ("preflight", "bots", "publish", "functions", "online", "smoke"):
        assert f"+ {stage} " in done.stdout
    assert '"lex_bot": "geobot-bot-use1"' in done.stdout and '"bot_alias_ids": {}' in done.stdout
    assert "update: rolling, one region at a time, callers' region last: the region map holds the region" in done.stdout


def test_deploy_without_credentials_stops_at_preflight_with_exit_2_and_creates_nothing(
    no_credentials: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--target", "aws", "deploy", "--auto-approve"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.splitlines()[-1] == ("error: no AWS credentials found (needed to check who geobot deploys as in "
                                    "us-east-1); configure AWS credentials: aws configure / AWS_PROFILE / OIDC role in CI")
    assert "Traceback" not in err
    state = Path(".geobot/geobot")
    assert sorted(p.name for p in state.iterdir()) == ["journal.json", "lock"]
    assert json.loads((state / "journal.json").read_text())["stages"]["preflight"]["status"] == "failed"


def test_deploy_refuses_an_unknown_intent_before_creating_anything(
    no_credentials: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path("geobot.toml").write_text('target = "aws"\n[aws]\nexpected_intent = "OrderFlowers"\n')
    code = main(["deploy", "--auto-approve"])
    errors = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning: ")]
    assert code == 2 and len(errors) == 1
    assert errors[0].startswith("error: aws.expected_intent = 'OrderFlowers': is not an intent of geobot.luis.json")
    assert not Path(".geobot").exists()
