"""Calling the deployed functions from geobot: the online, publish and smoke stages and the drill.

A synchronous invoke answers with the handler's return value, or with FunctionError and the
exception's type and message when the handler raised (a bad setting, a denied table write):
that becomes a CloudError naming the function, its region and where its log is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from geobot.errors import CloudError
from geobot.targets.aws.clients import Api, AwsSession


def invoke(api: Api, function: str, event: dict[str, Any]) -> Any:
    """Run `function` in `api.region` with `event` and return what its handler returned."""
    response = api.call("invoke", f"run the function {function}", FunctionName=function,
                        InvocationType="RequestResponse", Payload=json.dumps(event).encode())
    body = response["Payload"].read()
    payload = json.loads(body) if body else None
    if response.get("FunctionError"):
        error = payload if isinstance(payload, dict) else {}
        said = f"{error.get('errorType', response['FunctionError'])}: {error.get('errorMessage', '')}".rstrip(": ")
        raise CloudError(f"{api.region}: the function {function} failed: {said}",
                         f"see its log: aws logs tail /aws/lambda/{function} --region {api.region}")
    return payload


def run_health_check(session: AwsSession, checks: Mapping[str, Any], region: str) -> dict[str, Any]:
    """One run of `region`'s health check now (`checks`: the functions stage's `health_checks`): it probes
    every region's bot and updates the region map as a scheduled run does, so it counts as one."""
    return dict(invoke(session.api("lambda", region), checks[region]["function_name"], {}))
