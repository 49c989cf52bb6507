"""Terraform's -json UI (recorded from a real run, tests/golden/terraform) → typed events."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot.errors import TerraformError
from geobot.terraform.errors import classify
from geobot.terraform.events import (
    ChangeSummary,
    Diagnostic,
    PlannedChange,
    ResourceFinished,
    ResourceStarted,
    parse_line,
)
from geobot.terraform.process import Result

GOLDEN = Path(__file__).parents[2] / "golden" / "terraform"


def events(name: str) -> list[object]:
    parsed = (parse_line(line) for line in (GOLDEN / name).read_text().splitlines())
    return [e for e in parsed if e is not None]


def test_a_plan_lists_each_planned_change_and_the_summary() -> None:
    seen = events("plan.jsonl")
    assert sorted(e.address for e in seen if isinstance(e, PlannedChange)) == [
        'terraform_data.region["a"]',
        'terraform_data.region["b"]',
    ]
    assert {e.action for e in seen if isinstance(e, PlannedChange)} == {"create"}
    assert seen[-1] == ChangeSummary("plan", 2, 0, 0)


def test_an_apply_reports_each_resource_starting_and_finishing() -> None:
    seen = events("apply.jsonl")
    assert sorted(e.address for e in seen if isinstance(e, ResourceStarted)) == [
        'terraform_data.region["a"]',
        'terraform_data.region["b"]',
    ]
    assert sorted(e.address for e in seen if isinstance(e, ResourceFinished)) == [
        'terraform_data.region["a"]',
        'terraform_data.region["b"]',
    ]
    assert seen[-1] == ChangeSummary("apply", 2, 0, 0)


def test_a_diagnostic_keeps_file_and_line() -> None:
    (diag,) = events("error.jsonl")
    assert diag == Diagnostic(
        "error",
        "Reference to undeclared input variable",
        diag.detail,
        "bad.tf",
        2,
    )
    assert diag.where() == "bad.tf:2"


def test_a_failed_run_becomes_one_line_naming_the_command_and_the_place() -> None:
    stdout = (GOLDEN / "error.jsonl").read_text()
    error = classify("plan", Result(("terraform", "plan"), 1, stdout, ""))
    assert error.message.startswith("terraform plan failed (bad.tf:2): Reference to undeclared input variable: ")
    assert "\n" not in error.message


def test_without_diagnostics_the_last_stderr_line_explains() -> None:
    error = classify("init", Result(("terraform", "init"), 1, "", "noise\nError: backend unreachable\n"))
    assert error.message == "terraform init failed: Error: backend unreachable"


def test_a_state_lock_conflict_gets_a_specific_hint() -> None:
    error = classify("apply", Result(("terraform", "apply"), 1, "", "Error acquiring the state lock\n"))
    assert "state lock" in error.hint


@pytest.mark.parametrize("line", ["", "not json", "[1, 2]", '{"type": "outputs", "outputs": {}}'])
def test_lines_geobot_does_not_show_are_ignored(line: str) -> None:
    assert parse_line(line) is None


def test_an_unknown_major_ui_version_is_refused() -> None:
    with pytest.raises(TerraformError, match="UI version 2.0"):
        parse_line('{"type": "version", "ui": "2.0"}')
