"""What botocore raises, as the user reads it: the region, what was being done, what to do."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError

from geobot.errors import CloudError, PrerequisiteError
from geobot.targets.aws.errors import CREDENTIALS_HINT, AwsNotFound, translate


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(("service", "operation", "permission"), [
    ("lexv2-models", "CreateBotVersion", "lex:CreateBotVersion"),
    ("lexv2-runtime", "RecognizeText", "lex:RecognizeText"),
    ("lambda", "Invoke", "lambda:InvokeFunction"),
    ("connect", "AssociateBot", "connect:AssociateBot"),
    ("dynamodb", "GetItem", "dynamodb:GetItem"),
])
def test_a_denied_call_names_the_missing_iam_action(service: str, operation: str, permission: str) -> None:
    error = translate(client_error("AccessDeniedException", operation, "not authorized"), service, "us-west-2", "do it")
    assert isinstance(error, CloudError) and not isinstance(error, PrerequisiteError)
    assert error.message == f"us-west-2: permission denied to do it: missing {permission}"
    assert permission in error.hint


def test_the_action_aws_names_in_its_message_wins() -> None:
    message = ("User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: "
               "lex:CreateResourcePolicy on resource: arn:aws:lex:us-west-2:123456789012:bot-alias/B/A")
    error = translate(client_error("AccessDeniedException", "AssociateBot", message), "connect", "us-east-1", "list it")
    assert error.message == "us-east-1: permission denied to list it: missing lex:CreateResourcePolicy"


def test_no_credentials_at_all_is_a_missing_prerequisite() -> None:
    error = translate(NoCredentialsError(), "sts", "us-east-1", "check who geobot deploys as")
    assert isinstance(error, PrerequisiteError)
    assert error.message == "no AWS credentials found (needed to check who geobot deploys as in us-east-1)"
    assert error.hint == CREDENTIALS_HINT == "configure AWS credentials: aws configure / AWS_PROFILE / OIDC role in CI"


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"])
def test_rejected_credentials_are_a_cloud_error_with_the_credentials_hint(code: str) -> None:
    error = translate(client_error(code, "GetCallerIdentity", "The security token included in the request is expired"),
                      "sts", "us-east-1", "check who geobot deploys as")
    assert type(error) is CloudError
    assert error.message == ("us-east-1: AWS rejected the credentials to check who geobot deploys as "
                             f"({code}: The security token included in the request is expired)")
    assert error.hint == CREDENTIALS_HINT


def test_not_found_is_its_own_kind_so_a_teardown_can_take_it_as_done() -> None:
    error = translate(client_error("ResourceNotFoundException", "DescribeBotAlias", "Alias not found\nsecond line"),
                      "lexv2-models", "us-west-2", "read the alias")
    assert isinstance(error, AwsNotFound)
    assert error.message == "us-west-2: cannot read the alias: not found (ResourceNotFoundException: Alias not found)"


@pytest.mark.parametrize(("error", "message"), [
    (client_error("ThrottlingException", "BuildBotLocale", "Rate exceeded"),
     "us-west-2: AWS throttled the requests to build it (ThrottlingException: Rate exceeded)"),
    (client_error("ConflictException", "BuildBotLocale"), "us-west-2: AWS refused to build it (ConflictException)"),
    (EndpointConnectionError(endpoint_url="https://models-v2-lex.us-west-2.amazonaws.com/"),
     ('us-west-2: cannot reach AWS to build it: Could not connect to the endpoint URL: '
      '"https://models-v2-lex.us-west-2.amazonaws.com/"')),
    (ReadTimeoutError(endpoint_url="https://models-v2-lex.us-west-2.amazonaws.com/"),
     ('us-west-2: no answer from AWS to build it: ReadTimeoutError: Read timeout on endpoint URL: '
      '"https://models-v2-lex.us-west-2.amazonaws.com/"')),
])
def test_other_failures_say_what_aws_said(error: Exception, message: str) -> None:
    translated = translate(error, "lexv2-models", "us-west-2", "build it")
    assert type(translated) is CloudError and translated.message == message
