"""The local target end to end, as a user runs it: real Terraform, real processes, real certbot.

deploy (Let's Encrypt through Pebble) → status → a multi-turn chat → destroy with export →
redeploy importing that PFX (no new certificate) → destroy, and nothing left running.
Then: a killed region is seen Degraded and restored by the next deploy; and a deploy killed at
the start of every stage resumes into a working deployment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from geobot.certs.pfx import verify_pfx
from geobot.pipeline.journal import Journal
from geobot.targets.local.processes import port_in_use
from tests.conftest import EXPORT_PASSWORD, local_deployment_env
from tests.pebble import run_pebble

from .conftest import Geobot

BOOKING = ["hi", "I want to book a table for 2 in Rome", "on friday", "8pm", "yes", "what did I book?"]
STAGES = ["preflight", "infrastructure", "configuration", "services", "certificate", "online", "smoke"]


def last_json(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(result.stdout.splitlines()[-1])


def status(geobot: Geobot, extra_env: dict[str, str] | None = None) -> dict:
    result = geobot("--output", "json", "status", extra_env=extra_env)
    assert result.returncode == 0, result.stderr
    return last_json(result)["data"]


def region_view(report: dict) -> dict[str, tuple[str, str, str]]:
    return {name: (r["process"], r["health"], r["monitor_status"]) for name, r in report["regions"].items()}


ALL_WELL = {"koreacentral": ("running", "healthy", "Online"), "southeastasia": ("running", "healthy", "Online")}


def chat(geobot: Geobot, texts: list[str], extra_env: dict[str, str] | None = None) -> list[dict]:
    args = [arg for text in texts for arg in ("-m", text)]
    result = geobot("--output", "json", "chat", *args, extra_env=extra_env)
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line)["data"] for line in result.stdout.splitlines()]


def service_pids(geobot: Geobot) -> list[int]:
    run = geobot.deployment / "run"
    return [json.loads(p.read_text())["pid"] for p in run.glob("*.json")] if run.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def ports(geobot: Geobot) -> list[int]:
    return [geobot.port("https"), geobot.port("http"), geobot.port("bot"), geobot.port("bot") + 1]


def test_deploy_chat_destroy_with_export_and_redeploy_from_the_pfx(geobot: Geobot, tmp_path: Path) -> None:
    geobot.env |= local_deployment_env(explicit=True)  # Pebble must know the HTTP-01 port before the deploy
    with run_pebble(tmp_path / "pebble", geobot.port("http")) as pebble:
        acme = {"GEOBOT_CERT_SOURCE": "letsencrypt", "GEOBOT_CERT_EMAIL": "ops@example.test",
                "GEOBOT_ACME_DIRECTORY": pebble.directory, "REQUESTS_CA_BUNDLE": str(pebble.ca_bundle)}
        deployed = geobot("--output", "json", "--auto-approve", "deploy", extra_env=acme)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert last_json(deployed)["data"]["smoke"]["url"] == f"https://geobot.localhost:{geobot.port('https')}/api/messages"

        report = status(geobot, acme)
        assert report["deployed"] and region_view(report) == ALL_WELL
        assert report["certificate"]["subject"] == "CN=geobot.localhost" and "Pebble" in report["certificate"]["issuer"]
        assert report["router"]["pick"] in ALL_WELL

        turns = chat(geobot, BOOKING, acme)
        assert all(turn["error"] is None and turn["region"] in ALL_WELL for turn in turns)
        reference = turns[4]["replies"][0].rsplit(" ", 1)[1].rstrip(".")
        assert turns[5]["replies"] == [f"{reference}: a table for 2 in Rome on friday at 8pm"]
        spans = geobot.deployment / "run" / f"bot-{turns[0]['region']}.spans.jsonl"  # the bot's traces
        assert '"name": "POST /api/messages"' in spans.read_text()
        assert not [secret for secret in geobot.deployment.glob("global/vault/secrets/geobot-acme-*")], "a token was left in the vault"

        pids = service_pids(geobot)
        export = tmp_path / "saved.pfx"
        destroyed = geobot("destroy", "--auto-approve", "--export", str(export), extra_env=acme)
        assert destroyed.returncode == 0, destroyed.stderr
    assert export.stat().st_mode & 0o777 == 0o600
    issued = verify_pfx(export.read_bytes(), EXPORT_PASSWORD, "geobot.localhost")
    assert EXPORT_PASSWORD not in destroyed.stdout + destroyed.stderr
    assert not geobot.deployment.exists() and len(pids) == 3 and not [pid for pid in pids if alive(pid)]
    assert not [port for port in ports(geobot) if port_in_use(port)]

    imported = {"GEOBOT_CERT_SOURCE": "pfx", "GEOBOT_PFX_PATH": str(export), "GEOBOT_PFX_PASSWORD": EXPORT_PASSWORD}
    redeployed = geobot("--auto-approve", "deploy", extra_env=imported)  # Pebble is gone: no ACME possible
    assert redeployed.returncode == 0, redeployed.stderr
    report = status(geobot, imported)
    assert region_view(report) == ALL_WELL
    assert report["certificate"]["not_after"] == issued.cert.not_valid_after_utc.isoformat()
    assert not (geobot.deployment / "certbot").exists()
    assert chat(geobot, ["hi"], imported)[0]["replies"]

    pids = service_pids(geobot)
    assert geobot("destroy", "--auto-approve", "--no-export", extra_env=imported).returncode == 0
    assert not [pid for pid in pids if alive(pid)] and not [port for port in ports(geobot) if port_in_use(port)]
    assert not (geobot.cwd / ".geobot").exists()


def test_a_killed_region_is_seen_degraded_avoided_and_restored_by_the_next_deploy(geobot: Geobot) -> None:
    assert geobot("--auto-approve", "deploy").returncode == 0
    victim = json.loads((geobot.deployment / "run" / "bot-koreacentral.json").read_text())["pid"]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 15  # 1 s probes, 1 tolerated failure: Degraded after about 2 s
    while region_view(status(geobot))["koreacentral"][2] != "Degraded":
        assert time.monotonic() < deadline, "the router never marked the killed region Degraded"
        time.sleep(0.2)
    report = status(geobot)
    assert report["regions"]["koreacentral"]["process"] == "not running (exited or killed)"
    assert report["router"]["pick"] == "southeastasia"
    assert {turn["region"] for turn in chat(geobot, ["hi", "what did I book?", "hi"])} == {"southeastasia"}

    again = geobot("--auto-approve", "deploy")
    assert again.returncode == 0, again.stderr
    assert "bot-koreacentral started" in again.stderr and "bot-southeastasia started" not in again.stderr
    assert region_view(status(geobot)) == ALL_WELL
    assert geobot("destroy", "--auto-approve", "--no-export").returncode == 0


def test_a_bot_that_cannot_write_its_span_file_stops_the_deploy_at_online_naming_the_region_and_the_file(
    geobot: Geobot,
) -> None:
    spans = geobot.deployment / "run" / "bot-southeastasia.spans.jsonl"
    spans.mkdir(parents=True)  # what cannot be appended to, even by root

    done = geobot("--auto-approve", "deploy")

    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"stage online failed: region southeastasia: its bot's telemetry is refused (append to {spans}: "
            "IsADirectoryError: Is a directory)") in done.stderr
    assert region_view(status(geobot)) == ALL_WELL  # refused telemetry never takes a region out of the routing


@pytest.mark.parametrize("stage", STAGES)
def test_a_deploy_killed_as_a_stage_starts_resumes_into_a_working_deployment(geobot: Geobot, stage: str) -> None:
    killed = geobot.killed_as_starting(stage, "--auto-approve", "deploy")
    assert killed == -signal.SIGKILL, f"deploy ended before stage {stage} started"

    again = geobot("--auto-approve", "deploy")
    assert again.returncode == 0, again.stderr
    assert "ended without finishing; resuming" in again.stderr
    assert all(record["status"] == "successful" for record in Journal(geobot.deployment, "geobot", "local").load()["stages"].values())
    assert region_view(status(geobot)) == ALL_WELL
    assert chat(geobot, ["hi"])[0]["replies"]
    used = ports(geobot)
    assert geobot("destroy", "--auto-approve", "--no-export").returncode == 0
    assert not [port for port in used if port_in_use(port)]


def test_cert_renew_swaps_the_certificate_under_traffic_with_no_failed_request(geobot: Geobot) -> None:
    import asyncio
    import threading

    import aiohttp

    from geobot.certs.trust import client_context
    from geobot.targets.local.certificate import installed
    from geobot.targets.local.declarations import Declarations

    assert geobot("--auto-approve", "deploy").returncode == 0
    declared = Declarations.from_outputs(Journal(geobot.deployment, "geobot", "local").outputs()["infrastructure"])
    before = installed(declared)
    context = client_context(before.chain)
    results: list[int | str] = []
    stop = threading.Event()

    async def traffic() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:  # a handshake per request
            while not stop.is_set():
                try:
                    async with session.get(f"https://127.0.0.1:{geobot.port('https')}/api/health/live",
                                           ssl=context, server_hostname="geobot.localhost") as response:
                        results.append(response.status)
                except aiohttp.ClientError as exc:
                    results.append(type(exc).__name__)

    def answered_more(count: int) -> None:
        """Wait (bounded) until `count` more requests than now have been answered."""
        wanted, deadline = len(results) + count, time.monotonic() + 30
        while len(results) < wanted:
            assert time.monotonic() < deadline, f"traffic stalled at {len(results)} requests"
            time.sleep(0.05)

    worker = threading.Thread(target=lambda: asyncio.run(traffic()))
    worker.start()
    try:
        answered_more(10)  # traffic flows before the swap
        not_due = geobot("cert", "renew")
        renewed = geobot("--output", "json", "cert", "renew", "--force")
        answered_more(10)  # and goes on after it
    finally:
        stop.set()
        worker.join()
    assert not_due.returncode == 0 and "not due for renewal" in not_due.stdout
    assert renewed.returncode == 0, renewed.stderr
    assert last_json(renewed)["data"]["renewed"] is True
    after = installed(declared)
    assert after.cert.serial_number != before.cert.serial_number
    assert set(results) == {200}, f"{len(results)} requests: {set(results)}"
    assert geobot("destroy", "--auto-approve", "--no-export").returncode == 0
