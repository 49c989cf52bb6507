"""The ACME HTTP-01 responder: GET /.well-known/acme-challenge/{token}.

The certificate step stores each token's key authorization in the central vault (secret
`acme_secret_name(token)`), so whichever region Traffic Manager sends Let's Encrypt to can
answer. The token's syntax is checked before anything is looked up (400), so no path trick
reaches the vault; an unknown token is 404. Served without the bot's authentication.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from geobot.bot.settings import ACME_TOKEN, acme_secret_name
from geobot.bot.vaults import SecretSource

ACME_PATH = "/.well-known/acme-challenge/{token}"


def acme_handler(vault: SecretSource | None, timeout: float):
    async def handle(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not ACME_TOKEN.fullmatch(token):
            return web.Response(status=400, text="bad token\n")
        if vault is None:
            return web.Response(status=503, text="vault not available\n")
        try:
            value = await asyncio.wait_for(asyncio.to_thread(vault.get_secret, acme_secret_name(token)), timeout)
        except Exception:  # vault down or slow: Let's Encrypt will retry or try another region
            return web.Response(status=503, text="vault not available\n")
        if value is None:
            return web.Response(status=404, text="unknown token\n")
        return web.Response(text=value.strip(), content_type="application/octet-stream")

    return handle
