"""Azure's failures in the user's terms, and the one retry the SDKs do not do.

Every SDK call of this package goes through `call()`: it retries a 404 while a resource that
Terraform just created propagates through ARM (when the caller says it may), and translates
what azure-core raises into geobot's errors, naming what was being done and what to do.
429 and 5xx are retried before they get here, by the SDK's RetryPolicy (see `Retry`).

No sign-in at all is a missing prerequisite (exit 2, nothing was touched); everything else,
a rejected token included, is a CloudError (exit 1) that a re-run resumes. Hints say what to
fix; the pipeline adds how to resume.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from geobot.bot.refusal import permission
from geobot.errors import CloudError, GeobotError, PrerequisiteError
from geobot.targets.azure.session import Retry

if TYPE_CHECKING:
    from azure.core.exceptions import AzureError

T = TypeVar("T")

SIGN_IN_HINT = "run `az login` (or set AZURE_CLIENT_ID/AZURE_TENANT_ID and a federated token in CI)"


class AzureNotFound(CloudError):
    """The resource does not exist (still, after waiting for it to propagate)."""


class AzureConflict(CloudError):
    """Another operation holds the resource (409)."""


def call(action: str, fn: Callable[[], T], *, retry: Retry, role: str, propagating: bool = False) -> T:
    """Run one SDK call that does `action` ("read Traffic Manager profile 'x'").

    `role` is the built-in role that allows it, named in the 403 hint; `propagating` retries a
    404 `retry.propagation_attempts` times, `retry.propagation_delay` seconds apart.
    """
    from azure.core.exceptions import AzureError

    waited = 0
    while True:
        try:
            return fn()
        except AzureError as e:
            if propagating and _status(e) == 404 and waited < retry.propagation_attempts:
                waited += 1
                time.sleep(retry.propagation_delay)
                continue
            raise translate(e, action, role, retry) from e


def translate(e: AzureError, action: str, role: str, retry: Retry) -> GeobotError:
    """The GeobotError for an azure-core exception raised while doing `action`."""
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    status = _status(e)
    if isinstance(e, ClientAuthenticationError) and status is None:
        return PrerequisiteError(f"not signed in to Azure (needed to {action}): {_first_line(str(e))}", SIGN_IN_HINT)
    if status is None:
        kind = "cannot reach Azure" if isinstance(e, ServiceRequestError) else "no answer from Azure"
        return CloudError(f"{kind} to {action}: {_first_line(str(e))}", "check the network connection to Azure")
    code, message, inner = _error_body(e)
    said = f"({status} {code or _reason(e)})" + (f": {_first_line(message)}" if message else "")
    if status == 401:
        return CloudError(f"not signed in to Azure: refused to {action} {said}", SIGN_IN_HINT)
    if status == 403:
        denied = _permission(message) or "permission" + (f" ({inner or code})" if inner or code else "")
        return CloudError(
            f"permission denied to {action}: missing {denied}",
            f"give the signed-in identity the role '{role}' (role assignments take a few minutes to apply)",
        )
    if status == 404:
        return AzureNotFound(
            f"cannot {action}: not found {said}",
            "it is still propagating, or the infrastructure stages have not created it",
        )
    if status == 409:
        return AzureConflict(
            f"conflict, cannot {action} {said}",
            "another operation is changing it: wait for it to finish",
        )
    if status == 429:
        return CloudError(
            f"Azure throttled the requests to {action} {said} (retried up to {retry.attempts} times)",
            "wait a few minutes",
        )
    if status >= 500:
        return CloudError(
            f"Azure failed to {action} {said} (retried up to {retry.attempts} times)",
            "a transient Azure failure: try again in a few minutes",
        )
    return CloudError(f"Azure refused to {action} {said}")


def _status(e: AzureError) -> int | None:
    return getattr(e, "status_code", None)


def _reason(e: AzureError) -> str:
    return getattr(e, "reason", None) or ""


def _error_body(e: AzureError) -> tuple[str, str, str]:
    """(code, message, inner code) from ARM's or Key Vault's error body; else its first line."""
    response = getattr(e, "response", None)
    try:
        body = json.loads(response.text()) if response is not None else None
    except ValueError:
        return "", _first_line(response.text()), ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", "", ""
    inner = error.get("innererror")
    inner_code = inner.get("code", "") if isinstance(inner, dict) else ""
    return error.get("code") or "", error.get("message") or "", inner_code


def _permission(message: str) -> str:
    missing = permission(message)
    return f"permission '{missing}'" if missing else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
