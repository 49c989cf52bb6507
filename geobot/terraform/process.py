"""Run one Terraform process, streaming its stdout lines and keeping its stderr.

Both pipes are drained on their own threads (a chatty stderr must not block stdout). The
child gets SIGTERM if geobot dies, so a `kill -9` of geobot lets Terraform stop gracefully,
write its state and release its state lock instead of running on as an orphan.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1


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


def run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str], None] | None = None,
) -> Result:
    """Run to completion; `on_line` sees each stdout line as it arrives."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        preexec_fn=_die_with_parent if os.name == "posix" else None,
    )
    out: list[str] = []
    err: list[str] = []

    def drain_stderr() -> None:
        assert proc.stderr is not None
        err.append(proc.stderr.read())

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
        code = proc.wait()
    except BaseException:
        proc.send_signal(signal.SIGINT)
        proc.wait()
        raise
    finally:
        reader.join()
    return Result(tuple(argv), code, "".join(out), "".join(err))
