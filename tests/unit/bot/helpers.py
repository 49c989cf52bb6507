"""Real bot servers on loopback for the bot tests, and a client that speaks the activity protocol."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from geobot.bot import settings as names
from geobot.bot.app import create_app
from geobot.bot.appspec import SAMPLE
from geobot.bot.telemetry import Exports
from geobot.targets.local.vault import LocalVault

DRILL_KEY = "drill-key-for-tests"
ROOT = Path(__file__).resolve().parents[3]


def make_vault(tmp_path: Path, **secrets: str | None) -> LocalVault:
    """A local vault with a working local configuration; pass name=None to leave one out."""
    vault = LocalVault(tmp_path / "vault")
    defaults = {
        names.LANGUAGE_ENDPOINT: "local",
        names.STORE_URL: f"sqlite://{tmp_path / 'state.db'}",
        names.DRILL_KEY: DRILL_KEY,
        names.HEALTH_CACHE_SECONDS: "0",
    }
    for name, value in {**defaults, **secrets}.items():
        if value is not None:
            vault.set_secret(name, value)
    return vault


@contextlib.asynccontextmanager
async def serve(vault: LocalVault, region: str, app: str = SAMPLE, telemetry: Exports | None = None) -> AsyncIterator[str]:
    """Run one region's bot (the sample, or `app`) on a free loopback port; yields its base URL."""
    runner = web.AppRunner(create_app(vault.url, region, app=app, telemetry=telemetry), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


class FixedToken:
    """A TokenCredential handing out one Entra token, for the Azure SDK clients under test."""

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        return AccessToken("test-token", 4102444800)

    def get_token_info(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("test-token", 4102444800)


# The exporter's own metrics (statsbeat to Microsoft, SDK stats to the connection string) would be
# sent from a timer thread, also after a test has taken its proxy or loopback endpoint away.
QUIET_EXPORTER = {"APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true"}


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a `python -m geobot.bot` process running this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


async def wait_until_live(base: str, process: subprocess.Popen, deadline: float) -> None:
    async with aiohttp.ClientSession() as http:
        while True:
            assert process.poll() is None, "the bot exited during start-up"
            try:
                async with http.get(f"{base}/api/health/live") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert time.monotonic() < deadline, "the bot did not start listening"
            await asyncio.sleep(0.05)


def activity(text: str, conversation: str = "conv-1") -> dict:
    return {
        "type": "message", "id": str(uuid.uuid4()), "channelId": "test", "serviceUrl": "http://127.0.0.1:9/",
        "deliveryMode": "expectReplies", "from": {"id": "user-1"}, "recipient": {"id": "bot"},
        "conversation": {"id": conversation}, "text": text,
    }


async def say(
    session: aiohttp.ClientSession, base: str, text: str, conversation: str = "conv-1"
) -> tuple[int, str, dict]:
    """One turn: (status, X-Geobot-Region, body)."""
    async with session.post(f"{base}/api/messages", json=activity(text, conversation)) as response:
        return response.status, response.headers.get("X-Geobot-Region", ""), await response.json()


def texts(body: dict) -> list[str]:
    return [a["text"] for a in body["activities"]]


async def drill(session: aiohttp.ClientSession, base: str, fault: str, **extra: object) -> int:
    async with session.post(f"{base}/api/drill", json={"fault": fault, **extra},
                            headers={"X-Geobot-Drill-Key": DRILL_KEY}) as response:
        return response.status


async def health(session: aiohttp.ClientSession, base: str) -> tuple[int, dict]:
    async with session.get(f"{base}/api/health") as response:
        return response.status, await response.json()
