"""The bot's language understanding: the local recognizer, or this region's CLU deployment.

Both answer with a `geobot.nlu.recognizer.Prediction`, so the dialog never knows which one
served it. `check()` is what the deep health probe calls: a real query, bounded by a timeout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from geobot.bot.vaults import bot_credential
from geobot.nlu.clu import READER, SCOPE, CluClient
from geobot.nlu.model import default_model_path
from geobot.nlu.recognizer import LocalRecognizer, Prediction

PROBE_TEXT = "hello"


class Language(Protocol):
    description: str

    async def recognize(self, text: str) -> Prediction: ...

    async def close(self) -> None: ...


class LocalLanguage:
    """The recognizer trained at start from the bot's model (the sample's by default); answers in microseconds, in-process."""

    def __init__(self, model_path: Path | None = None) -> None:
        path = model_path or default_model_path()
        self._recognizer = LocalRecognizer.from_path(path)
        self.description = f"local recognizer ({path.name}, {len(self._recognizer.model.utterances)} utterances)"

    async def recognize(self, text: str) -> Prediction:
        return self._recognizer.recognize(text)

    async def close(self) -> None:
        return None


class CluLanguage:
    """A CLU deployment; one retry at most, since a user is waiting for the turn.

    With a key, the key. Without one (Azure, where Terraform turns keys off) a Microsoft Entra
    token from the same credential the vault is read with: on App Service the web app's
    user-assigned managed identity, picked by AZURE_CLIENT_ID, asked directly at the platform's
    identity endpoint, not through DefaultAzureCredential's chain of other sources; elsewhere
    (a bot run by hand against a real resource) DefaultAzureCredential, e.g. `az login`.
    """

    def __init__(self, endpoint: str, key: str | None, project: str, deployment: str) -> None:
        if key:
            self._credential = None
            self._client = CluClient(endpoint, key, retries=1, request_timeout=5.0, max_wait=1.0)
            auth = "key"
        else:
            self._credential = bot_credential()
            client_id = os.environ.get("AZURE_CLIENT_ID")
            identity = type(self._credential).__name__ + (f" {client_id}" if client_id else "")
            hint = (f"{identity} needs a token for {SCOPE} and the role {READER} on this region's Language "
                    "resource; on App Service, AZURE_CLIENT_ID must be the web app's user-assigned identity")
            self._client = CluClient(endpoint, credential=self._credential, sign_in_hint=hint,
                                     retries=1, request_timeout=5.0, max_wait=1.0)
            auth = f"Microsoft Entra token of {identity}"
        self._project = project
        self._deployment = deployment
        self.description = f"CLU {endpoint} {project}/{deployment} ({auth})"

    async def recognize(self, text: str) -> Prediction:
        return await self._client.analyze(text, self._project, self._deployment)

    async def close(self) -> None:
        await self._client.close()
        if self._credential is not None:
            self._credential.close()
