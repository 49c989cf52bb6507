"""The user's own bot (examples/echo-bot) with its own model on the local target: deploy → chat → drill → destroy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import Geobot
from .test_local_lifecycle import chat
from .test_local_model import language_detail

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo-bot"
FAST = {"GEOBOT_NAME": "geobot", "GEOBOT_ROUTING": "priority", "GEOBOT_PROBE_TOLERATED_FAILURES": "1", "GEOBOT_DNS_TTL": "1"}


def test_the_echo_bot_is_deployed_answers_with_its_model_survives_a_kill_and_is_destroyed(geobot: Geobot) -> None:
    shutil.copytree(EXAMPLE, geobot.cwd / "echo-bot")
    geobot.cwd = geobot.cwd / "echo-bot"
    geobot.env |= FAST
    try:
        deployed = geobot("--auto-approve", "deploy")
        assert deployed.returncode == 0, deployed.stderr

        turns = chat(geobot, ["hello", "the sky is blue", "how many messages have I sent"])
        assert turns[0]["replies"] == [f"Hello from {turns[0]['region']}! Say anything and I echo it."]
        assert turns[1]["replies"] == ["echo (None, message 2): the sky is blue"]
        assert turns[2]["replies"] == ["You have sent 3 messages."]  # the count is in the shared store
        assert [language_detail(geobot, i) for i in (0, 1)] == ["local recognizer (echo.luis.json, 32 utterances)"] * 2

        report_path = geobot.cwd / "report.json"
        drilled = geobot("drill", "--fault", "kill", "--users", "4", "--duration", "14", "--report", str(report_path))
        assert drilled.returncode == 0, drilled.stdout + drilled.stderr
        assert "the drill checks that every turn is answered and that the state it writes" in drilled.stdout + drilled.stderr
        report = json.loads(report_path.read_text())
        assert report["drill"]["region"] == "koreacentral"
        assert report["results"]["turns"] > report["results"]["failed_turns"]
        assert report["results"]["lost_states"] == 0
        # the bot the drill restarted is the echo bot again, not the sample
        again = chat(geobot, ["hello"])
        assert again[0]["replies"] == ["Hello from koreacentral! Say anything and I echo it."]
    finally:
        destroyed = geobot("destroy", "--auto-approve", "--no-export")
        assert destroyed.returncode == 0, destroyed.stderr
    assert not (geobot.deployment / "run").exists()
