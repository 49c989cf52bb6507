"""The language stage's publish to every region, against one contract server per region."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from geobot.nlu.clu import CluError
from geobot.nlu.model import ModelError, default_model_path, load_model
from geobot.nlu.publish import load_luis_app, publish_regions
from tests.unit.nlu.contract_server import ContractServer
from tests.unit.nlu.test_clu import AUTHORING, Tokens, accepted, body

PROJECT, DEPLOYMENT, LABEL = "geobot", "production", "model-1"
BASE = f"{AUTHORING}/{PROJECT}"
DENIED = {"error": {"code": "PermissionDenied", "message": "The principal lacks the required data action."}}


def serve_publish(server: ContractServer, models: tuple[str, ...] = (LABEL,)) -> None:
    """Import, train and deploy accepted, each job already finished when first polled; `models` trained."""
    for method, path, operation, status in (
        ("POST", f"{BASE}/:import", "ConversationAuthoring_ImportProject", "ConversationAuthoring_GetImportStatus"),
        ("POST", f"{BASE}/:train", "ConversationAuthoring_Train", "ConversationAuthoring_GetImportStatus"),
        ("PUT", f"{BASE}/deployments/{DEPLOYMENT}", "ConversationAuthoring_DeployProject",
         "ConversationAuthoring_GetDeploymentStatus"),
    ):
        server.expect("GET", accepted(server, method, path, operation), 200, body(status))
    server.expect("GET", f"{BASE}/models", 200, {"value": [{"label": label, "modelId": label} for label in models]})


def test_every_region_is_imported_trained_and_deployed_in_parallel() -> None:
    luis_app, tokens, events = load_luis_app(), Tokens(), []

    async def scenario():
        async with ContractServer() as west, ContractServer() as east:
            serve_publish(west)
            serve_publish(east)
            live = await publish_regions({"westeurope": west.url, "eastus": east.url}, tokens, PROJECT, DEPLOYMENT,
                                         luis_app, LABEL, lambda region, step: events.append((region, step)))
            return live, west.requests, east.requests

    live, west, east = asyncio.run(scenario())
    deploy_job = body("ConversationAuthoring_GetDeploymentStatus")["jobId"]
    assert live == {"westeurope": deploy_job, "eastus": deploy_job}
    for requests in (west, east):
        assert [(r.method, r.path) for r in requests[:6:2]] == [
            ("POST", f"{BASE}/:import"), ("POST", f"{BASE}/:train"), ("PUT", f"{BASE}/deployments/{DEPLOYMENT}")]
        assert (requests[6].method, requests[6].path) == ("GET", f"{BASE}/models")
        assert requests[0].body == luis_app and requests[2].body["modelLabel"] == LABEL
        assert all(r.headers["Authorization"].startswith("Bearer token-") for r in requests)
    assert events[:2] == [("westeurope", "import"), ("eastus", "import")]  # both started before either trained
    for region in ("westeurope", "eastus"):
        assert [step for r, step in events if r == region] == ["import", "train", "deploy", "done"]


def test_a_failed_region_is_named_and_the_others_still_finish() -> None:
    events = []

    async def scenario():
        async with ContractServer() as west, ContractServer() as east:
            serve_publish(west)
            east.expect("POST", f"{BASE}/:import", 403, DENIED)
            with pytest.raises(CluError) as caught:
                await publish_regions({"westeurope": west.url, "eastus": east.url}, Tokens(), PROJECT, DEPLOYMENT,
                                      load_luis_app(), LABEL, lambda region, step: events.append((region, step)),
                                      propagation=0)
            return caught.value, west.requests

    error, west = asyncio.run(scenario())
    assert error.message == (
        "the language model is not live in 1 of 2 regions: eastus: CLU import of project geobot: "
        "HTTP 403 PermissionDenied: The principal lacks the required data action. "
        "(still refused after 0 s of waiting for the role to apply)")
    assert "Cognitive Services Language Owner" in error.hint
    assert [step for r, step in events if r == "eastus"] == ["import", "failed"]
    assert [step for r, step in events if r == "westeurope"][-1] == "done" and len(west) == 7


def test_a_403_while_the_role_propagates_is_retried_with_backoff() -> None:
    events, waits = [], []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    async def scenario():
        async with ContractServer() as east:
            east.expect("POST", f"{BASE}/:import", 403, DENIED)
            east.expect("POST", f"{BASE}/:import", 403, DENIED)
            serve_publish(east)
            return await publish_regions({"eastus": east.url}, Tokens(), PROJECT, DEPLOYMENT, load_luis_app(), LABEL,
                                         lambda region, step: events.append(step), sleep=wait)

    assert asyncio.run(scenario()) == {"eastus": body("ConversationAuthoring_GetDeploymentStatus")["jobId"]}
    assert waits == [2.0, 4.0]
    assert events.count("import") == 3 and events[-1] == "done"
    assert "refused (403): the role may not have applied yet, retrying in 2 s" in events


def test_trained_models_other_than_the_deployed_one_are_deleted() -> None:
    events = []

    async def scenario():
        async with ContractServer() as east:
            serve_publish(east, models=("geobot-old", LABEL))
            east.expect("DELETE", f"{BASE}/models/geobot-old", 204)
            await publish_regions({"eastus": east.url}, Tokens(), PROJECT, DEPLOYMENT, load_luis_app(), LABEL,
                                  lambda region, step: events.append(step))
            return east.requests

    requests = asyncio.run(scenario())
    assert [(r.method, r.path) for r in requests[-2:]] == [("GET", f"{BASE}/models"), ("DELETE", f"{BASE}/models/geobot-old")]
    assert events == ["import", "train", "deploy", "delete model geobot-old", "done"]


def test_the_sample_model_is_what_is_published(tmp_path: Path) -> None:
    assert load_luis_app() == load_model(default_model_path()).raw
    assert load_luis_app()["luis_schema_version"]
    bad = tmp_path / "bad.luis.json"
    bad.write_text(json.dumps({"luis_schema_version": "7.0.0", "intents": []}))
    with pytest.raises(ModelError, match="'intents' is empty"):
        load_luis_app(bad)
