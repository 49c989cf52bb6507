"""`python -m geobot.bot` as the local target runs it: a real process, flags and environment."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.conftest import free_port
from tests.unit.bot.helpers import DRILL_KEY, make_vault, process_env, say, wait_until_live


def test_bot_process_serves_a_turn_and_crashes_on_the_drill(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "geobot.bot", "--vault-url", vault.url, "--host", "127.0.0.1"],
        env=process_env(GEOBOT_BOT_REGION="North-Europe", PORT=str(port)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"

    async def scenario():
        await wait_until_live(base, process, time.monotonic() + 60)
        async with aiohttp.ClientSession() as http:
            turn = await say(http, base, "hello")
            async with http.post(f"{base}/api/drill", json={"fault": "crash"},
                                 headers={"X-Geobot-Drill-Key": DRILL_KEY}) as response:
                crash = response.status, await response.json()
        return turn, crash

    try:
        turn, crash = asyncio.run(scenario())
        code = process.wait(timeout=30)
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert turn[0] == 200 and turn[1] == "north-europe"
    assert turn[2]["activities"][0]["channelData"] == {"region": "north-europe"}
    assert crash == (200, {"region": "north-europe", "fault": "crash", "faults": {
        "health": False, "nlu-down": False, "store-down": False, "slow": 0}})
    assert code == 70
    assert DRILL_KEY not in stderr


def test_bad_command_line_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "geobot.bot", "--vault-url", "file:///x", "--region", "bad_region!"],
        env=process_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "'bad_region!': a region is 1-60 of a-z, 0-9 and '-'" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "geobot.bot"], env=process_env(), capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 2 and "--vault-url" in missing.stderr
