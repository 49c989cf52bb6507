"""Zip deploy through Kudu: the azure-core pipeline against the derived Kudu contracts.

Contracts: appservice-kudu/ZipDeploy_Async.derived.json (POST /api/zipdeploy?isAsync=true,
bearer, application/zip, 202 + Location) and Deployments_GetLatest.derived.json (202 while
building, 200 when complete; status 4 Success, 3 Failed). Kudu is not ARM: no official example.
"""

from __future__ import annotations

import time

import pytest

from geobot.errors import CloudError
from geobot.targets.azure.errors import AzureConflict
from geobot.targets.azure.session import AzureSession
from geobot.targets.azure.zipdeploy import ZipDeploy, scm_url
from tests.unit.targets.azure.conftest import StaticToken
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

HOST = "geobot-westeurope.azurewebsites.net"
SCM = "https://geobot-westeurope.scm.azurewebsites.net"
PACKAGE = b"PK\x03\x04 the bot's code"


def status(code: int) -> Reply:
    """Deployments_GetLatest's 202 (in progress) or 200 (complete) answer for geobot's site."""
    reply = Reply.of("appservice-kudu/Deployments_GetLatest.derived", code)
    reply.body["log_url"] = reply.body["log_url"].replace("{site}", "geobot-westeurope")
    return reply


def started() -> Exchange:
    recorded = contract("appservice-kudu/ZipDeploy_Async.derived")
    headers = {k: v.replace("{site}", "geobot-westeurope") for k, v in recorded["responses"]["202"]["headers"].items()}
    assert recorded["request"]["url"].replace("{site}", "geobot-westeurope") == f"{SCM}/api/zipdeploy?isAsync=true"
    return Exchange(
        "POST",
        f"{SCM}/api/zipdeploy?isAsync=true",
        Reply(202, None, headers),
        body=PACKAGE,
        headers={"Content-Type": recorded["request"]["headers"]["Content-Type"]},
    )


def poll(reply: Reply, repeat: bool = False) -> Exchange:
    return Exchange("GET", f"{SCM}/api/deployments/latest", reply, repeat=repeat)


@pytest.mark.parametrize(
    ("default_hostname", "scm"),
    [
        ("app.azurewebsites.net", "https://app.scm.azurewebsites.net"),
        (
            "app-b5dzgzdwcygbd6ar.westeurope-01.azurewebsites.net",
            "https://app-b5dzgzdwcygbd6ar.scm.westeurope-01.azurewebsites.net",
        ),
    ],
)
def test_the_kudu_site_of_a_web_app(default_hostname: str, scm: str) -> None:
    assert scm_url(default_hostname) == scm


def test_deploy_uploads_with_a_bearer_token_and_polls_until_success(
    azure: ContractServer, session: AzureSession, credential: StaticToken
) -> None:
    azure.expect(started(), poll(status(202)), poll(status(202)), poll(status(200)))
    seen: list[str] = []
    done = ZipDeploy(session, HOST).deploy(PACKAGE, poll=0.01, on_status=lambda d: seen.append(d.text))
    assert (done.status, done.complete, done.id) == (4, True, "a1b2c3d4e5f6")
    assert seen == ["Building", "Success"]
    assert set(credential.scopes) == {"https://management.azure.com/.default"}


def test_a_failed_deployment_is_a_cloud_error_pointing_at_the_log(azure: ContractServer, session: AzureSession) -> None:
    failed = status(200)
    failed.body.update(status=3, status_text="Failed", last_success_end_time=None)
    azure.expect(started(), poll(failed))
    with pytest.raises(CloudError) as raised:
        ZipDeploy(session, HOST).deploy(PACKAGE, poll=0.01)
    assert raised.value.message == "zip deploy to web app 'geobot-westeurope' failed: Failed"
    assert f"{SCM}/api/deployments/latest/log" in raised.value.hint


def test_a_deployment_that_does_not_finish_in_time_stops_the_stage(
    azure: ContractServer, session: AzureSession
) -> None:
    azure.expect(started(), poll(status(202), repeat=True))
    begun = time.monotonic()
    with pytest.raises(CloudError) as raised:
        ZipDeploy(session, HOST).deploy(PACKAGE, timeout=0.15, poll=0.03)
    assert raised.value.message == (
        "zip deploy to web app 'geobot-westeurope' did not finish within 0.15 s (last status: Building)"
    )
    assert 0.15 <= time.monotonic() - begun < 1.5
    assert len(azure.answered()) <= 1 + 0.15 / 0.03 + 2


def test_a_location_off_the_kudu_site_gets_no_token(azure: ContractServer, session: AzureSession) -> None:
    elsewhere = Reply(202, None, {"Location": "https://attacker.example/api/deployments/latest"})
    azure.expect(Exchange("POST", f"{SCM}/api/zipdeploy?isAsync=true", elsewhere, body=PACKAGE))
    with pytest.raises(CloudError, match="not a status URL on https://geobot-westeurope.scm.azurewebsites.net"):
        ZipDeploy(session, HOST).deploy(PACKAGE, poll=0.01)
    assert len(azure.seen) == 1


def test_another_deployment_in_progress_is_a_conflict(azure: ContractServer, session: AzureSession) -> None:
    assert "409" in contract("appservice-kudu/ZipDeploy_Async.derived")["responses"]
    azure.expect(
        Exchange(
            "POST",
            f"{SCM}/api/zipdeploy?isAsync=true",
            Reply(
                409,
                b"There is a deployment currently in progress. Please try again when it completes.",
                {"Content-Type": "text/plain"},
            ),
            body=PACKAGE,
        )
    )
    with pytest.raises(AzureConflict) as raised:
        ZipDeploy(session, HOST).deploy(PACKAGE)
    assert raised.value.message == (
        "conflict, cannot zip deploy to web app 'geobot-westeurope' (409 Conflict): "
        "There is a deployment currently in progress. Please try again when it completes."
    )
