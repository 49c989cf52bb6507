"""Calling the deployed functions from geobot: the online and smoke stages, status and the drill.

A synchronous invoke answers with the handler's return value, or with FunctionError and the
exception's type and message when the handler raised (a bad setting, a denied table write):
that becomes a CloudError naming the function, its region and where its log is.
"""

from __future__ import annotations

import json
from typing import Any

from geobot.errors import CloudError
from geobot.targets.aws.clients import Api


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
