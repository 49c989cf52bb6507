"""The bot's language understanding: the local recognizer, or this region's CLU deployment.

Both answer with a `geobot.nlu.recognizer.Prediction`, so the dialog never knows which one
served it. `check()` is what the deep health probe calls: a real query, bounded by a timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from geobot.nlu.clu import CluClient
from geobot.nlu.model import default_model_path
from geobot.nlu.recognizer import LocalRecognizer, Prediction

PROBE_TEXT = "hello"


class Language(Protocol):
    description: str

    async def recognize(self, text: str) -> Prediction: ...

    async def close(self) -> None: ...


class LocalLanguage:
    """The recognizer trained from `luis/` at start; answers in microseconds, in-process."""

    def __init__(self, model_path: Path | None = None) -> None:
        path = model_path or default_model_path()
        self._recognizer = LocalRecognizer.from_path(path)
        self.description = f"local recognizer ({path.name}, {len(self._recognizer.model.utterances)} utterances)"

    async def recognize(self, text: str) -> Prediction:
        return self._recognizer.recognize(text)

    async def close(self) -> None:
        return None


class CluLanguage:
    """A CLU deployment; one retry at most, since a user is waiting for the turn."""

    def __init__(self, endpoint: str, key: str, project: str, deployment: str) -> None:
        self._client = CluClient(endpoint, key, retries=1, request_timeout=5.0, max_wait=1.0)
        self._project = project
        self._deployment = deployment
        self.description = f"CLU {endpoint} {project}/{deployment}"

    async def recognize(self, text: str) -> Prediction:
        return await self._client.analyze(text, self._project, self._deployment)

    async def close(self) -> None:
        await self._client.close()
