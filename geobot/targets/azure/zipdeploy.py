"""Zip deploy of the bot's code to one regional web app, through the app's Kudu (SCM) site.

Basic publishing credentials are disabled on geobot's web apps, so Kudu gets an Entra bearer
token for ARM (the identity needs Microsoft.Web/sites/publish/action). The upload is
asynchronous: Kudu answers 202 with a Location to poll until the deployment is complete, and
a deployment that does not finish in time stops the stage instead of being assumed done.
The requests go through an azure-core pipeline, so retries and errors behave as in the SDKs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from geobot.errors import CloudError
from geobot.targets.azure.errors import call
from geobot.targets.azure.session import ARM_SCOPE, AzureSession

ROLE = "Website Contributor"
SUCCESS, FAILED = 4, 3  # Kudu's DeployStatus: 0 pending, 1 building, 2 deploying, 3 failed, 4 success
STATUS_TEXT = {0: "Pending", 1: "Building", 2: "Deploying", 3: "Failed", 4: "Success"}


def scm_url(default_hostname: str) -> str:
    """The Kudu site of a web app from its default host name.

    `app.azurewebsites.net` → `https://app.scm.azurewebsites.net`, and the region-unique form
    `app-hash.westeurope-01.azurewebsites.net` → `https://app-hash.scm.westeurope-01.azurewebsites.net`.
    """
    app, _, domain = default_hostname.partition(".")
    return f"https://{app}.scm.{domain}"


@dataclass(frozen=True)
class Deployment:
    id: str
    status: int
    text: str
    complete: bool
    log_url: str

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Deployment:
        status = int(body.get("status", 0))
        return cls(
            id=str(body.get("id", "")),
            status=status,
            text=body.get("status_text") or STATUS_TEXT.get(status, f"status {status}"),
            complete=bool(body.get("complete")) or status in (SUCCESS, FAILED),
            log_url=body.get("log_url") or "",
        )


class ZipDeploy:
    def __init__(self, session: AzureSession, default_hostname: str) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline import policies

        self.url = scm_url(default_hostname)
        self.app = default_hostname.partition(".")[0]
        self._retry = session.retry
        self._client = PipelineClient(
            self.url,
            policies=[
                policies.RequestIdPolicy(),
                policies.UserAgentPolicy(sdk_moniker="geobot"),
                policies.RetryPolicy(**session.retry.sdk_options()),
                policies.BearerTokenCredentialPolicy(session.credential, ARM_SCOPE),
                policies.HttpLoggingPolicy(),
            ],
        )

    def deploy(
        self,
        package: bytes,
        *,
        timeout: float = 900.0,
        poll: float = 5.0,
        on_status: Callable[[Deployment], None] | None = None,
    ) -> Deployment:
        """Upload `package` (a zip) and wait until Kudu reports success; CloudError otherwise."""
        started = self._send(
            "POST",
            f"{self.url}/api/zipdeploy?isAsync=true",
            f"zip deploy to web app '{self.app}'",
            content=package,
            headers={"Content-Type": "application/zip"},
        )
        if started.status_code == 200:  # Kudu finished synchronously
            return Deployment("", SUCCESS, "Success", True, "")
        location = started.headers.get("Location", "")
        if urlsplit(location)[:2] != urlsplit(self.url)[:2]:
            raise CloudError(
                f"zip deploy to web app '{self.app}': Kudu answered {started.status_code} "
                f"with Location {location or '(none)'}, not a status URL on {self.url}",
                "Kudu's answer is unexpected: check the web app's deployment center",
            )
        return self._wait(location, timeout, poll, on_status)

    def _wait(
        self, location: str, timeout: float, poll: float, on_status: Callable[[Deployment], None] | None
    ) -> Deployment:
        deadline = time.monotonic() + timeout
        last: Deployment | None = None
        while True:
            response = self._send("GET", location, f"read the zip deploy status of web app '{self.app}'")
            deployment = Deployment.from_json(response.json() if response.text() else {})
            if on_status is not None and deployment != last:
                on_status(deployment)
            last = deployment
            if deployment.complete:
                if deployment.status == SUCCESS:
                    return deployment
                raise CloudError(
                    f"zip deploy to web app '{self.app}' failed: {deployment.text}",
                    f"read the deployment log ({deployment.log_url or location}) and fix the package",
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise CloudError(
                    f"zip deploy to web app '{self.app}' did not finish within {timeout:g} s "
                    f"(last status: {deployment.text})",
                    f"follow it at {location} and resume once it has finished",
                )
            time.sleep(min(poll, left))

    def _send(self, method: str, url: str, action: str, **kwargs: Any) -> Any:
        from azure.core.rest import HttpRequest

        def send() -> Any:
            response = self._client.send_request(HttpRequest(method, url, **kwargs))
            response.raise_for_status()
            return response

        return call(action, send, retry=self._retry, role=ROLE, propagating=True)
