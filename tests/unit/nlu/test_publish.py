"""The language stage's publish to every region, against one contract server per region."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from geobot.nlu.clu import CluError
from geobot.nlu.model import ModelError, default_model_path, load_model
from geobot.nlu.publish import ImportBody, import_body, publish_regions
from geobot.nlu.upgrade import to_luis7
from tests.models import VERSIONS, fixture_model, luis7_errors
from tests.unit.nlu.contract_server import ContractServer, fixture
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
    model, tokens, events = import_body(default_model_path(), PROJECT), Tokens(), []

    async def scenario():
        async with ContractServer() as west, ContractServer() as east:
            serve_publish(west)
            serve_publish(east)
            live = await publish_regions({"westeurope": west.url, "eastus": east.url}, tokens, PROJECT, DEPLOYMENT,
                                         model, LABEL, lambda region, step: events.append((region, step)))
            return live, west.requests, east.requests

    live, west, east = asyncio.run(scenario())
    deploy_job = body("ConversationAuthoring_GetDeploymentStatus")["jobId"]
    assert live == {"westeurope": deploy_job, "eastus": deploy_job}
    for requests in (west, east):
        assert [(r.method, r.path) for r in requests[:6:2]] == [
            ("POST", f"{BASE}/:import"), ("POST", f"{BASE}/:train"), ("PUT", f"{BASE}/deployments/{DEPLOYMENT}")]
        assert (requests[6].method, requests[6].path) == ("GET", f"{BASE}/models")
        assert requests[0].body == model.body and requests[2].body["modelLabel"] == LABEL
        assert requests[0].query["format"] == "Luis"
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
                                      import_body(default_model_path(), PROJECT), LABEL,
                                      lambda region, step: events.append((region, step)), propagation=0)
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
            return await publish_regions({"eastus": east.url}, Tokens(), PROJECT, DEPLOYMENT,
                                         import_body(default_model_path(), PROJECT), LABEL,
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
            await publish_regions({"eastus": east.url}, Tokens(), PROJECT, DEPLOYMENT,
                                  import_body(default_model_path(), PROJECT), LABEL, lambda region, step: events.append(step))
            return east.requests

    requests = asyncio.run(scenario())
    assert [(r.method, r.path) for r in requests[-2:]] == [("GET", f"{BASE}/models"), ("DELETE", f"{BASE}/models/geobot-old")]
    assert events == ["import", "train", "deploy", "delete model geobot-old", "done"]


def test_the_sample_model_is_published_as_luis_7(tmp_path: Path) -> None:
    published = import_body(default_model_path(), PROJECT)
    assert published == ImportBody("Luis", to_luis7(load_model(default_model_path())))
    assert published.body["luis_schema_version"] == "7.0.0"
    bad = tmp_path / "bad.luis.json"
    bad.write_text(json.dumps({"luis_schema_version": "7.0.0", "intents": []}))
    with pytest.raises(ModelError, match="'intents' is empty"):
        import_body(bad, PROJECT)


def _published(model: ImportBody) -> dict:
    async def scenario():
        async with ContractServer() as west:
            serve_publish(west)
            await publish_regions({"westeurope": west.url}, Tokens(), PROJECT, DEPLOYMENT, model, LABEL,
                                  lambda region, step: None)
            return west.requests[0]

    request = asyncio.run(scenario())
    return {"query": request.query, "body": request.body}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_luis_model_of_any_version_is_imported_as_luis_7(version: str) -> None:
    sent = _published(import_body(fixture_model(version), PROJECT))
    assert sent["query"]["format"] == "Luis"
    assert luis7_errors(sent["body"]) == []
    assert [i["name"] for i in sent["body"]["intents"]][:2] == ["Utilities.Stop", "Utilities.Help"]


def test_a_clu_export_is_imported_in_the_contracts_shape_under_the_projects_name(tmp_path: Path) -> None:
    contract = fixture("language", "ConversationAuthoring_ImportProject")["parameters"]["body"]
    export = {**contract, "metadata": {**contract["metadata"], "projectName": "ExportedElsewhere"}}
    path = tmp_path / "clu.json"
    path.write_text(json.dumps(export))
    sent = _published(import_body(path, PROJECT))
    assert sent["query"]["format"] == "Conversation"
    assert sent["body"] == {**contract, "metadata": {**contract["metadata"], "projectName": PROJECT}}
