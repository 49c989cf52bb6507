"""A failed Terraform run → one geobot error that says what went wrong and what to do.

Like pulumi's `create_command_error`: the first error diagnostic (with file and line) is the
message; well-known situations get a specific hint.
"""

from __future__ import annotations

from collections.abc import Iterable

from geobot.errors import TerraformError
from geobot.terraform.events import Diagnostic, parse_line
from geobot.terraform.process import Result

_HINTS = (
    ("Error acquiring the state lock", "another Terraform run holds this deployment's state lock; wait for it to end"),
    ("Failed to query available provider packages", "a provider could not be downloaded; check the network or a provider mirror"),
    ("Inconsistent dependency lock file", "the provider lock file changed; geobot re-runs init on the next deploy"),
)


def diagnostics(stdout: str) -> list[Diagnostic]:
    found = (parse_line(line) for line in stdout.splitlines())
    return [d for d in found if isinstance(d, Diagnostic)]


def _first_error(diags: Iterable[Diagnostic]) -> Diagnostic | None:
    return next((d for d in diags if d.severity == "error"), None)


def classify(command: str, result: Result) -> TerraformError:
    diag = _first_error(diagnostics(result.stdout))
    text = diag.summary if diag else (result.stderr.strip().splitlines() or [f"exit code {result.code}"])[-1]
    where = f" ({diag.where()})" if diag and diag.where() else ""
    detail = f": {diag.detail.splitlines()[0]}" if diag and diag.detail else ""
    hint = next((h for marker, h in _HINTS if marker in result.stdout + result.stderr), "")
    return TerraformError(f"terraform {command} failed{where}: {text}{detail}", hint)
