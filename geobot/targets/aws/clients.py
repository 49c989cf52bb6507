"""How geobot reaches AWS outside Terraform: one boto3 session, one client per service and region.

Only this module and `errors` import boto3 or botocore, always inside a function, so neither
`geobot --help` nor the other targets load them. Credentials come from boto3's own chain (the
environment, AWS_PROFILE or SSO on a laptop, a web identity token in CI): the chain Terraform's
aws provider reads too, so both act as the same identity and nothing geobot writes holds a key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from geobot.errors import CloudError, PrerequisiteError
from geobot.targets.aws.errors import translate

T = TypeVar("T")


@dataclass(frozen=True)
class Waiting:
    """How the waiters poll: a Lex locale build takes minutes, so ten seconds apart for up to ten."""

    delay: float = 10.0
    attempts: int = 60


class WaitFailed(CloudError):
    """A waiter saw a failure state or gave up; `last` is the last description it read."""

    def __init__(self, message: str, hint: str, last: Mapping[str, Any]) -> None:
        super().__init__(message, hint)
        self.last = last


class Api:
    """One service in one region: every call, wait and listing translated into geobot's errors."""

    def __init__(self, client: Any, service: str, region: str, waiting: Waiting) -> None:
        self.client = client
        self.service = service
        self.region = region
        self.waiting = waiting

    def call(self, operation: str, action: str, **params: Any) -> dict[str, Any]:
        """`operation` is the boto3 method ("build_bot_locale"); `action` says what it does, for errors."""
        return self.run(action, lambda client: getattr(client, operation)(**params))

    def run(self, action: str, work: Callable[[Any], T]) -> T:
        """`work(client)` with botocore's errors translated: for code that takes a client (the functions')."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return work(self.client)
        except (ClientError, BotoCoreError) as e:
            raise translate(e, self.service, self.region, action) from e

    def wait(self, waiter: str, action: str, **params: Any) -> None:
        from botocore.exceptions import BotoCoreError, ClientError, WaiterError

        polling = self.client.get_waiter(waiter)
        try:
            polling.wait(**params, WaiterConfig={"Delay": self.waiting.delay, "MaxAttempts": self.waiting.attempts})
        except WaiterError as e:
            last = e.last_response or {}
            if "Error" in last:
                raise translate(ClientError(last, polling.config.operation), self.service, self.region, action) from e
            raise WaitFailed(f"{self.region}: {action} did not finish: {e.kwargs.get('reason', e)}",
                             "see the resource in the AWS console; a re-run starts the step again", last) from e
        except (ClientError, BotoCoreError) as e:
            raise translate(e, self.service, self.region, action) from e

    def pages(self, operation: str, key: str, action: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a listing that pages with nextToken (Lex) or NextToken (Connect)."""
        items: list[dict[str, Any]] = []
        token: dict[str, str] = {}
        while True:
            response = self.call(operation, action, **params, **token)
            items.extend(response.get(key, []))
            name = "nextToken" if "nextToken" in response else "NextToken"
            if not response.get(name):
                return items
            token = {name: response[name]}


class AwsSession:
    """The user's AWS identity; clients are made once per (service, region) and shared."""

    def __init__(self, session: Any, waiting: Waiting = Waiting()) -> None:
        self._session = session
        self.waiting = waiting
        self._apis: dict[tuple[str, str], Api] = {}
        self._lock = threading.Lock()  # boto3 sessions are not thread-safe; clients are

    @classmethod
    def from_environment(cls) -> AwsSession:
        try:
            import boto3
        except ImportError:
            raise PrerequisiteError("the aws target needs boto3, which is not installed",
                                    "pip install 'geobot[aws]'") from None
        return cls(boto3.Session())

    def api(self, service: str, region: str) -> Api:
        from botocore.config import Config

        with self._lock:
            key = (service, region)
            if key not in self._apis:
                config = Config(retries={"mode": "standard", "max_attempts": 5}, user_agent_extra="geobot")
                client = self._session.client(service, region_name=region, config=config)
                self._apis[key] = Api(client, service, region, self.waiting)
            return self._apis[key]
