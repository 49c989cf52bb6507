"""The user's language model on the local target: deploy trains every bot on it, a changed file restarts them."""

from __future__ import annotations

import json
import shutil
import urllib.request

from tests.models import fixture_model

from .conftest import Geobot


def language_detail(geobot: Geobot, index: int) -> str:
    port = geobot.port("bot") + index
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as response:
        return json.load(response)["components"]["language"]["detail"]


def test_deploy_trains_the_bots_on_the_configured_model_and_a_changed_model_restarts_them(geobot: Geobot) -> None:
    model = geobot.cwd / "nlu" / "places.json"
    model.parent.mkdir()
    shutil.copy(fixture_model("4.0.0"), model)
    (geobot.cwd / "geobot.toml").write_text('[bot]\nmodel = "nlu/places.json"\n')

    planned = geobot("plan", "--no-terraform")
    assert planned.returncode == 0, planned.stderr
    assert "warning: places.json: the local recognizer has no patterns" in planned.stderr
    try:
        deployed = geobot("--auto-approve", "deploy")
        assert deployed.returncode == 0, deployed.stderr
        assert [language_detail(geobot, i) for i in (0, 1)] == ["local recognizer (places.json, 23 utterances)"] * 2

        raw = json.loads(model.read_text())
        raw["utterances"].append({"text": "halt", "intent": "Utilities.Stop", "entities": []})
        model.write_text(json.dumps(raw))
        redeployed = geobot("--auto-approve", "deploy")
        assert redeployed.returncode == 0, redeployed.stderr
        assert [language_detail(geobot, i) for i in (0, 1)] == ["local recognizer (places.json, 24 utterances)"] * 2
    finally:
        destroyed = geobot("destroy", "--auto-approve", "--no-export")
        assert destroyed.returncode == 0, destroyed.stderr
