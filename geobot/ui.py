"""Everything geobot shows: progress, results, questions, errors.

Three reporters share one protocol: `RichReporter` (a TTY: one live line per stage with its
elapsed time), `PlainReporter` (CI and pipes: timestamped lines), `JsonReporter`
(`--output json`: one JSON object per line on stdout, see README "JSON output"). Progress goes
to stderr in text mode so results on stdout stay pipeable. Every string passes through the
redactor first: a registered secret never reaches the terminal.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TextIO

from geobot.pipeline.model import Note, Plan, StageErrored, StageFinished, StageSkipped, StageStarted
from geobot.terraform.events import ChangeSummary, Diagnostic, ResourceFailed, ResourceFinished, ResourceStarted

REDACTED = "[redacted]"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = {s for s in secrets if s}

    def add(self, secret: str | None) -> None:
        if secret:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


class Reporter(Protocol):
    def emit(self, event: object) -> None: ...
    def plan(self, plan: Plan, previews: Mapping[str, str]) -> None: ...
    def result(self, title: str, data: Mapping[str, Any]) -> None: ...
    def table(self, title: str, lines: Sequence[str], rows: Sequence[Sequence[Any]], data: Mapping[str, Any]) -> None: ...
    def error(self, message: str, hint: str) -> None: ...
    def warning(self, text: str) -> None: ...
    def approve(self, question: str) -> bool: ...


def event_name(event: object) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in type(event).__name__).lstrip("_")


def _describe(event: object) -> str | None:
    """The one-line text of an event, or None for events shown only in verbose mode."""
    match event:
        case StageStarted(stage, command, reason):
            return f"{stage}: {'tearing down' if command == 'destroy' else 'running'} ({reason})"
        case StageSkipped(stage, reason):
            return f"{stage}: skipped ({reason})"
        case StageFinished(stage, elapsed, _):
            return f"{stage}: done in {elapsed:.1f}s"
        case StageErrored(stage, elapsed, error):
            return f"{stage}: failed after {elapsed:.1f}s: {error}"
        case Note(stage, text, level):
            return f"{stage + ': ' if stage else ''}{'warning: ' if level == 'warning' else ''}{text}"
        case ChangeSummary(operation, add, change, remove):
            return f"terraform {operation}: {add} to add, {change} to change, {remove} to destroy"
        case Diagnostic(severity, summary, _, _, _) if severity == "warning":
            return f"terraform warning: {summary}"
    return None


def _verbose(event: object) -> str | None:
    match event:
        case ResourceStarted(address, action):
            return f"  {address}: {action} started"
        case ResourceFinished(address, action, elapsed):
            return f"  {address}: {action} complete after {elapsed:.0f}s"
        case ResourceFailed(address, action):
            return f"  {address}: {action} failed"
    return None


def _format_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


class PlainReporter:
    """Timestamped lines, for CI logs and pipes."""

    def __init__(self, redact: Redactor, verbose: bool = False, out: TextIO | None = None, err: TextIO | None = None,
                 interactive: bool = False) -> None:
        self.redact = redact
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.interactive = interactive

    def _line(self, text: str, stream: TextIO | None = None) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(self.redact(f"{stamp} {text}"), file=stream or self.err, flush=True)

    def emit(self, event: object) -> None:
        text = _describe(event) or (_verbose(event) if self.verbose else None)
        if text:
            self._line(text)

    def plan(self, plan: Plan, previews: Mapping[str, str]) -> None:
        print(self.redact(f"geobot will {plan.command}:"), file=self.out)
        for step in plan.steps:
            mark = "+" if step.action == "run" else "="
            print(self.redact(f"  {mark} {step.stage:<16} {step.action} ({step.reason}) {step.description}"), file=self.out)
            if step.stage in previews:
                print(self.redact(f"      {previews[step.stage]}"), file=self.out)
        print(self.redact(f"{len(plan.to_run)} of {len(plan.steps)} stages to run."), file=self.out, flush=True)

    def result(self, title: str, data: Mapping[str, Any]) -> None:
        print(self.redact(title), file=self.out)
        for key, value in data.items():
            print(self.redact(f"  {key}: {_format_value(value)}"), file=self.out)
        self.out.flush()

    def table(self, title: str, lines: Sequence[str], rows: Sequence[Sequence[Any]], data: Mapping[str, Any]) -> None:
        """A title, summary lines, then rows aligned in columns (the first row is the header)."""
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))] if rows else []
        print(self.redact(title), file=self.out)
        for line in lines:
            print(self.redact(f"  {line}"), file=self.out)
        for row in rows:
            cells = "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))
            print(self.redact(f"  {cells}".rstrip()), file=self.out)
        self.out.flush()

    def error(self, message: str, hint: str) -> None:
        """One line: what went wrong, then what to do."""
        print(self.redact(f"error: {message}" + (f"; {hint}" if hint else "")), file=self.err, flush=True)

    def warning(self, text: str) -> None:
        print(self.redact(f"warning: {text}"), file=self.err, flush=True)

    def approve(self, question: str) -> bool:
        if not self.interactive:
            return False
        print(self.redact(f"{question} Only 'yes' will be accepted."), file=self.err)
        print("  Enter a value: ", end="", file=self.err, flush=True)
        return sys.stdin.readline().strip() == "yes"


class RichReporter(PlainReporter):
    """A TTY: coloured, one line per stage with elapsed time, a spinner while a stage runs."""

    def __init__(self, redact: Redactor, verbose: bool = False, color: bool = True) -> None:
        super().__init__(redact, verbose, interactive=True)
        from rich.console import Console

        self.console = Console(stderr=True, no_color=not color, highlight=False)
        self._status: Any = None
        self._started: dict[str, float] = {}

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def emit(self, event: object) -> None:
        from rich.markup import escape

        if isinstance(event, StageStarted):
            self._started[event.stage] = time.monotonic()
            self._stop_status()
            self._status = self.console.status(escape(self.redact(_describe(event) or "")))
            self._status.start()
            return
        if isinstance(event, (ResourceStarted, ResourceFinished)) and self._status is not None:
            self._status.update(escape(self.redact(f"{event.address}: {event.action}")))
            if not self.verbose:
                return
        text = _describe(event) or (_verbose(event) if self.verbose else None)
        if text is None:
            return
        style = {StageFinished: "green", StageErrored: "red", StageSkipped: "dim"}.get(type(event), "")
        if isinstance(event, StageFinished | StageErrored):
            self._stop_status()
        line = escape(self.redact(text))
        self.console.print(f"[{style}]{line}[/{style}]" if style else line)

    def approve(self, question: str) -> bool:
        self._stop_status()
        return super().approve(question)


class JsonReporter:
    """One JSON object per line on stdout: events while running, then a result or an error."""

    def __init__(self, redact: Redactor, out: TextIO | None = None) -> None:
        self.redact = redact
        self.out = out or sys.stdout
        self._lock = threading.Lock()  # stages report from several threads (regions in parallel)

    def _write(self, kind: str, payload: Mapping[str, Any]) -> None:
        line = json.dumps({"event": kind, "time": round(time.time(), 3), **payload}, default=str, sort_keys=True)
        with self._lock:  # one write per line: print() writes the newline apart, so lines could interleave
            self.out.write(self.redact(line) + "\n")
            self.out.flush()

    def emit(self, event: object) -> None:
        if dataclasses.is_dataclass(event):
            self._write(event_name(event), dataclasses.asdict(event))  # type: ignore[arg-type]

    def plan(self, plan: Plan, previews: Mapping[str, str]) -> None:
        steps = [dict(dataclasses.asdict(s), preview=previews.get(s.stage)) for s in plan.steps]
        self._write("plan", {"command": plan.command, "steps": steps})

    def result(self, title: str, data: Mapping[str, Any]) -> None:
        self._write("result", {"title": title, "data": dict(data)})

    def table(self, title: str, lines: Sequence[str], rows: Sequence[Sequence[Any]], data: Mapping[str, Any]) -> None:
        self.result(title, data)

    def error(self, message: str, hint: str) -> None:
        self._write("error", {"message": message, "hint": hint})

    def warning(self, text: str) -> None:
        self._write("warning", {"text": text})

    def approve(self, question: str) -> bool:
        return False


def make_reporter(output: str, *, tty: bool, verbose: bool, color: bool, redact: Redactor) -> Reporter:
    if output == "json":
        return JsonReporter(redact)
    if tty:
        return RichReporter(redact, verbose, color)
    return PlainReporter(redact, verbose)
