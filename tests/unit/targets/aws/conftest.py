"""Shared fixtures: a moto DynamoDB region map and Lex V2 runtime clients behind Stubbers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from geobot.targets.aws.functions import TABLE_KEY
from geobot.targets.aws.functions.health_check import HealthCheck

TABLE = "geobot-region-map"
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ALIASES = {
    PRIMARY: "arn:aws:lex:us-east-1:123456789012:bot-alias/BOTEAST001/ALIASE0001",
    SECONDARY: "arn:aws:lex:us-west-2:123456789012:bot-alias/BOTWEST001/ALIASW0001",
}
INTENT = "OrderFlowers"
UTTERANCE = "I would like to order some flowers"


def environment(**overrides: str) -> dict[str, str]:
    """A valid environment for both functions, with `overrides` applied."""
    env = {
        "GEOBOT_TABLE_NAME": TABLE,
        "GEOBOT_TABLE_REGION": PRIMARY,
        "GEOBOT_REGIONS": f"{PRIMARY},{SECONDARY}",
        "GEOBOT_BOT_ALIAS_ARNS": json.dumps(ALIASES),
        "GEOBOT_TEST_UTTERANCE": UTTERANCE,
        "GEOBOT_EXPECTED_INTENT": INTENT,
        "GEOBOT_PROBES": "1",
        "GEOBOT_FAILOVER_AFTER": "3",
        "GEOBOT_FAILBACK_AFTER": "2",
    }
    env.update(overrides)
    return env


def lex_reply(
    intent: str, score: float | None, text: str = "What type of flowers?"
) -> dict[str, Any]:
    """A RecognizeText response shaped like the real API (the Stubber checks the shape)."""
    interpretation: dict[str, Any] = {
        "intent": {"name": intent, "state": "InProgress", "slots": {}}
    }
    if score is not None:
        interpretation["nluConfidence"] = {"score": score}
    return {
        "sessionId": "ignored",
        "sessionState": {
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "FlowerType"},
            "intent": {
                "name": intent,
                "state": "InProgress",
                "confirmationState": "None",
                "slots": {},
            },
        },
        "interpretations": [interpretation, {"intent": {"name": "FallbackIntent"}}],
        "messages": [{"content": text, "contentType": "PlainText"}],
    }


class Lex:
    """The Lex V2 runtime clients the function built, each with an active Stubber."""

    def __init__(self) -> None:
        self.stubs: dict[str, Stubber] = {}
        self.services: list[str] = []

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3.client stand-in that records services and stubs the Lex runtime."""
        self.services.append(service)
        made = boto3.client(service, **kwargs)
        if service == "lexv2-runtime":
            self.stubs[kwargs["region_name"]] = stub = Stubber(made)
            stub.activate()
        return made

    def expect(
        self, region: str, reply: dict[str, Any], request_id: str = "req", probe: int = 0
    ) -> None:
        """Expect one probe in `region` with exactly the parameters the post's fix requires."""
        alias = ALIASES[region].rsplit("/", 2)
        self.stubs[region].add_response(
            "recognize_text",
            reply,
            {
                "botId": alias[1],
                "botAliasId": alias[2],
                "localeId": "en_US",
                "sessionId": f"geobot-health-{request_id}-{probe}",
                "text": UTTERANCE,
            },
        )

    def fail(self, region: str) -> None:
        """Make the next probe in `region` fail the way a deleted alias does."""
        self.stubs[region].add_client_error(
            "recognize_text", service_error_code="ResourceNotFoundException", http_status_code=404
        )

    def verify(self) -> None:
        """Every expected probe was sent."""
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto for DynamoDB with the region-map table created; fake credentials only."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": PRIMARY,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=PRIMARY)
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": TABLE_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": TABLE_KEY, "AttributeType": "S"}],
        )
        yield dynamodb


@pytest.fixture
def health(aws: Any) -> Callable[..., tuple[HealthCheck, Lex]]:
    """Build a health check from an environment, its Lex runtime stubbed."""

    def build(**overrides: str) -> tuple[HealthCheck, Lex]:
        lex = Lex()
        return HealthCheck.from_environment(environment(**overrides), lex.client), lex

    return build


def run(
    check: HealthCheck, lex: Lex, primary_ok: bool, secondary_ok: bool, event: Any = None
) -> dict[str, Any]:
    """One invocation with one probe per region, each passing or failing as told."""
    for region, ok in ((PRIMARY, primary_ok), (SECONDARY, secondary_ok)):
        if ok:
            lex.expect(region, lex_reply(INTENT, 0.95))
        else:
            lex.fail(region)
    outcome = check.run(event or {}, "req")
    lex.verify()
    return outcome


class Stubbed:
    """A real AwsSession whose clients answer from botocore Stubbers: every call geobot makes must
    be expected, with exactly its parameters, in order, or the test fails."""

    def __init__(self) -> None:
        from geobot.targets.aws.clients import AwsSession, Waiting

        credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        self.session = AwsSession(boto3.Session(**credentials), Waiting(delay=0, attempts=3))
        self.stubs: dict[tuple[str, str], Stubber] = {}
        self.calls: list[Any] = []  # (service, region, operation) in the order they were made

    def __call__(self) -> Any:
        """The session factory a target or stage takes."""
        return self.session

    def stub(self, service: str, region: str) -> Stubber:
        if (service, region) not in self.stubs:
            client = self.session.api(service, region).client
            stubber = Stubber(client)
            stubber.activate()
            client.meta.events.register_first(  # ahead of the Stubber's answer, which ends the event
                "before-call.*.*", lambda model, **_: self.calls.append((service, region, model.name)))
            self.stubs[service, region] = stubber
        return self.stubs[service, region]

    def expect(self, service: str, region: str, operation: str, params: dict[str, Any],
               response: dict[str, Any] | None = None) -> None:
        self.stub(service, region).add_response(operation, response or {}, params)

    def fail(self, service: str, region: str, operation: str, code: str, status: int = 400,
             params: dict[str, Any] | None = None, message: str = "") -> None:
        self.stub(service, region).add_client_error(operation, service_error_code=code, http_status_code=status,
                                                    service_message=message, expected_params=params)

    def verify(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    """Stubbed clients; every expected call must have been made when the test ends."""
    stubs = Stubbed()
    yield stubs
    stubs.verify()
