"""The CLU client against the documented REST contract, replayed by a real local server."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest
from azure.core.credentials import AccessToken

from geobot.nlu.clu import CluClient, CluError
from geobot.nlu.model import default_model_path, load_model
from tests.unit.nlu.contract_server import ContractServer, fixture

KEY = "test-language-key"
AUTHORING = "/language/authoring/analyze-conversations/projects"


def lang(operation: str) -> dict:
    return fixture("language", operation)


def body(operation: str) -> dict:
    return lang(operation)["responses"]["200"]["body"]


class Sleeps(list):
    """Records every wait the client asks for instead of waiting (no wall clock in tests)."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def accepted(server: ContractServer, method: str, path: str, operation: str) -> str:
    """Serve an operation's 202 fixture at `path`; return the job path its operation-location names."""
    headers = {k: server.endpoint(v) for k, v in lang(operation)["responses"]["202"]["headers"].items()}
    server.expect(method, path, 202, headers=headers)
    return urlparse(headers["operation-location"]).path


def job_query(operation: str) -> dict:
    location = lang(operation)["responses"]["202"]["headers"]["operation-location"]
    return dict(parse_qsl(urlparse(location).query))


def test_import_train_deploy_follow_the_contract() -> None:
    luis_app = load_model(default_model_path()).raw
    train_fx, deploy_fx = lang("ConversationAuthoring_Train"), lang("ConversationAuthoring_DeployProject")
    project = lang("ConversationAuthoring_ImportProject")["parameters"]["projectName"]
    deployment = deploy_fx["parameters"]["deploymentName"]
    base = f"{AUTHORING}/{project}"
    running = body("ConversationAuthoring_GetTrainingStatus")
    finished = copy.deepcopy(running)
    finished["status"] = finished["result"]["trainingStatus"]["status"] = "succeeded"

    async def scenario() -> tuple[list, Sleeps, list[dict]]:
        async with ContractServer() as server:
            import_job = accepted(server, "POST", f"{base}/:import", "ConversationAuthoring_ImportProject")
            server.expect("GET", import_job, 200, body("ConversationAuthoring_GetImportStatus"))
            train_job = accepted(server, "POST", f"{base}/:train", "ConversationAuthoring_Train")
            server.expect("GET", train_job, 200, running, headers={"Retry-After": "3"})
            server.expect("GET", train_job, 200, finished)
            deploy_path = f"{base}/deployments/{deployment}"
            deploy_job = accepted(server, "PUT", deploy_path, "ConversationAuthoring_DeployProject")
            server.expect("GET", deploy_job, 200, body("ConversationAuthoring_GetDeploymentStatus"))
            sleeps = Sleeps()
            async with CluClient(server.url, KEY, sleep=sleeps, poll_interval=5) as client:
                jobs = [
                    await client.import_project(project, luis_app),
                    await client.train(project, train_fx["parameters"]["body"]["modelLabel"]),
                    await client.deploy(project, deployment, deploy_fx["parameters"]["body"]["trainedModelLabel"]),
                ]
            return server.requests, sleeps, jobs

    requests, sleeps, jobs = asyncio.run(scenario())
    assert [(r.method, r.path) for r in requests] == [
        ("POST", f"{base}/:import"), ("GET", urlparse(requests[1].path).path),
        ("POST", f"{base}/:train"), ("GET", requests[3].path), ("GET", requests[3].path),
        ("PUT", f"{base}/deployments/{deployment}"), ("GET", requests[6].path),
    ]
    assert all(r.headers["Ocp-Apim-Subscription-Key"] == KEY for r in requests)
    assert requests[0].query == {"api-version": "2023-04-01", "format": "Luis"}
    assert requests[0].body == luis_app  # format=Luis: the LUIS export itself is the body
    assert requests[2].query == {"api-version": train_fx["parameters"]["api-version"]}
    assert requests[2].body == {k: train_fx["parameters"]["body"][k] for k in ("modelLabel", "trainingMode")}
    assert requests[5].query == {"api-version": deploy_fx["parameters"]["api-version"]}
    assert requests[5].body == deploy_fx["parameters"]["body"]
    assert requests[3].query == job_query("ConversationAuthoring_Train")
    assert sleeps == [3.0]  # polled again after the job's Retry-After, not before
    assert [job["status"] for job in jobs] == ["succeeded"] * 3


def test_throttling_is_retried_after_the_time_the_server_asks() -> None:
    project = "EmailApp"
    throttled = {"error": {"code": "TooManyRequests", "message": "Rate limit is exceeded."}}

    async def scenario():
        async with ContractServer() as server:
            path = f"{AUTHORING}/{project}/:train"
            server.expect("POST", path, 429, throttled, headers={"Retry-After": "7"})
            server.expect("POST", path, 503, {"error": {"code": "ServiceUnavailable", "message": "busy"}})
            job = accepted(server, "POST", path, "ConversationAuthoring_Train")
            server.expect("GET", job, 200, body("ConversationAuthoring_GetImportStatus"))
            sleeps = Sleeps()
            async with CluClient(server.url, KEY, sleep=sleeps) as client:
                await client.train(project, "model1")
            return server.requests, sleeps

    requests, sleeps = asyncio.run(scenario())
    assert [r.method for r in requests] == ["POST", "POST", "POST", "GET"]
    assert requests[0].body == requests[1].body == requests[2].body
    assert sleeps == [7.0, 1.0]  # Retry-After honoured; then exponential backoff (0.5 · 2¹)


def test_throttling_that_never_ends_fails_with_the_status() -> None:
    async def scenario():
        async with ContractServer() as server:
            for _ in range(3):
                server.expect("POST", "/language/:analyze-conversations", 429,
                              {"error": {"code": "TooManyRequests", "message": "slow down"}},
                              headers={"retry-after-ms": "250"})
            sleeps = Sleeps()
            async with CluClient(server.url, KEY, retries=2, sleep=sleeps) as client:
                with pytest.raises(CluError, match="HTTP 429 TooManyRequests: slow down"):
                    await client.analyze("hi", "p", "d")
            return server.requests, sleeps

    requests, sleeps = asyncio.run(scenario())
    assert len(requests) == 3 and sleeps == [0.25, 0.25]


def test_failed_job_reports_its_errors() -> None:
    failed = copy.deepcopy(body("ConversationAuthoring_GetImportStatus"))
    failed.update(status="failed", errors=[{"code": "InvalidDocument", "message": "intent 'X' is empty"}])

    async def scenario():
        async with ContractServer() as server:
            job = accepted(server, "POST", f"{AUTHORING}/EmailApp/:import", "ConversationAuthoring_ImportProject")
            server.expect("GET", job, 200, failed)
            async with CluClient(server.url, KEY, sleep=Sleeps()) as client:
                with pytest.raises(CluError, match=r"job failed \(InvalidDocument: intent 'X' is empty\)"):
                    await client.import_project("EmailApp", {"luis_schema_version": "7.0.0"})

    asyncio.run(scenario())


def test_key_is_never_sent_to_another_origin() -> None:
    async def scenario():
        async with ContractServer() as server, ContractServer() as elsewhere:
            headers = {"operation-location": f"{elsewhere.url}/language/authoring/x/jobs/1?api-version=2023-04-01"}
            server.expect("POST", f"{AUTHORING}/EmailApp/:train", 202, headers=headers)
            async with CluClient(server.url, KEY, sleep=Sleeps()) as client:
                with pytest.raises(CluError, match="is not on"):
                    await client.train("EmailApp", "m")
            return elsewhere.requests

    assert asyncio.run(scenario()) == []


def test_auth_errors_are_not_retried() -> None:
    async def scenario():
        async with ContractServer() as server:
            server.expect("POST", "/language/:analyze-conversations", 401,
                          {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}})
            async with CluClient(server.url, "wrong", sleep=Sleeps()) as client:
                with pytest.raises(CluError) as caught:
                    await client.analyze("hi", "p", "d")
            return server.requests, caught.value

    requests, error = asyncio.run(scenario())
    assert len(requests) == 1 and "Ocp-Apim-Subscription-Key" in error.hint
    assert error.message.startswith("CLU query of p/d: HTTP 401")


def test_query_matches_the_documented_request_and_reads_the_answer() -> None:
    fx = lang("AnalyzeConversations_Conversation")
    params = fx["parameters"]["body"]
    text = params["analysisInput"]["conversationItem"]["text"]

    async def scenario():
        async with ContractServer() as server:
            server.expect("POST", "/language/:analyze-conversations", 200, fx["responses"]["200"]["body"])
            async with CluClient(server.url, KEY) as client:
                prediction = await client.analyze(text, "{project-name}", "{deployment-name}")
            return server.requests, prediction

    requests, prediction = asyncio.run(scenario())
    assert requests[0].query == {"api-version": "2023-04-01"}
    assert requests[0].body == params
    assert (prediction.intent, prediction.score) == ("PlayMusic", 1.0)
    artist = prediction.entity("Media.Artist")
    assert (artist.text, artist.offset, artist.length) == ("Phil Collins", 29, 12)


def test_unreachable_endpoint_is_a_clu_error() -> None:
    async def scenario():
        async with ContractServer() as server:
            url = server.url
        async with CluClient(url, KEY, retries=1, sleep=Sleeps()) as client:
            with pytest.raises(CluError, match="cannot reach"):
                await client.analyze("hi", "p", "d")

    asyncio.run(scenario())


def test_resolved_values_come_from_list_keys_and_number_resolutions() -> None:
    fx = lang("AnalyzeConversations_Conversation")
    answer = copy.deepcopy(fx["responses"]["200"]["body"])
    answer["result"]["prediction"]["entities"] = [
        {"category": "city", "text": "nyc", "offset": 0, "length": 3, "confidenceScore": 1,
         "extraInformation": [{"extraInformationKind": "ListKey", "key": "New York"}]},
        {"category": "number", "text": "four", "offset": 8, "length": 4, "confidenceScore": 1,
         "resolutions": [{"resolutionKind": "NumberResolution", "numberKind": "Integer", "value": 4}]},
    ]

    async def scenario():
        async with ContractServer() as server:
            server.expect("POST", "/language/:analyze-conversations", 200, answer)
            async with CluClient(server.url, KEY) as client:
                return await client.analyze("nyc for four", "p", "d")

    prediction = asyncio.run(scenario())
    assert [(e.category, e.value) for e in prediction.entities] == [("city", "New York"), ("number", 4)]


# -- Microsoft Entra tokens (the Azure target: Terraform turns the resources' keys off) -----------

SCOPE = "https://cognitiveservices.azure.com/.default"


class Tokens:
    """A sync TokenCredential as azure-core defines it: numbered tokens, every request recorded."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.asked: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.asked.append(scopes)
        time.sleep(0.01)  # a real credential takes a while: concurrent callers overlap here
        return AccessToken(f"token-{len(self.asked)}", int(time.time()) + self.lifetime)


def answers(server: ContractServer, count: int) -> None:
    for _ in range(count):
        server.expect("POST", "/language/:analyze-conversations", 200,
                      lang("AnalyzeConversations_Conversation")["responses"]["200"]["body"])


def test_token_auth_sends_one_bearer_token_and_no_key() -> None:
    tokens = Tokens()

    async def scenario():
        async with ContractServer() as server:
            base = f"{AUTHORING}/EmailApp"
            job = accepted(server, "POST", f"{base}/:import", "ConversationAuthoring_ImportProject")
            server.expect("GET", job, 200, body("ConversationAuthoring_GetImportStatus"))
            answers(server, 2)
            async with CluClient(server.url, credential=tokens, sleep=Sleeps()) as client:
                await client.import_project("EmailApp", {"luis_schema_version": "7.0.0"})
                await client.analyze("hi", "p", "d")
                await client.analyze("hi again", "p", "d")
            return server.requests

    requests = asyncio.run(scenario())
    assert len(requests) == 4
    assert [r.headers.get("Authorization") for r in requests] == ["Bearer token-1"] * 4
    assert not any("Ocp-Apim-Subscription-Key" in r.headers for r in requests)
    assert tokens.asked == [(SCOPE,)]  # asked once, for the Cognitive Services scope, then reused


def test_a_token_near_expiry_is_renewed() -> None:
    tokens = Tokens(lifetime=60)  # inside the five minutes before expiry in which tokens are renewed

    async def scenario():
        async with ContractServer() as server:
            answers(server, 2)
            async with CluClient(server.url, credential=tokens) as client:
                await client.analyze("hi", "p", "d")
                await client.analyze("hi", "p", "d")
            return server.requests

    requests = asyncio.run(scenario())
    assert [r.headers["Authorization"] for r in requests] == ["Bearer token-1", "Bearer token-2"]


def test_concurrent_calls_share_one_token_request() -> None:
    tokens = Tokens()

    async def scenario():
        async with ContractServer() as server:
            answers(server, 3)
            async with CluClient(server.url, credential=tokens) as client:
                await asyncio.gather(*(client.analyze("hi", "p", "d") for _ in range(3)))
            return server.requests

    requests = asyncio.run(scenario())
    assert len(tokens.asked) == 1 and {r.headers["Authorization"] for r in requests} == {"Bearer token-1"}


def test_a_refused_token_says_sign_in_and_is_not_used_again() -> None:
    tokens = Tokens()
    refused = {"error": {"code": "401", "message": "Access denied due to invalid token or wrong API endpoint."}}

    async def scenario():
        async with ContractServer() as server:
            server.expect("POST", "/language/:analyze-conversations", 401, refused)
            answers(server, 1)
            async with CluClient(server.url, credential=tokens, sleep=Sleeps()) as client:
                with pytest.raises(CluError) as caught:
                    await client.analyze("hi", "p", "d")
                await client.analyze("hi", "p", "d")
            return server.requests, caught.value

    requests, error = asyncio.run(scenario())
    assert error.message.startswith("CLU query of p/d: HTTP 401")
    assert "run `az login`" in error.hint and "Ocp-Apim-Subscription-Key" not in error.hint
    assert [r.headers["Authorization"] for r in requests] == ["Bearer token-1", "Bearer token-2"]  # no retry with it


@pytest.mark.parametrize("call, role", [
    (lambda client: client.train("EmailApp", "m"), "Cognitive Services Language Owner"),
    (lambda client: client.analyze("hi", "p", "d"), "Cognitive Services Language Reader"),
])
def test_a_missing_role_is_named(call: Callable[[CluClient], Awaitable[object]], role: str) -> None:
    denied = {"error": {"code": "PermissionDenied", "message": "The principal lacks the required data action."}}

    async def scenario():
        async with ContractServer() as server:
            for path in (f"{AUTHORING}/EmailApp/:train", "/language/:analyze-conversations"):
                server.expect("POST", path, 403, denied)
            async with CluClient(server.url, credential=Tokens(), sleep=Sleeps()) as client:
                with pytest.raises(CluError) as caught:
                    await call(client)
            return server.requests, caught.value

    requests, error = asyncio.run(scenario())
    assert len(requests) == 1 and "HTTP 403 PermissionDenied" in error.message
    assert f"role '{role}'" in error.hint


def test_no_sign_in_is_a_clu_error_that_says_az_login(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from azure.identity import AzureCliCredential

    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` to ask: the state of a machine never signed in

    async def scenario():
        async with ContractServer() as server:
            async with CluClient(server.url, credential=AzureCliCredential()) as client:
                with pytest.raises(CluError) as caught:
                    await client.train("EmailApp", "m")
            return server.requests, caught.value

    requests, error = asyncio.run(scenario())
    assert requests == []
    assert error.message.startswith("CLU train of project EmailApp: no Microsoft Entra token for http://127.0.0.1:")
    assert "Azure CLI not found" in error.message
    assert error.hint.startswith("run `az login`")


def test_exactly_one_of_key_and_credential() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CluClient("https://lang.cognitiveservices.azure.com", KEY, credential=Tokens())
    with pytest.raises(ValueError, match="exactly one"):
        CluClient("https://lang.cognitiveservices.azure.com")


def test_tokens_go_over_https_only() -> None:
    with pytest.raises(CluError, match="over https only"):
        CluClient("http://lang.cognitiveservices.azure.com", credential=Tokens())
    CluClient("https://lang.cognitiveservices.azure.com", credential=Tokens())
    CluClient("http://localhost:5000", credential=Tokens())  # this machine: tests and emulators
