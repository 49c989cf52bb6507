"""The Azure Bot resource's messaging endpoint, whose only owner is geobot's endpoint stage.

Terraform ignores the endpoint (terraform/azure: `ignore_changes = [endpoint]`), so it is set
here once every region is Online behind the router. Like `az bot update`, the bot is read
first and patched with its own properties, the endpoint changed; a bot that already points
at the host is left alone, so a resumed deploy makes no call that changes anything.
Before any of that, preflight checks that the bot's (global) name is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from geobot.targets.azure.errors import call
from geobot.targets.azure.session import AzureSession

if TYPE_CHECKING:
    from azure.mgmt.botservice import AzureBotService

API_VERSION = "2022-09-15"
ROLE = "Contributor"
READ_ROLE = "Reader"
BOT_KIND = "azurebot"  # the type `az bot create` checks names with: the kind of bot terraform/azure creates


def messaging_endpoint(host: str) -> str:
    return f"https://{host}/api/messages"


@dataclass(frozen=True)
class BotName:
    """`reason`: Bot Service's explanation when the name is taken or invalid (empty when available)."""

    available: bool
    reason: str


def _client(session: AzureSession) -> AzureBotService:
    from azure.mgmt.botservice import AzureBotService

    return AzureBotService(
        session.credential, session.subscription_id, api_version=API_VERSION, **session.retry.sdk_options()
    )


class BotNames:
    """Bot names are global across Azure: checked in preflight, before Terraform would fail on one."""

    def __init__(self, session: AzureSession) -> None:
        self._client = _client(session)
        self._retry = session.retry

    def name_available(self, name: str) -> BotName:
        from azure.mgmt.botservice.models import CheckNameAvailabilityRequestBody

        result = call(
            f"check whether the Azure Bot name '{name}' is available",
            lambda: self._client.bots.get_check_name_availability(
                CheckNameAvailabilityRequestBody(name=name, type=BOT_KIND)
            ),
            retry=self._retry,
            role=READ_ROLE,
        )
        return BotName(True, "") if result.valid else BotName(False, result.message or "")


class BotService:
    def __init__(self, session: AzureSession, resource_group: str, name: str) -> None:
        self._client = _client(session)
        self._retry = session.retry
        self.resource_group = resource_group
        self.name = name

    def set_messaging_endpoint(self, host: str) -> bool:
        """Point the bot at https://<host>/api/messages; False when it already was."""
        endpoint = messaging_endpoint(host)
        bot = call(
            f"read Azure Bot '{self.name}'",
            lambda: self._client.bots.get(self.resource_group, self.name),
            retry=self._retry,
            role=ROLE,
            propagating=True,
        )
        if bot.properties.endpoint == endpoint:
            return False
        bot.properties.endpoint = endpoint
        call(
            f"set the messaging endpoint of Azure Bot '{self.name}'",
            lambda: self._client.bots.update(self.resource_group, self.name, properties=bot.properties),
            retry=self._retry,
            role=ROLE,
            propagating=True,
        )
        return True
