"""Client for Conversational Language Understanding (Azure AI Language), LUIS's successor.

The four documented REST calls:

    POST {endpoint}/language/authoring/analyze-conversations/projects/{p}/:import?api-version=…&format=Luis|Conversation
         body: a LUIS 7.0.0 app, or a CLU project export                    → 202 + operation-location
    POST …/projects/{p}/:train?api-version=…        {"modelLabel", "trainingMode"}       → 202 + operation-location
    PUT  …/projects/{p}/deployments/{d}?api-version=… {"trainedModelLabel"}              → 202 + operation-location
    POST {endpoint}/language/:analyze-conversations?api-version=…   {"kind": "Conversation", …} → 200

Each call is authenticated one of two ways, chosen when the client is made:
- a resource key, sent as `Ocp-Apim-Subscription-Key` (the local-auth path);
- a Microsoft Entra token, sent as `Authorization: Bearer …`, from an azure-core *sync*
  TokenCredential for the scope https://cognitiveservices.azure.com/.default. This is the
  Azure target's only path: Terraform turns the resources' keys off. The deployer signs in
  with the sync credential geobot uses for every Azure call (`AzureSession.credential`, holding
  Cognitive Services Language Owner), the bot with its managed identity (Language Reader).
  The credential is asked in a worker thread, so `az login`'s subprocess or the identity
  endpoint never blocks the event loop, and only when the cached token is within
  REFRESH_MARGIN of expiring. azure-core is imported only on this path, so the key and the
  local target need no Azure SDK.

Long-running jobs are polled at their operation-location (only on the endpoint's own origin,
so the key or token never leaves it) until `succeeded`, or fail with the job's errors. 429 and
5xx answers, and connection failures, are retried, waiting as long as Retry-After (or
retry-after-ms) says, else with exponential backoff. 401 and 403 are not retried: they say
what to fix (sign in, or which role is missing).
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

import aiohttp

from geobot.errors import CloudError
from geobot.nlu.entities import Entity
from geobot.nlu.recognizer import Prediction

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, TokenCredential

API_VERSION = "2023-04-01"
AUTHORING = "/language/authoring/analyze-conversations/projects"
SCOPE = "https://cognitiveservices.azure.com/.default"
REFRESH_MARGIN = 300.0  # seconds before expiry a token is renewed, as azure-core's bearer policy does
OWNER = "Cognitive Services Language Owner"  # may import, train and deploy
READER = "Cognitive Services Language Reader"  # may query deployments
SIGN_IN_HINT = (f"run `az login` as a user with the role {OWNER} on the Language resource "
                "(in CI: AZURE_CLIENT_ID/AZURE_TENANT_ID and a federated token)")
_RUNNING = {"notStarted", "running", "cancelling"}


class CluError(CloudError):
    """The Language service refused a call, a job failed, or it could not be reached.

    `status` is the HTTP status of a refused call (None otherwise): a 403 right after the
    role was assigned is role propagation, which the language stage waits out.
    """

    def __init__(self, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class CluClient:
    """Import, train, deploy and query one Language resource. Use as `async with`.

    Pass exactly one of `key` and `credential`. `sign_in_hint` is what a failed or refused
    token tells the user to do; the default suits the deployer, the bot names its identity.
    The caller owns the credential (it is often shared): `close()` does not close it.
    """

    def __init__(
        self,
        endpoint: str,
        key: str | None = None,
        *,
        credential: TokenCredential | None = None,
        sign_in_hint: str = SIGN_IN_HINT,
        api_version: str = API_VERSION,
        retries: int = 5,
        poll_interval: float = 5.0,
        poll_timeout: float = 3600.0,
        request_timeout: float = 30.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (key is None) == (credential is None):
            raise ValueError("CluClient needs exactly one of key and credential")
        self.endpoint = endpoint.rstrip("/")
        endpoint_url = urlparse(self.endpoint)
        if credential is not None and endpoint_url.scheme != "https" and not _loopback(endpoint_url.hostname):
            raise CluError(f"{self.endpoint}: a Microsoft Entra token is sent over https only",
                           "use the Language resource's https:// endpoint")
        self.api_version = api_version
        self.retries = retries
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.max_wait = max_wait
        self._key = key
        self._credential = credential
        self._sign_in_hint = sign_in_hint
        self._token: AccessToken | None = None
        self._token_lock = asyncio.Lock()  # concurrent calls wait for one token request
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

    async def import_project(self, project: str, body: dict, file_format: str = "Luis") -> dict:
        """Create or replace `project` from a LUIS 7.0.0 app ("Luis") or a CLU export ("Conversation")."""
        url = f"{self._project(project)}/:import?api-version={self.api_version}&format={file_format}"
        return await self._job("import", project, "POST", url, body)

    async def train(self, project: str, model_label: str, mode: str = "standard") -> dict:
        """Train a model under `model_label` (`standard` is the free mode)."""
        url = f"{self._project(project)}/:train?api-version={self.api_version}"
        return await self._job("train", project, "POST", url, {"modelLabel": model_label, "trainingMode": mode})

    async def deploy(self, project: str, deployment: str, model_label: str) -> dict:
        """Deploy a trained model as `deployment`, replacing what it served."""
        url = f"{self._project(project)}/deployments/{quote(deployment, safe='')}?api-version={self.api_version}"
        return await self._job("deploy", project, "PUT", url, {"trainedModelLabel": model_label})

    async def publish(
        self, project: str, deployment: str, body: dict, model_label: str,
        progress: Callable[[str], None] = lambda step: None, file_format: str = "Luis",
    ) -> dict:
        """Import, train and deploy, then delete the project's other trained models; returns the deploy job.

        `progress` hears "import", "train" and "deploy" as each step starts, and "delete model <label>".
        """
        progress("import")
        await self.import_project(project, body, file_format)
        progress("train")
        await self.train(project, model_label)
        progress("deploy")
        deployed = await self.deploy(project, deployment, model_label)
        for label in await self.models(project):
            if label != model_label:  # CLU caps a project's trained models: keep only the one now live
                progress(f"delete model {label}")
                await self.delete_model(project, label)
        return deployed

    async def models(self, project: str) -> list[str]:
        """The labels of the project's trained models."""
        url = f"{self._project(project)}/models?api-version={self.api_version}"
        _, _, answer = await self._request("GET", url, None, f"CLU list of the trained models of {project}", OWNER)
        return [model["label"] for model in answer.get("value", [])]

    async def delete_model(self, project: str, label: str) -> None:
        url = f"{self._project(project)}/models/{quote(label, safe='')}?api-version={self.api_version}"
        await self._request("DELETE", url, None, f"CLU delete of trained model {label} of {project}", OWNER)

    # -- runtime -----------------------------------------------------------------------

    async def analyze(self, text: str, project: str, deployment: str) -> Prediction:
        """Query a deployment; the answer in the local recognizer's terms."""
        body = {
            "kind": "Conversation",
            "analysisInput": {"conversationItem": {"id": "1", "participantId": "1", "text": text}},
            "parameters": {"projectName": project, "deploymentName": deployment, "stringIndexType": "TextElement_V8"},
        }
        url = f"{self.endpoint}/language/:analyze-conversations?api-version={self.api_version}"
        _, _, answer = await self._request("POST", url, body, f"CLU query of {project}/{deployment}", READER)
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
        status, headers, _ = await self._request(method, url, body, action, OWNER)
        location = headers.get("operation-location")
        if status != 202 or not location:
            raise CluError(f"{action}: expected 202 with an operation-location, got {status}")
        if _origin(location) != _origin(self.endpoint):
            raise CluError(f"{action}: operation-location {location} is not on {self.endpoint}")
        deadline = self._clock() + self.poll_timeout
        while True:
            _, headers, job = await self._request("GET", location, None, action, OWNER)
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

    async def _request(self, method: str, url: str, body: Any, action: str, role: str) -> tuple[int, dict, Any]:
        """One call, retried as the module says; `role` is the one a 403 names as missing."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=True)  # HTTPS_PROXY, as the Azure SDKs
        headers = await self._auth_headers(action)
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
                if status == 401:
                    self._token = None  # a refused token is not offered again
                error = answer.get("error", {}) if isinstance(answer, dict) else {}
                raise CluError(f"{action}: HTTP {status} {error.get('code', '')}: {error.get('message', '')}".rstrip(),
                               self._hint(status, role), status)
            return status, answer_headers, answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _auth_headers(self, action: str) -> dict[str, str]:
        """The key, or a bearer token: the cached one unless it is near expiry, else a fresh one."""
        if self._key is not None:
            return {"Ocp-Apim-Subscription-Key": self._key}
        async with self._token_lock:
            if self._token is None or self._token.expires_on - time.time() < REFRESH_MARGIN:
                from azure.core.exceptions import AzureError

                try:
                    self._token = await asyncio.to_thread(self._credential.get_token, SCOPE)
                except AzureError as exc:
                    raise CluError(f"{action}: no Microsoft Entra token for {self.endpoint}: "
                                   f"{_first_line(str(exc)) or exc.__class__.__name__}", self._sign_in_hint) from exc
            return {"Authorization": f"Bearer {self._token.token}"}

    def _hint(self, status: int, role: str) -> str:
        if status in (401, 403) and self._credential is None:
            return "check the Language resource key (Ocp-Apim-Subscription-Key) in the vault"
        if status == 401:
            return self._sign_in_hint
        if status == 403:
            return f"give the identity the role '{role}' on the Language resource (role assignments take minutes to apply)"
        if status == 404:
            return "check the project and deployment names, or run the language stage again"
        return "see the error above; fix the input and retry"


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


def _loopback(host: str | None) -> bool:
    """Whether `host` is this machine, where plain http cannot be overheard (tests, emulators)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


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
