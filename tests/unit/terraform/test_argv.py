"""Terraform command lines: non-interactive, machine-readable, no variables on argv."""

from __future__ import annotations

import pytest

from geobot.terraform import argv

TABLE = [
    (argv.init(), ["init", "-input=false", "-no-color", "-json"]),
    (
        argv.plan("p.tfplan", "vars.json"),
        ["plan", "-input=false", "-no-color", "-json", "-lock-timeout=60s", "-out=p.tfplan", "-var-file=vars.json"],
    ),
    (
        argv.plan("p.tfplan", "vars.json", destroy=True),
        ["plan", "-input=false", "-no-color", "-json", "-lock-timeout=60s", "-out=p.tfplan", "-var-file=vars.json", "-destroy"],
    ),
    (argv.apply("p.tfplan"), ["apply", "-input=false", "-no-color", "-json", "-lock-timeout=60s", "p.tfplan"]),
    (argv.output(), ["output", "-no-color", "-json"]),
    (argv.version(), ["version", "-json"]),
]


@pytest.mark.parametrize(("built", "expected"), TABLE)
def test_command_lines(built: list[str], expected: list[str]) -> None:
    assert built == expected


@pytest.mark.parametrize(("built", "_"), TABLE)
def test_no_command_line_carries_a_variable_value(built: list[str], _: list[str]) -> None:
    assert not any(arg.startswith("-var=") or arg == "-var" for arg in built)
