"""Local processes that outlive geobot: start, find, restart and stop them by name.

Each process has a record `run_dir/<name>.json` (atomic, 0600) whose existence means "geobot
wants it running": only `stop` removes it, so a record whose process is gone reads as a crash
that the next `ensure` repairs. A pid alone proves nothing after a reboot or a pid reuse, so the
record also keeps the kernel's start time of the process and the boot id; both must match before
geobot believes, or signals, that pid. Processes run in their own session with no parent-death
signal, so they survive the CLI; their output is appended to `run_dir/<name>.log` (0600).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from geobot.errors import CloudError, InputError

SCHEMA_VERSION = 1
MARKER = "GEOBOT_SUPERVISED"  # in each child's environment: the record it belongs to
POLL_SECONDS = 0.05
_NAME = re.compile(r"[a-z0-9-]+")
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_children: dict[int, subprocess.Popen[bytes]] = {}  # started by this Python process: ours to reap
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never via a proxy


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"process name {name!r}: use only a-z, 0-9 and '-'")
    return name


def port_in_use(port: int) -> bool:
    """Whether something already accepts TCP connections on 127.0.0.1:<port>."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _ready(port: int, path: str | None) -> bool:
    """One readiness probe: HTTP 200 on `path`, or a TCP connect when there is no path."""
    if path is None:
        return port_in_use(port)
    try:
        with _direct.open(f"http://127.0.0.1:{port}{path}", timeout=1) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):
        return False


def _listens(pid: int, port: int) -> bool:
    """Whether `pid` itself holds the listening socket on `port` (not an older process it raced)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    with contextlib.suppress(OSError):
        return any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


def _start_ticks(pid: int) -> int | None:
    """When a live pid started, in clock ticks since boot (/proc/<pid>/stat field 22); None if gone."""
    if (child := _children.get(pid)) is not None and child.poll() is not None:
        del _children[pid]  # reaped: a stopped child of ours must not linger as a zombie
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and parens
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _alive(record: dict) -> bool:
    """The recorded process still runs: same boot, and the pid's start time is the recorded one."""
    return record["boot_id"] == _BOOT_ID.read_text().strip() and _start_ticks(record["pid"]) == record["start_ticks"]


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def wait_until(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def _last_line(log: Path, offset: int) -> str:
    """The last non-blank line this start wrote to the log (a traceback ends with its cause)."""
    with log.open("rb") as f:
        f.seek(offset)
        lines = [line.strip() for line in f.read().decode(errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "its log is empty"


@dataclass(frozen=True)
class ProcessSpec:
    """A server to keep running on a loopback port. Its argv and env never hold secrets."""

    name: str
    argv: tuple[str, ...]
    port: int
    ready_path: str | None = None
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    cwd: Path | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not self.argv or not 0 < self.port < 65536:
            raise ValueError(f"process {self.name}: needs a command and a port in 1..65535")

    def digest(self) -> str:
        """What the running process is made of; ready_path is left out as it changes no process."""
        doc = {"argv": list(self.argv), "port": self.port, "env": dict(self.env), "cwd": str(self.cwd or "")}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ProcessState:
    """What the record says, and whether the recorded process is really alive."""

    name: str
    pid: int | None
    running: bool
    port: int | None
    digest: str | None
    log: Path
    started_at: float | None


class Supervisor:
    """Keeps named local processes running across geobot runs; all it knows lives in run_dir."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir).absolute()  # absolute: the marker must name this deployment only
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)

    def record_path(self, name: str) -> Path:
        return self.run_dir / f"{_check_name(name)}.json"

    def state(self, name: str) -> ProcessState:
        record = self._read(name)
        if record is None:
            return ProcessState(name, None, False, None, None, self.run_dir / f"{name}.log", None)
        return ProcessState(name, record["pid"], _alive(record), record["port"], record["digest"],
                            Path(record["log"]), record["started_at"])

    def states(self) -> list[ProcessState]:
        return [self.state(name) for name in self._names()]

    def ensure(self, spec: ProcessSpec, timeout: float = 30.0) -> str:
        """Leave a live process with this spec alone, replace one with another spec, start a missing one.

        Returns "running", "restarted" (a live process had a changed spec) or "started" (none
        was running: never started, crashed, or lost to a reboot).
        """
        record = self._read(spec.name)
        outcome = "started"
        if record is not None and _alive(record):
            if record["digest"] == spec.digest():
                return "running"
            self._terminate(record, timeout=10.0)
            outcome = "restarted"
        else:
            self._stop_orphans(spec)
        if port_in_use(spec.port):
            raise InputError(f"port {spec.port} ({spec.name}) is in use by another program",
                             f"stop the program listening on 127.0.0.1:{spec.port}, or choose another port")
        self._start(spec, timeout)
        return outcome

    def stop(self, name: str, timeout: float = 10.0) -> bool:
        """Stop the process and forget it; True if a live process was stopped."""
        record = self._read(name)
        if record is None:
            return False
        stopped = self._terminate(record, timeout)
        self.record_path(name).unlink(missing_ok=True)
        return stopped

    def stop_all(self, timeout: float = 10.0) -> list[str]:
        """Stop every recorded process; returns the names of those that were running."""
        return [name for name in self._names() if self.stop(name, timeout)]

    def _names(self) -> list[str]:
        return sorted(p.stem for p in self.run_dir.glob("*.json") if _NAME.fullmatch(p.stem))

    def _read(self, name: str) -> dict | None:
        with contextlib.suppress(FileNotFoundError):
            return json.loads(self.record_path(name).read_text())
        return None

    def _write(self, name: str, record: dict) -> None:
        path = self.record_path(name)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(record, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _stop_orphans(self, spec: ProcessSpec) -> None:
        """Kill what geobot started for `spec` but never recorded (it was killed in between)."""
        marker = f"\0{MARKER}={self.record_path(spec.name)}\0".encode()
        found = False
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if marker in b"\0" + (entry / "environ").read_bytes():
                        _signal_group(int(entry.name), signal.SIGKILL)
                        found = True
        if found:
            wait_until(lambda: not port_in_use(spec.port), 5.0)

    def _terminate(self, record: dict, timeout: float) -> bool:
        """SIGTERM the process group, SIGKILL it after `timeout`; never signals a pid that is not ours."""
        if not _alive(record):
            return False
        pid, ticks = record["pid"], record["start_ticks"]
        _signal_group(pid, signal.SIGTERM)
        if not wait_until(lambda: _start_ticks(pid) != ticks, timeout):
            _signal_group(pid, signal.SIGKILL)
            wait_until(lambda: _start_ticks(pid) != ticks, 5.0)
        _signal_group(pid, signal.SIGKILL)  # what the leader left in its group, which keeps the pgid
        wait_until(lambda: not port_in_use(record["port"]), timeout)
        return True

    def _start(self, spec: ProcessSpec, timeout: float) -> None:
        """Start the process, record it at once (geobot may die while it waits), then await readiness."""
        log = self.run_dir / f"{spec.name}.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        offset = os.fstat(fd).st_size
        try:
            child = subprocess.Popen(spec.argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, close_fds=True,
                                     start_new_session=True, cwd=spec.cwd,
                                     env={**os.environ, **spec.env, MARKER: str(self.record_path(spec.name))})
        except OSError as exc:
            hint = f"check its command {spec.argv[0]!r}"
            raise CloudError(f"process {spec.name} could not start: {exc.strerror}", hint) from exc
        finally:
            os.close(fd)
        _children[child.pid] = child
        self._write(spec.name, {
            "schema_version": SCHEMA_VERSION, "name": spec.name, "pid": child.pid,
            "start_ticks": _start_ticks(child.pid), "boot_id": _BOOT_ID.read_text().strip(),
            "digest": spec.digest(), "argv": list(spec.argv), "port": spec.port, "log": str(log),
            "started_at": time.time(),
        })
        ready = wait_until(lambda: child.poll() is not None
                      or (_ready(spec.port, spec.ready_path) and _listens(child.pid, spec.port)), timeout)
        if ready and child.returncode is None:
            return
        _signal_group(child.pid, signal.SIGKILL)
        failure = f"exited with code {child.returncode}" if ready else f"not ready after {timeout:g} s"
        child.wait()
        _children.pop(child.pid, None)
        self.record_path(spec.name).unlink(missing_ok=True)
        raise CloudError(f"process {spec.name} {failure}: {_last_line(log, offset)}", f"see its log {log}")
