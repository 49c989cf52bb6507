"""Client for Conversational Language Understanding (Azure AI Language), LUIS's successor.

The four documented REST calls, authenticated with `Ocp-Apim-Subscription-Key`:

    POST {endpoint}/language/authoring/analyze-conversations/projects/{p}/:import?api-version=…&format=Luis
         body: the LUIS app export, unchanged                               → 202 + operation-location
    POST …/projects/{p}/:train?api-version=…        {"modelLabel", "trainingMode"}       → 202 + operation-location
    PUT  …/projects/{p}/deployments/{d}?api-version=… {"trainedModelLabel"}              → 202 + operation-location
    POST {endpoint}/language/:analyze-conversations?api-version=…   {"kind": "Conversation", …} → 200

Long-running jobs are polled at their operation-location (only on the endpoint's own origin,
so the key never leaves it) until `succeeded`, or fail with the job's errors. 429 and 5xx
answers, and connection failures, are retried, waiting as long as Retry-After (or
retry-after-ms) says, else with exponential backoff.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlparse

import aiohttp

from geobot.errors import CloudError
from geobot.nlu.entities import Entity
from geobot.nlu.recognizer import Prediction

API_VERSION = "2023-04-01"
AUTHORING = "/language/authoring/analyze-conversations/projects"
_RUNNING = {"notStarted", "running", "cancelling"}


class CluError(CloudError):
    """The Language service refused a call, a job failed, or it could not be reached."""


class CluClient:
    """Import, train, deploy and query one Language resource. Use as `async with`."""

    def __init__(
        self,
        endpoint: str,
        key: str,
        *,
        api_version: str = API_VERSION,
        retries: int = 5,
        poll_interval: float = 5.0,
        poll_timeout: float = 3600.0,
        request_timeout: float = 30.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_version = api_version
        self.retries = retries
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.max_wait = max_wait
        self._key = key
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._sleep = sleep
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> CluClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- authoring ---------------------------------------------------------------------

    async def import_luis(self, project: str, luis_app: dict) -> dict:
        """Create or replace `project` from a LUIS app export; returns the finished job."""
        url = f"{self._project(project)}/:import?api-version={self.api_version}&format=Luis"
        return await self._job("import", project, "POST", url, luis_app)

    async def train(self, project: str, model_label: str, mode: str = "standard") -> dict:
        """Train a model under `model_label` (`standard` is the free mode)."""
        url = f"{self._project(project)}/:train?api-version={self.api_version}"
        return await self._job("train", project, "POST", url, {"modelLabel": model_label, "trainingMode": mode})

    async def deploy(self, project: str, deployment: str, model_label: str) -> dict:
        """Deploy a trained model as `deployment`, replacing what it served."""
        url = f"{self._project(project)}/deployments/{quote(deployment, safe='')}?api-version={self.api_version}"
        return await self._job("deploy", project, "PUT", url, {"trainedModelLabel": model_label})

    async def publish(self, project: str, deployment: str, luis_app: dict, model_label: str) -> None:
        """Import, train and deploy: what a region's language stage does."""
        await self.import_luis(project, luis_app)
        await self.train(project, model_label)
        await self.deploy(project, deployment, model_label)

    # -- runtime -----------------------------------------------------------------------

    async def analyze(self, text: str, project: str, deployment: str) -> Prediction:
        """Query a deployment; the answer in the local recognizer's terms."""
        body = {
            "kind": "Conversation",
            "analysisInput": {"conversationItem": {"id": "1", "participantId": "1", "text": text}},
            "parameters": {"projectName": project, "deploymentName": deployment, "stringIndexType": "TextElement_V8"},
        }
        url = f"{self.endpoint}/language/:analyze-conversations?api-version={self.api_version}"
        _, _, answer = await self._request("POST", url, body, f"CLU query of {project}/{deployment}")
        try:
            prediction = answer["result"]["prediction"]
            intents = tuple((i["category"], float(i["confidenceScore"])) for i in prediction["intents"])
            entities = tuple(
                Entity(e["category"], e["text"], e["offset"], e["length"], _resolved(e))
                for e in prediction.get("entities", [])
            )
            top = prediction["topIntent"]
        except (KeyError, TypeError, ValueError) as exc:
            raise CluError(f"CLU query of {project}/{deployment}: unexpected answer ({exc!r})") from exc
        score = next((s for name, s in intents if name == top), 0.0)
        return Prediction(top, score, intents, entities)

    # -- plumbing ----------------------------------------------------------------------

    def _project(self, project: str) -> str:
        return f"{self.endpoint}{AUTHORING}/{quote(project, safe='')}"

    async def _job(self, what: str, project: str, method: str, url: str, body: dict) -> dict:
        action = f"CLU {what} of project {project}"
        status, headers, _ = await self._request(method, url, body, action)
        location = headers.get("operation-location")
        if status != 202 or not location:
            raise CluError(f"{action}: expected 202 with an operation-location, got {status}")
        if _origin(location) != _origin(self.endpoint):
            raise CluError(f"{action}: operation-location {location} is not on {self.endpoint}")
        deadline = self._clock() + self.poll_timeout
        while True:
            _, headers, job = await self._request("GET", location, None, action)
            state = job.get("status")
            if state == "succeeded":
                return job
            if state not in _RUNNING:
                errors = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in job.get("errors") or [])
                raise CluError(f"{action}: job {state}" + (f" ({errors})" if errors else ""),
                               "check the project in Language Studio, fix the model, then deploy again")
            if self._clock() >= deadline:
                raise CluError(f"{action}: still {state} after {self.poll_timeout:.0f}s", "run deploy again to resume")
            wait = _retry_after(headers, self.max_wait)
            await self._sleep(self.poll_interval if wait is None else wait)

    async def _request(self, method: str, url: str, body: Any, action: str) -> tuple[int, dict, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Ocp-Apim-Subscription-Key": self._key}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                async with self._session.request(method, url, json=body, headers=headers) as response:
                    status, answer_headers, raw = response.status, dict(response.headers), await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                if last:
                    raise CluError(f"{action}: cannot reach {self.endpoint}: {exc.__class__.__name__}",
                                   "check the endpoint and the network, then retry") from exc
                await self._sleep(_backoff(attempt))
                continue
            answer_headers = {k.lower(): v for k, v in answer_headers.items()}
            if (status == 429 or status >= 500) and not last:
                wait = _retry_after(answer_headers, self.max_wait)
                await self._sleep(_backoff(attempt) if wait is None else wait)
                continue
            answer = _json(raw)
            if status >= 400:
                error = answer.get("error", {}) if isinstance(answer, dict) else {}
                raise CluError(f"{action}: HTTP {status} {error.get('code', '')}: {error.get('message', '')}".rstrip(),
                               _hint(status))
            return status, answer_headers, answer
        raise AssertionError("unreachable: the last attempt returns or raises")


def _resolved(entity: dict) -> str | int:
    """A list entity's canonical key, or a prebuilt's resolved value (whole numbers as int), else its text."""
    for extra in entity.get("extraInformation") or []:
        if extra.get("extraInformationKind") == "ListKey" and extra.get("key"):
            return extra["key"]
    for resolution in entity.get("resolutions") or []:
        value = resolution.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value) if float(value).is_integer() else value
    return entity["text"]


def _origin(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    return parts.scheme, parts.netloc.lower()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _backoff(attempt: int) -> float:
    return min(0.5 * 2**attempt, 16.0)


def _retry_after(headers: dict, cap: float) -> float | None:
    """Seconds to wait as the server asked (retry-after-ms, or Retry-After seconds or date)."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        if name in headers:
            try:
                return min(max(float(headers[name]) * scale, 0.0), cap)
            except ValueError:
                pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), cap)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(when.timestamp() - time.time(), 0.0), cap)


def _hint(status: int) -> str:
    if status in (401, 403):
        return "check the Language resource key (Ocp-Apim-Subscription-Key) in the vault"
    if status == 404:
        return "check the project and deployment names, or run the language stage again"
    return "see the error above; fix the input and retry"
