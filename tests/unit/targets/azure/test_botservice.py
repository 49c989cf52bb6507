"""Bot Service: azure-mgmt-botservice's GET and PATCH of the bot against Bots_Get and Bots_Update.

Contracts: botservice/Bots_Get.json and Bots_Update.json (2022-09-15, official examples), and
Bots_GetCheckNameAvailability.json, whose request has the spec's placeholder type "string":
geobot sends the kind of bot it creates, "azurebot", as `az bot create` does. Only the valid
(available) answer is recorded; the taken one is a copy with `valid` false and a message of
these tests' own (no live answer was found to quote).
"""

from __future__ import annotations

import pytest

from geobot.targets.azure.botservice import BotName, BotNames, BotService, messaging_endpoint
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.conftest import SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

API = contract("botservice/Bots_Update")["parameters"]["api-version"]
BOT_URL = (
    f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global"
    f"/providers/Microsoft.BotService/botServices/geobot-bot?api-version={API}"
)
HOST = "bot.example.com"
CHECK = "botservice/Bots_GetCheckNameAvailability"
CHECK_URL = (  # not under the subscription: the name is global
    "https://management.azure.com/providers/Microsoft.BotService/checkNameAvailability"
    f"?api-version={contract(CHECK)['parameters']['api-version']}"
)
TAKEN = "Bot name testbotname is already in use. Please use a different name."


def patched_properties() -> dict[str, object]:
    """What the PATCH must carry: the bot's own writable properties (those Bots_Update's request
    has), as Bots_Get returned them, with the endpoint changed; no read-only field."""
    got = contract("botservice/Bots_Get")["responses"]["200"]["body"]["properties"]
    writable = contract("botservice/Bots_Update")["parameters"]["parameters"]["properties"]
    return {k: v for k, v in got.items() if k in writable} | {"endpoint": messaging_endpoint(HOST)}


def test_the_endpoint_form() -> None:
    assert messaging_endpoint(HOST) == "https://bot.example.com/api/messages"


def test_the_endpoint_is_patched_with_the_bots_own_properties(azure: ContractServer, session: AzureSession) -> None:
    azure.expect(
        Exchange("GET", BOT_URL, Reply.of("botservice/Bots_Get", 200)),
        Exchange(
            "PATCH",
            BOT_URL,
            Reply.of("botservice/Bots_Update", 200),
            json={"properties": patched_properties()},
            headers={"Content-Type": "application/json"},
        ),
    )
    assert BotService(session, "rg-geobot-global", "geobot-bot").set_messaging_endpoint(HOST) is True
    assert "endpointVersion" not in azure.answered()[1].json()["properties"]


def test_a_bot_already_pointing_at_the_host_is_not_patched(azure: ContractServer, session: AzureSession) -> None:
    reply = Reply.of("botservice/Bots_Get", 200)
    reply.body["properties"]["endpoint"] = messaging_endpoint(HOST)
    azure.expect(Exchange("GET", BOT_URL, reply))
    assert BotService(session, "rg-geobot-global", "geobot-bot").set_messaging_endpoint(HOST) is False


@pytest.mark.parametrize(("valid", "expected"), [(True, BotName(True, "")), (False, BotName(False, TAKEN))])
def test_the_bot_name_check_posts_the_name_and_the_azure_bot_kind(
    azure: ContractServer, session: AzureSession, valid: bool, expected: BotName
) -> None:
    reply = Reply.of(CHECK, 200)
    if not valid:
        reply.body = {"valid": False, "message": TAKEN}
    request = contract(CHECK)["parameters"]["parameters"] | {"type": "azurebot"}
    azure.expect(Exchange("POST", CHECK_URL, reply, json=request))
    assert BotNames(session).name_available("testbotname") == expected
