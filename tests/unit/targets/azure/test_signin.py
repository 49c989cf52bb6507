"""The sign-in geobot picks: CI's federated token where there is one, DefaultAzureCredential elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from geobot.errors import PrerequisiteError
from geobot.targets.azure.signin import AUDIENCE, credential, github_assertion

CLIENT, TENANT = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def runner_token_service() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """GitHub's ID token endpoint as the runner sees it: a bearer-protected GET with an audience."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            query = parse_qs(urlsplit(self.path).query)
            seen.append({"authorization": self.headers["Authorization"], "query": query})
            ok = self.headers["Authorization"] == "bearer runner-request-token"
            body = json.dumps({"value": f"oidc-jwt-{len(seen)}"} if ok else {"message": "Bad credentials"}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/_apis/distributedtask/token?api-version=2.0", seen
    server.shutdown()
    server.server_close()


def test_each_assertion_is_a_fresh_token_for_entras_audience(runner_token_service: tuple[str, list]) -> None:
    url, seen = runner_token_service
    assertion = github_assertion({"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-request-token"})
    assert [assertion(), assertion()] == ["oidc-jwt-1", "oidc-jwt-2"]
    assert seen[0]["authorization"] == "bearer runner-request-token"
    assert seen[0]["query"] == {"api-version": ["2.0"], "audience": [AUDIENCE]}


def test_a_job_without_id_token_permission_gets_the_fix(runner_token_service: tuple[str, list]) -> None:
    url, _ = runner_token_service
    assertion = github_assertion({"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "expired"})
    with pytest.raises(PrerequisiteError, match="cannot get a GitHub OIDC token") as raised:
        assertion()
    assert "id-token: write" in raised.value.hint


@pytest.mark.parametrize(("env", "kind"), [
    ({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/t", "AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT},
     "ClientAssertionCredential"),
    ({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/t", "ARM_CLIENT_ID": CLIENT, "ARM_TENANT_ID": TENANT},
     "ClientAssertionCredential"),
    ({"SYSTEM_OIDCREQUESTURI": "https://dev.azure.com/o/", "SYSTEM_ACCESSTOKEN": "t", "AZURESUBSCRIPTION_CLIENT_ID": CLIENT,
      "AZURESUBSCRIPTION_TENANT_ID": TENANT, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc"}, "AzurePipelinesCredential"),
    ({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/t"}, "DefaultAzureCredential"),  # no app to sign in as
    ({}, "DefaultAzureCredential"),
])
def test_the_credential_follows_the_ci_system(env: dict[str, str], kind: str) -> None:
    assert type(credential(env)).__name__ == kind
