"""The Azure Bot resource's messaging endpoint, whose only owner is geobot's endpoint stage.

Terraform ignores the endpoint (terraform/azure: `ignore_changes = [endpoint]`), so it is set
here once every region is Online behind the router. Like `az bot update`, the bot is read
first and patched with its own properties, the endpoint changed; a bot that already points
at the host is left alone, so a resumed deploy makes no call that changes anything.
"""

from __future__ import annotations

from geobot.targets.azure.errors import call
from geobot.targets.azure.session import AzureSession

API_VERSION = "2022-09-15"
ROLE = "Contributor"


def messaging_endpoint(host: str) -> str:
    return f"https://{host}/api/messages"


class BotService:
    def __init__(self, session: AzureSession, resource_group: str, name: str) -> None:
        from azure.mgmt.botservice import AzureBotService

        self._client = AzureBotService(
            session.credential, session.subscription_id, api_version=API_VERSION, **session.retry.sdk_options()
        )
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
