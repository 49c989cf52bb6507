"""Run one Terraform process, streaming its output lines as they are written.

Terraform writes to files in the working directory, which geobot follows, rather than to
pipes: if geobot is killed, a pipe would break and Terraform would die on its next line of
output without saving its state. With files, the child gets SIGTERM when geobot dies (it asks
the kernel for that), stops gracefully, writes its state and releases its state lock. The
files stay as the record of the last run of each command (0600).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def automation_env(base: Mapping[str, str]) -> dict[str, str]:
    """Terraform's own switches for running under another program."""
    env = dict(base)
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
    return env


def _private(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str], None] | None = None,
    log_name: str = "terraform",
) -> Result:
    """Run to completion; `on_line` sees each stdout line soon after Terraform writes it."""
    out_path, err_path = cwd / f".{log_name}.out", cwd / f".{log_name}.err"
    out_fd, err_fd = _private(out_path), _private(err_path)
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out_fd,
            stderr=err_fd,
            preexec_fn=_die_with_parent if os.name == "posix" else None,
        )
    finally:
        os.close(out_fd)
        os.close(err_fd)
    lines: list[str] = []
    try:
        with open(out_path, encoding="utf-8", errors="replace") as follow:
            pending = ""
            while True:
                finished = proc.poll() is not None
                chunk = follow.read()
                pending += chunk
                *complete, pending = pending.split("\n")
                for line in complete:
                    lines.append(line)
                    if on_line is not None:
                        on_line(line)
                if finished and not chunk:
                    break
                if not chunk:
                    time.sleep(_POLL_SECONDS)
            if pending:
                lines.append(pending)
                if on_line is not None:
                    on_line(pending)
    except BaseException:
        proc.send_signal(signal.SIGINT)
        proc.wait()
        raise
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    return Result(tuple(argv), proc.returncode, "\n".join(lines), stderr)
