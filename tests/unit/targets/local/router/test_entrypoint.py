"""`python -m geobot.targets.local.router` as the supervisor runs it: a real process and real signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import trustme

from tests.unit.targets.local.router.helpers import HOST, endpoint, https_client, upstreams, write_config

ROOT = Path(__file__).resolve().parents[5]
COMMAND = [sys.executable, "-m", "geobot.targets.local.router"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*COMMAND, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


async def _start_event(log: Path, process: asyncio.subprocess.Process) -> dict:
    deadline = time.monotonic() + 30
    while True:
        assert process.returncode is None, "the router exited during start-up"
        if log.exists() and (lines := log.read_text().splitlines()):
            return json.loads(lines[0])
        assert time.monotonic() < deadline, "the router did not start"
        await asyncio.sleep(0.05)


def test_the_process_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ca = trustme.CA()
    log = tmp_path / "router.jsonl"

    async def scenario() -> tuple[dict, tuple, int, str]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west)], ca)
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            process = await asyncio.create_subprocess_exec(*COMMAND, "--config", str(config), env=env,
                                                           stderr=subprocess.PIPE)
            try:
                start = await _start_event(log, process)
                async with aiohttp.ClientSession() as plain, https_client(ca) as http:
                    status_url = f"http://127.0.0.1:{start['http_port']}/_geobot/status"
                    while (status := await (await plain.get(status_url)).json())["pick"] is None:
                        await asyncio.sleep(0.05)
                    url = f"https://127.0.0.1:{start['https_port']}/api/messages"
                    async with http.post(url, data=b"hi", server_hostname=HOST) as response:
                        served = response.status, response.headers["X-Geobot-Endpoint"], await response.read()
                process.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(process.wait(), 30)
            finally:
                if process.returncode is None:
                    process.kill()
                _, stderr = await process.communicate()
        return status, served, code, stderr.decode()

    status, served, code, stderr = asyncio.run(scenario())
    assert status["pick"] == "west" and status["certificate"] is not None
    assert served == (200, "west", b"hi")
    assert code == 0, stderr
    assert json.loads(log.read_text().splitlines()[-1])["event"] == "stop"


def test_an_invalid_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "west", "url": "ftp://127.0.0.1:1"}])
    result = _run("--config", str(config))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "endpoints.0.url" in result.stderr
    assert not (tmp_path / "router.jsonl").exists()


def test_a_bad_command_line_exits_2_with_one_line() -> None:
    result = _run("--port", "1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--config" in result.stderr
