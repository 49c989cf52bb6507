"""Terraform command lines, built without touching the disk or a process.

Every command runs non-interactively (`-input=false`), without colour, and, where Terraform
offers it, with the machine-readable `-json` UI the engine parses into progress events.
"""

from __future__ import annotations

LOCK_TIMEOUT = "-lock-timeout=60s"


def init() -> list[str]:
    return ["init", "-input=false", "-no-color", "-json"]


def plan(plan_file: str, var_file: str, *, destroy: bool = False) -> list[str]:
    argv = ["plan", "-input=false", "-no-color", "-json", LOCK_TIMEOUT, f"-out={plan_file}"]
    argv.append(f"-var-file={var_file}")
    if destroy:
        argv.append("-destroy")
    return argv


def apply(plan_file: str) -> list[str]:
    """Apply a saved plan: what was shown is exactly what runs."""
    return ["apply", "-input=false", "-no-color", "-json", LOCK_TIMEOUT, plan_file]


def output() -> list[str]:
    return ["output", "-no-color", "-json"]


def version() -> list[str]:
    return ["version", "-json"]
