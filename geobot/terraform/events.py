"""Terraform's machine-readable UI (`-json`), turned into typed progress events.

One JSON object per line; see HashiCorp's "machine-readable UI" documentation. Only major
version 1 of the UI format is understood; anything else is rejected rather than misread.
Lines that are not JSON (a provider's stray print) are ignored, never fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from geobot.errors import TerraformError


@dataclass(frozen=True)
class ResourceStarted:
    address: str
    action: str


@dataclass(frozen=True)
class ResourceFinished:
    address: str
    action: str
    elapsed: float


@dataclass(frozen=True)
class ResourceFailed:
    address: str
    action: str


@dataclass(frozen=True)
class ChangeSummary:
    operation: str
    add: int
    change: int
    remove: int

    @property
    def empty(self) -> bool:
        return self.add == self.change == self.remove == 0


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str
    filename: str | None
    line: int | None

    def where(self) -> str:
        return f"{self.filename}:{self.line}" if self.filename else ""


@dataclass(frozen=True)
class PlannedChange:
    address: str
    action: str


TerraformEvent = ResourceStarted | ResourceFinished | ResourceFailed | ChangeSummary | Diagnostic | PlannedChange


def _hook(obj: dict) -> tuple[str, str]:
    hook = obj.get("hook") or obj.get("change") or {}
    resource = hook.get("resource") or {}
    return resource.get("addr", "?"), hook.get("action", "")


def _diagnostic(obj: dict) -> Diagnostic:
    diag = obj.get("diagnostic") or {}
    where = diag.get("range") or {}
    return Diagnostic(
        severity=diag.get("severity", obj.get("@level", "error")),
        summary=diag.get("summary", obj.get("@message", "")),
        detail=diag.get("detail", ""),
        filename=where.get("filename"),
        line=(where.get("start") or {}).get("line"),
    )


def parse_line(line: str) -> TerraformEvent | None:
    """One line of `-json` output → an event, or None for lines geobot does not show."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind == "version":
        major = str(obj.get("ui", "1")).split(".")[0]
        if major != "1":
            raise TerraformError(
                f"Terraform speaks machine-readable UI version {obj.get('ui')}, geobot understands 1.x",
                "use a Terraform or OpenTofu release in geobot's supported range (`geobot doctor`)",
            )
        return None
    if kind == "apply_start":
        return ResourceStarted(*_hook(obj))
    if kind == "apply_complete":
        address, action = _hook(obj)
        return ResourceFinished(address, action, float(obj["hook"].get("elapsed_seconds", 0)))
    if kind == "apply_errored":
        return ResourceFailed(*_hook(obj))
    if kind == "planned_change":
        return PlannedChange(*_hook(obj))
    if kind == "change_summary":
        changes = obj.get("changes") or {}
        return ChangeSummary(
            changes.get("operation", "plan"),
            int(changes.get("add", 0)),
            int(changes.get("change", 0)),
            int(changes.get("remove", 0)),
        )
    if kind == "diagnostic":
        return _diagnostic(obj)
    return None
