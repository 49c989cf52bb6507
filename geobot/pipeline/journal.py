"""The record of one deployment on disk: journal, lock and working files.

`<state-dir>/<deployment>/journal.json` holds each stage's status (pending, running,
successful, failed, interrupted, destroying, destroyed), input fingerprint and outputs. It is
written atomically (temp file + `os.replace`, 0600) and never silently replaced: a journal
that cannot be read stops the run with the path and how to recover.

The lock is an `flock` on `<deployment>/lock`: the operating system releases it when its
holder dies, so a `kill -9` never leaves a deployment locked. The holder's pid and command
are written beside it, so a second run can say who holds the lock, and a run that finds the
record of a holder that died says so before resuming.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geobot.errors import JournalError, LockHeld

SCHEMA_VERSION = 1
STATUSES = ("pending", "running", "successful", "failed", "interrupted", "destroying", "destroyed")


def write_private(path: Path, text: str) -> None:
    """Atomically replace `path` with `text`, readable by the owner only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class LockInfo:
    pid: int
    host: str
    command: str
    started: float

    def alive(self) -> bool:
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid} on {self.host} (`{self.command}`, started {when})"


class Journal:
    def __init__(self, directory: Path, deployment: str, target: str) -> None:
        self.directory = directory
        self.deployment = deployment
        self.target = target
        self.path = directory / "journal.json"
        self.lock_path = directory / "lock"
        self._data: dict[str, Any] | None = None
        self.previous_holder: LockInfo | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"schema_version": SCHEMA_VERSION, "deployment": self.deployment, "target": self.target, "stages": {}}
        hint = f"nothing was changed; restore {self.path} from a backup, or move it aside to start the record afresh"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise JournalError(f"journal {self.path} is not text: {exc.reason}", hint) from exc
        except ValueError as exc:
            raise JournalError(f"journal {self.path} is corrupt: {exc}", hint) from exc
        if not isinstance(data, dict) or not isinstance(data.get("stages"), dict):
            raise JournalError(f"journal {self.path} is corrupt: no stages record", hint)
        if data.get("schema_version") != SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path} has schema version {data.get('schema_version')!r}, this geobot reads {SCHEMA_VERSION}",
                "use the geobot release that wrote it",
            )
        if data.get("target") not in (None, self.target):
            raise JournalError(
                f"deployment {self.deployment} was made with target {data.get('target')}, not {self.target}",
                f"pass --target {data.get('target')}, or choose another bot name",
            )
        return data

    def stage(self, name: str) -> dict[str, Any]:
        return self.load()["stages"].get(name, {})

    def outputs(self) -> dict[str, dict[str, Any]]:
        return {name: rec.get("outputs", {}) for name, rec in self.load()["stages"].items()}

    def record(self, name: str, **fields: Any) -> None:
        data = self.load()
        entry = data["stages"].setdefault(name, {})
        entry.update(fields)
        data["updated_at"] = time.time()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def remove(self) -> None:
        """Forget the deployment (after a complete destroy)."""
        self.path.unlink(missing_ok=True)
        self._data = None

    @contextmanager
    def lock(self, command: str) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            holder = self._holder(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._held_error(holder) from None
            self.previous_holder = holder
            mine = LockInfo(os.getpid(), socket.gethostname(), command, time.time())
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(mine.__dict__).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _held_error(self, holder: LockInfo | None) -> LockHeld:
        if holder is None:
            return LockHeld(f"deployment {self.deployment} is locked by another geobot run", "wait for it to finish")
        if holder.alive():
            return LockHeld(
                f"deployment {self.deployment} is locked by {holder.describe()}",
                "wait for that run to finish; two runs must not change one deployment at once",
            )
        return LockHeld(
            f"deployment {self.deployment} has a stale lock: {holder.describe()} is gone but a process it started still holds {self.lock_path}",
            f"find the holder with `fuser {self.lock_path}` and stop it; the lock clears when it exits",
        )

    @staticmethod
    def _holder(fd: int) -> LockInfo | None:
        raw = os.pread(fd, 4096, 0)
        try:
            return LockInfo(**json.loads(raw)) if raw.strip() else None
        except (ValueError, TypeError):
            return None
