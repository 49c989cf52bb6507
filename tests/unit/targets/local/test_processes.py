"""The process supervisor on real child processes: start, survive, crash, restart, stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geobot.errors import CloudError, InputError
from geobot.targets.local.processes import ProcessSpec, Supervisor, port_in_use
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[4]

# Answers "<pid> <TAG>" with 200 on /health, 202 on /starting, 404 elsewhere; IGNORE_TERM=1 makes it shrug off SIGTERM.
SERVER = """
import http.server, os, signal, sys
if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{os.getpid()} {os.environ.get('TAG', '')}".encode()
        self.send_response({"/health": 200, "/starting": 202}.get(self.path, 404))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def server_spec(name: str, port: int | None = None, **env: str) -> ProcessSpec:
    port = port or free_port()
    return ProcessSpec(name, (sys.executable, "-c", SERVER, str(port)), port, ready_path="/health", env=env)


def get(port: int) -> tuple[int, str]:
    """(pid, TAG) of the server answering on the port."""
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        f"http://127.0.0.1:{port}/health", timeout=5
    ) as response:
        pid, _, tag = response.read().decode().partition(" ")
    return int(pid), tag


def gone(pid: int) -> bool:
    """No such process, or only a zombie (its parent exited and nothing reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def writing_into(directory: Path) -> list[int]:
    """Pids whose stdout is a file in the directory: every process a test's supervisor started."""
    pids = []
    for fd in Path("/proc").glob("[0-9]*/fd/1"):
        try:
            if Path(os.readlink(fd)).parent == directory:
                pids.append(int(fd.parts[2]))
        except OSError:
            pass
    return pids


@pytest.fixture
def sup(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(tmp_path / "run")
    yield supervisor
    supervisor.stop_all(timeout=2)
    for pid in writing_into(supervisor.run_dir):  # whatever a failed test left behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stranger() -> Iterator[int]:
    """A live process geobot did not start."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(0.05)  # start times count 10 ms ticks: make its differ from the server's started next
    yield proc.pid
    proc.kill()
    proc.wait()


def test_ensure_starts_a_ready_process_with_private_files(sup: Supervisor) -> None:
    spec = server_spec("bot-koreacentral", TAG="a")
    assert sup.ensure(spec) == "started"
    state = sup.state("bot-koreacentral")
    assert state.running and state.port == spec.port and state.digest == spec.digest()
    assert get(spec.port) == (state.pid, "a")
    assert stat.S_IMODE(sup.run_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(sup.record_path("bot-koreacentral").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.log.stat().st_mode) == 0o600
    assert "serving" in state.log.read_text()
    assert [s.name for s in sup.states()] == ["bot-koreacentral"]


def test_process_survives_the_python_process_that_started_it(sup: Supervisor) -> None:
    spec = server_spec("router")
    code = (
        "import sys; from pathlib import Path; from geobot.targets.local.processes import ProcessSpec, Supervisor; "
        f"print(Supervisor(Path(sys.argv[1])).ensure(ProcessSpec('router', {spec.argv!r}, {spec.port}, '/health')))"
    )
    # capture_output: returns only if the server holds none of the starter's pipes
    starter = subprocess.run([sys.executable, "-c", code, str(sup.run_dir)], capture_output=True, text=True,
                             timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert starter.stdout.strip() == "started"
    state = sup.state("router")
    assert state.running
    assert get(spec.port)[0] == state.pid
    assert sup.ensure(spec) == "running"
    assert sup.state("router").pid == state.pid


def test_second_ensure_leaves_a_running_process_alone(sup: Supervisor) -> None:
    spec = server_spec("router")
    sup.ensure(spec)
    pid = sup.state("router").pid
    assert sup.ensure(spec) == "running"
    assert sup.state("router").pid == pid == get(spec.port)[0]


def test_crashed_process_keeps_its_record_and_is_started_again(sup: Supervisor) -> None:
    spec = server_spec("router")
    sup.ensure(spec)
    old = sup.state("router").pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    assert wait_until(lambda: not sup.state("router").running)
    assert sup.record_path("router").exists()
    assert [s.running for s in sup.states()] == [False]
    assert sup.ensure(spec) == "started"
    new = sup.state("router").pid
    assert new != old and get(spec.port)[0] == new
    assert gone(old)


def test_changed_spec_restarts_the_process(sup: Supervisor) -> None:
    port = free_port()
    sup.ensure(server_spec("router", port, TAG="a"))
    old = sup.state("router").pid
    assert old is not None
    assert sup.ensure(server_spec("router", port, TAG="b")) == "restarted"
    new = sup.state("router").pid
    assert new != old and get(port) == (new, "b")
    assert not Path(f"/proc/{old}").exists()  # stopped and reaped, not left a zombie


@pytest.mark.parametrize("field", ["boot_id", "start_ticks", "pid"])
def test_record_of_another_boot_or_a_reused_pid_is_not_ours(sup: Supervisor, stranger: int, field: str) -> None:
    spec = server_spec("router")
    sup.ensure(spec)
    path = sup.record_path("router")
    original = path.read_text()
    record = json.loads(original)
    record[field] = {"boot_id": "00000000-0000-0000-0000-000000000000",
                     "start_ticks": record["start_ticks"] + 1, "pid": stranger}[field]
    path.write_text(json.dumps(record))
    assert not sup.state("router").running
    assert sup.ensure(spec) == "started"  # the old server carries this record's marker: replaced, not feared
    assert sup.state("router").running and json.loads(path.read_text())["pid"] != json.loads(original)["pid"]
    assert not gone(stranger) and get(spec.port)


def test_a_process_started_but_never_recorded_is_replaced(sup: Supervisor) -> None:
    spec = server_spec("bot-eastus")
    sup.ensure(spec)
    first = json.loads(sup.record_path("bot-eastus").read_text())["pid"]
    sup.record_path("bot-eastus").unlink()  # geobot was killed between starting it and writing the record
    assert sup.ensure(spec) == "started"
    assert gone(first) and sup.state("bot-eastus").running and get(spec.port)


def test_port_held_by_another_program_is_an_input_error(sup: Supervisor) -> None:
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        port = foreign.getsockname()[1]
        assert port_in_use(port)
        with pytest.raises(InputError) as info:
            sup.ensure(server_spec("bot-eastus", port))
    assert info.value.message == f"port {port} (bot-eastus) is in use by another program"
    assert info.value.exit_code == 2 and str(port) in info.value.hint
    assert not sup.record_path("bot-eastus").exists()
    assert not port_in_use(port)


def test_process_that_exits_at_once_fails_with_its_last_log_line(sup: Supervisor) -> None:
    code = "import sys; print('loading'); print('boom: no model', file=sys.stderr); sys.exit(3)"
    spec = ProcessSpec("bot-eastus", (sys.executable, "-c", code), free_port())
    with pytest.raises(CloudError) as info:
        sup.ensure(spec, timeout=10)
    assert info.value.message == "process bot-eastus exited with code 3: boom: no model"
    assert info.value.hint == f"see its log {sup.run_dir / 'bot-eastus.log'}"
    assert not sup.record_path("bot-eastus").exists()
    assert sup.states() == []


def test_missing_command_is_a_cloud_error_without_a_record(sup: Supervisor, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-server"
    with pytest.raises(CloudError) as info:
        sup.ensure(ProcessSpec("router", (str(missing),), free_port()))
    assert info.value.message == "process router could not start: No such file or directory"
    assert info.value.hint == f"check its command {str(missing)!r}"
    assert sup.states() == []


@pytest.mark.parametrize("path", ["/starting", "/missing"])
def test_process_never_ready_is_killed_and_forgotten(sup: Supervisor, path: str) -> None:
    spec = server_spec("router")
    spec = ProcessSpec("router", spec.argv, spec.port, ready_path=path)  # answers 202 or 404 there: not 200
    with pytest.raises(CloudError, match=r"^process router not ready after 0\.5 s: serving$"):
        sup.ensure(spec, timeout=0.5)
    assert not sup.record_path("router").exists()
    assert not port_in_use(spec.port)


def test_stop_and_stop_all_leave_no_process_and_no_port(sup: Supervisor) -> None:
    specs = [server_spec("bot-a"), server_spec("bot-b"), server_spec("router", IGNORE_TERM="1")]
    for spec in specs:
        sup.ensure(spec)
    pids = [s.pid for s in sup.states()]
    assert sup.stop("bot-a") is True
    assert sup.stop("bot-a") is False and sup.stop("unknown") is False
    assert sup.stop_all(timeout=0.5) == ["bot-b", "router"]  # router needed SIGKILL
    assert sup.states() == []
    assert all(not Path(f"/proc/{pid}").exists() for pid in pids)
    assert not any(port_in_use(spec.port) for spec in specs)


def test_stop_of_a_crashed_process_removes_its_record(sup: Supervisor) -> None:
    sup.ensure(server_spec("router"))
    pid = sup.state("router").pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not sup.state("router").running)
    assert sup.stop("router") is False
    assert not sup.record_path("router").exists()


def test_names_are_checked(sup: Supervisor) -> None:
    with pytest.raises(ValueError):
        ProcessSpec("../evil", ("true",), 8080)
    with pytest.raises(ValueError):
        sup.record_path("Router")
    assert sup.state("router").running is False and sup.state("router").pid is None


def test_digest_follows_what_the_process_is_made_of() -> None:
    base = ProcessSpec("router", ("srv",), 8080, env={"A": "1"})
    assert base.digest() == ProcessSpec("router", ("srv",), 8080, ready_path="/h", env={"A": "1"}).digest()
    for other in (ProcessSpec("router", ("srv", "-v"), 8080, env={"A": "1"}),
                  ProcessSpec("router", ("srv",), 8081, env={"A": "1"}),
                  ProcessSpec("router", ("srv",), 8080, env={"A": "2"}),
                  ProcessSpec("router", ("srv",), 8080, env={"A": "1"}, cwd=Path("/tmp"))):
        assert other.digest() != base.digest()


def test_a_deployment_with_the_same_relative_state_path_elsewhere_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    monkeypatch.chdir(first)
    ours = Supervisor(Path(".geobot/run"))
    spec = server_spec("bot-eastus")
    try:
        ours.ensure(spec)
        pid = ours.state("bot-eastus").pid
        monkeypatch.chdir(second)
        other = Supervisor(Path(".geobot/run"))  # same relative path, another deployment, no record
        assert other.ensure(server_spec("bot-eastus")) == "started"
        assert not gone(pid), "a process of another deployment was killed"
        other.stop_all()
    finally:
        ours.stop_all()
