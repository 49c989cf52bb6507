"""`geobot chat --web` options: refused combinations exit 2 before anything starts; --help stays light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.cli.app import main


@pytest.mark.parametrize("argv, message", [
    (["chat", "--web", "-m", "hi"], "--web and --message cannot be combined"),
    (["chat", "--no-browser"], "--no-browser and --port apply only with --web"),
    (["chat", "--port", "8000"], "--no-browser and --port apply only with --web"),
    (["chat", "--web"], "there is no deployment geobot in .geobot"),
])
def test_refused_web_options_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize(("port", "rule"), [("80", "must be at least 1024"), ("70000", "must be at most 65535")])
def test_a_privileged_or_impossible_port_is_a_usage_error(port: str, rule: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--web", "--port", port]) == 2
    assert capsys.readouterr().err == f"error: --port {port}: {rule}; see `geobot chat --help`\n"


def test_help_does_not_load_the_web_chat() -> None:
    script = ("import sys\nfrom geobot.cli.app import main\nmain(['chat', '--help'])\n"
              "print(sorted(m for m in sys.modules if m.startswith('geobot.webchat')))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])})
    assert "--no-browser" in loaded.stdout and loaded.stdout.strip().endswith("[]")
