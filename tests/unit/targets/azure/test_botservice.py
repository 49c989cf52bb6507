"""Bot Service: azure-mgmt-botservice's GET and PATCH of the bot against Bots_Get and Bots_Update.

Contracts: botservice/Bots_Get.json and Bots_Update.json (2022-09-15, official examples).
"""

from __future__ import annotations

from geobot.targets.azure.botservice import BotService, messaging_endpoint
from geobot.targets.azure.session import AzureSession
from tests.unit.targets.azure.conftest import SUBSCRIPTION
from tests.unit.targets.azure.contract_server import ContractServer, Exchange, Reply, contract

API = contract("botservice/Bots_Update")["parameters"]["api-version"]
BOT_URL = (
    f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-geobot-global"
    f"/providers/Microsoft.BotService/botServices/geobot-bot?api-version={API}"
)
HOST = "bot.example.com"


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
