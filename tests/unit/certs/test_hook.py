"""The certbot hooks as certbot runs them: a real `python -m geobot.certs.hook` against a real local vault."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.bot.settings import acme_secret_name
from geobot.certs.hook import HookError, KeyVaultSecrets, open_secrets
from geobot.targets.local.vault import LocalVault

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
VALIDATION = f"{TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"


def hook(action: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the hook as certbot does: a fresh interpreter, its inputs in the environment only."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CERTBOT_", "GEOBOT_"))}
    return subprocess.run([sys.executable, "-m", "geobot.certs.hook", *action.split()],
                          env={**base, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture
def vault(tmp_path: Path) -> LocalVault:
    return LocalVault(tmp_path / "vault")


def test_auth_stores_the_key_authorization_and_cleanup_removes_it(vault: LocalVault) -> None:
    env = {"CERTBOT_TOKEN": TOKEN, "CERTBOT_VALIDATION": VALIDATION, "GEOBOT_HOOK_VAULT_URL": vault.url}
    auth = hook("auth", **env)
    assert (auth.returncode, auth.stdout, auth.stderr) == (0, "", "")
    assert vault.get_secret(acme_secret_name(TOKEN)) == VALIDATION

    cleanup = hook("cleanup", **env)
    assert (cleanup.returncode, cleanup.stdout, cleanup.stderr) == (0, "", "")
    assert vault.list_secrets() == []
    assert hook("cleanup", **env).returncode == 0  # nothing left to remove is not a failure


@pytest.mark.parametrize("action, env, message", [
    ("auth", {"CERTBOT_VALIDATION": VALIDATION}, "CERTBOT_TOKEN is not set"),
    ("auth", {"CERTBOT_TOKEN": TOKEN}, "CERTBOT_VALIDATION is not set"),
    ("auth", {"CERTBOT_TOKEN": TOKEN, "CERTBOT_VALIDATION": VALIDATION, "GEOBOT_HOOK_VAULT_URL": ""},
     "GEOBOT_HOOK_VAULT_URL is not set"),
    ("auth", {"CERTBOT_TOKEN": "../etc", "CERTBOT_VALIDATION": VALIDATION}, "CERTBOT_TOKEN: an ACME token is"),
    ("auth", {"CERTBOT_TOKEN": TOKEN, "CERTBOT_VALIDATION": VALIDATION, "GEOBOT_HOOK_VAULT_URL": "file:vault"},
     "a local vault URL is file:///absolute/path"),
    ("auth", {"CERTBOT_TOKEN": TOKEN, "CERTBOT_VALIDATION": VALIDATION, "GEOBOT_HOOK_VAULT_URL": "ftp://x/"},
     "expected file:///abs/path or https://"),
    ("deploy", {"CERTBOT_TOKEN": TOKEN}, "unknown action 'deploy'"),
    ("", {"CERTBOT_TOKEN": TOKEN}, "unknown action '(none)'"),
    ("auth cleanup", {"CERTBOT_TOKEN": TOKEN}, "unknown action 'auth cleanup'"),
])
def test_failures_exit_1_with_one_line(vault: LocalVault, action: str, env: dict[str, str], message: str) -> None:
    result = hook(action, **{"GEOBOT_HOOK_VAULT_URL": vault.url, **env})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("geobot ACME hook ")
    assert message in result.stderr
    assert VALIDATION not in result.stderr
    assert vault.list_secrets() == []


def test_a_vault_that_cannot_be_written_fails_without_showing_the_value(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    result = hook("auth", CERTBOT_TOKEN=TOKEN, CERTBOT_VALIDATION=VALIDATION,
                  GEOBOT_HOOK_VAULT_URL=(tmp_path / "file" / "vault").as_uri())
    assert result.returncode == 1
    assert result.stderr.startswith("geobot ACME hook auth: NotADirectoryError: ")
    assert result.stderr.count("\n") == 1
    assert VALIDATION not in result.stderr + result.stdout


def test_only_file_and_https_vault_urls_are_opened() -> None:
    with pytest.raises(HookError, match="expected file:///abs/path or https://"):
        open_secrets("http://vault.example.test")
    pytest.importorskip("azure.keyvault.secrets")
    pytest.importorskip("azure.identity")
    assert isinstance(open_secrets("https://geobot-test.vault.azure.net"), KeyVaultSecrets)  # no request is made yet
