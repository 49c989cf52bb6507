"""AWS's failures in the user's terms: the region, what was being done, and what to do.

Every boto3 call of the target goes through `clients.Api`, which hands what botocore raises
to `translate`. No credentials at all is a missing prerequisite (exit 2, nothing was touched);
everything else, rejected or expired credentials included, is a CloudError (exit 1) that a
re-run resumes. A denied call names the IAM action it needs: the one AWS names, else the
one of the failed operation.
"""

from __future__ import annotations

import re
from typing import Any

from geobot.errors import CloudError, GeobotError, PrerequisiteError

CREDENTIALS_HINT = "configure AWS credentials: aws configure / AWS_PROFILE / OIDC role in CI"

# boto3 service name → IAM action prefix
IAM_PREFIX = {"lexv2-models": "lex", "lexv2-runtime": "lex", "connect": "connect", "lambda": "lambda",
              "dynamodb": "dynamodb", "sts": "sts"}
# operations whose IAM action is not "<prefix>:<operation>"
ACTIONS = {("lambda", "Invoke"): "lambda:InvokeFunction"}
_NEEDED = re.compile(r"not authorized to perform: ([\w-]+:\w+)")
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
REJECTED = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
            "InvalidSignatureException", "SignatureDoesNotMatch", "InvalidAccessKeyId"}
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException"}


class AwsNotFound(CloudError):
    """The resource does not exist (a teardown takes it as already done)."""


def translate(error: Exception, service: str, region: str, action: str) -> GeobotError:
    """The GeobotError for what botocore raised while doing `action` ("build the bot locale") in `region`."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, PartialCredentialsError

    where = f"{region}: "
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return PrerequisiteError(f"no AWS credentials found (needed to {action} in {region})", CREDENTIALS_HINT)
    if isinstance(error, EndpointConnectionError):
        return CloudError(f"{where}cannot reach AWS to {action}: {error}", "check the network connection to AWS")
    if not isinstance(error, ClientError):
        return CloudError(f"{where}no answer from AWS to {action}: {type(error).__name__}: {error}",
                          "check the network connection to AWS, then try again")
    code, message = _code_and_message(error.response)
    said = f"({code}: {message})" if message else f"({code})"
    if code in DENIED:
        said_needed = _NEEDED.search(message)
        permission = said_needed[1] if said_needed else ACTIONS.get(
            (service, error.operation_name), f"{IAM_PREFIX.get(service, service)}:{error.operation_name}")
        return CloudError(f"{where}permission denied to {action}: missing {permission}",
                          f"allow {permission} to the identity geobot runs as (its IAM policy)")
    if code in REJECTED:
        return CloudError(f"{where}AWS rejected the credentials to {action} {said}", CREDENTIALS_HINT)
    if code == "ResourceNotFoundException":
        return AwsNotFound(f"{where}cannot {action}: not found {said}", "run `geobot deploy` to create it again")
    if code in THROTTLED:
        return CloudError(f"{where}AWS throttled the requests to {action} {said}", "wait a minute and try again")
    return CloudError(f"{where}AWS refused to {action} {said}")


def _code_and_message(response: Any) -> tuple[str, str]:
    error = response.get("Error", {}) if isinstance(response, dict) else {}
    message = str(error.get("Message") or "").strip()
    return str(error.get("Code") or "Unknown"), message.splitlines()[0] if message else ""
