"""New bot code reaches a serving local deployment one region at a time (issue 17).

Each test deploys a copy of this checkout's code ("a release": the package, its language model
and its Terraform, plus one line that makes it that release), then deploys another release on
top, with real Terraform, real bots and the real router: the router's log shows which regions
were out of rotation when, and each bot reports the version of the code it runs.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from geobot.chat.conversation import Conversation
from geobot.pipeline.journal import Journal
from geobot.targets.local.declarations import Declarations, get_json
from geobot.targets.local.readiness import tls_endpoint

from tests.releases import release, version_of

from .conftest import Geobot

BROKEN_HEALTH = '''

async def _failing(self):  # this release's health check fails: a bad release
    return 503, {"status": "unhealthy", "failed": ["release"], "components": {}, "run": 0}

HealthCheck._check = _failing
'''
FAST = {"GEOBOT_DNS_TTL": "2"}


def deploy(geobot: Geobot, code: Path, *args: str) -> subprocess.CompletedProcess[str]:
    geobot.env |= FAST | {"PYTHONPATH": str(code)}
    return geobot("--auto-approve", "deploy", *args)


def declared(geobot: Geobot) -> Declarations:
    return Declarations.from_outputs(Journal(geobot.deployment, "geobot", "local").outputs()["infrastructure"])


def versions(geobot: Geobot) -> dict[str, str | None]:
    answers = {r.name: get_json(f"http://127.0.0.1:{r.port}/api/health/live") for r in declared(geobot).regions}
    return {name: answer[1]["version"] if answer else None for name, answer in answers.items()}


def monitor_events(geobot: Geobot) -> list[dict]:
    log = geobot.deployment / "run" / "router.jsonl"
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [e for e in events if e["event"] == "monitor"]


def most_out_at_once(events: list[dict]) -> int:
    """The most regions Disabled at the same moment, replaying the router's monitor events."""
    state: dict[str, str] = {}
    most = 0
    for event in events:
        state[event["endpoint"]] = event["to"]
        most = max(most, sum(status == "Disabled" for status in state.values()))
    return most


def disabled(events: list[dict]) -> list[str]:
    return [e["endpoint"] for e in events if e["to"] == "Disabled"]


def progress(geobot: Geobot) -> dict | None:
    path = geobot.deployment / "journal.json"
    try:
        return json.loads(path.read_text())["stages"].get("services", {}).get("progress")
    except (OSError, ValueError):
        return None


def test_new_code_rolls_out_one_region_at_a_time_and_conversations_continue(geobot: Geobot, tmp_path: Path) -> None:
    old, new = release(tmp_path, 1), release(tmp_path, 2)
    first = deploy(geobot, old)
    assert first.returncode == 0, first.stdout + first.stderr
    assert set(versions(geobot).values()) == {version_of(old)}
    planned = geobot("plan")
    assert "update: rolling, one region at a time: each leaves rotation for 3 s (probe.dns_ttl 2 s" in planned.stdout
    assert "update: all at once" in geobot("plan", "--all-at-once").stdout
    before = len(monitor_events(geobot))

    async def converse_across(update: asyncio.Future) -> list[str]:
        url, host, context = tls_endpoint("geobot.localhost", declared(geobot))
        async with aiohttp.ClientSession() as session:
            talk = Conversation(session, url, user="across-the-update", server_hostname=host, ssl_context=context)
            replies = [(await talk.say(text)).ok for text in ("hi", "I want to book a table for 2 in Rome", "on friday")]
            await update
            turns = [await talk.say(text) for text in ("8pm", "yes", "what did I book?")]
        assert all(replies) and all(turn.ok for turn in turns), turns
        return list(turns[-1].replies)

    async def both() -> tuple[list[str], subprocess.CompletedProcess[str]]:
        update: asyncio.Future = asyncio.get_running_loop().create_future()
        talking = asyncio.create_task(converse_across(update))
        done = await asyncio.to_thread(deploy, geobot, new)
        update.set_result(None)
        return await talking, done

    replies, rolled = asyncio.run(both())
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "rolling update (one region at a time)" in rolled.stderr
    assert replies and replies[-1].endswith("a table for 2 in Rome on friday at 8pm")
    assert set(versions(geobot).values()) == {version_of(new)}
    events = monitor_events(geobot)[before:]
    assert disabled(events) == ["koreacentral", "southeastasia"] and most_out_at_once(events) == 1
    assert progress(geobot) == {"regions": ["koreacentral", "southeastasia"], "done": ["koreacentral", "southeastasia"],
                                "current": None, "phase": None, "out_at": None, "error": None}


def test_all_at_once_restarts_every_region_without_leaving_rotation(geobot: Geobot, tmp_path: Path) -> None:
    old, new = release(tmp_path, 1), release(tmp_path, 2)
    assert deploy(geobot, old).returncode == 0
    before = len(monitor_events(geobot))
    done = deploy(geobot, new, "--all-at-once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all-at-once update" in done.stderr
    assert disabled(monitor_events(geobot)[before:]) == []
    assert set(versions(geobot).values()) == {version_of(new)}


def test_a_killed_rollout_resumes_where_it_was_with_never_two_regions_out(geobot: Geobot, tmp_path: Path) -> None:
    old, new = release(tmp_path, 1), release(tmp_path, 2)
    assert deploy(geobot, old).returncode == 0
    before = len(monitor_events(geobot))
    geobot.env |= FAST | {"PYTHONPATH": str(new)}
    running = geobot.start("--auto-approve", "deploy")
    deadline = time.monotonic() + 120
    while (progress(geobot) or {}).get("phase") != "out":  # the first region is out and draining
        assert running.poll() is None and time.monotonic() < deadline, running.communicate()
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)
    running.communicate()
    assert progress(geobot)["current"] == "koreacentral"

    resumed = geobot("--auto-approve", "deploy")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming at region koreacentral" in resumed.stderr
    events = monitor_events(geobot)[before:]
    assert most_out_at_once(events) == 1
    assert disabled(events) == ["koreacentral", "southeastasia"]
    assert set(versions(geobot).values()) == {version_of(new)}
    status = json.loads(geobot("--output", "json", "status").stdout.splitlines()[-1])["data"]
    assert {name: r["monitor_status"] for name, r in status["regions"].items()} == {
        "koreacentral": "Online", "southeastasia": "Online"}


@pytest.mark.parametrize("rollback", [[], ["--all-at-once"]], ids=["rolling", "all-at-once"])
def test_a_region_failing_its_health_check_halts_the_rollout_and_the_previous_code_rolls_it_back(
        geobot: Geobot, tmp_path: Path, rollback: list[str]) -> None:
    old, bad = release(tmp_path, 1), release(tmp_path, 2, {"geobot/bot/health.py": BROKEN_HEALTH})
    assert deploy(geobot, old).returncode == 0
    halted = deploy(geobot, bad)
    assert halted.returncode == 1
    assert "rolling update halted at region koreacentral" in halted.stderr
    assert "koreacentral stays out of rotation" in halted.stderr
    assert "to roll back, run `geobot deploy` with the previous code" in halted.stderr
    assert "Traceback" not in halted.stderr
    status = get_json(declared(geobot).status_url())
    assert status is not None
    monitor = {e["name"]: e["monitor_status"] for e in status[1]["endpoints"]}
    assert monitor == {"koreacentral": "Disabled", "southeastasia": "Online"}
    assert versions(geobot)["southeastasia"] == version_of(old)
    shown = geobot("status").stdout
    assert "rolling update unfinished: region koreacentral is out of rotation at step failed" in shown
    served = geobot("--output", "json", "chat", "-m", "hi")
    assert served.returncode == 0 and json.loads(served.stdout.splitlines()[0])["data"]["region"] == "southeastasia"

    rolled_back = deploy(geobot, old, *rollback)
    assert rolled_back.returncode == 0, rolled_back.stdout + rolled_back.stderr
    assert set(versions(geobot).values()) == {version_of(old)}
    assert (progress(geobot) or {}).get("current") is None
    assert not any(endpoint.get("enabled") is False for endpoint in declared(geobot).router()["endpoints"])
