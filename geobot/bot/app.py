"""Wires the bot's aiohttp application from a vault URL and a region name.

Only /api/messages is behind the SDK's JWT check (with the bot's app identity from the
vault, or anonymous with a local vault); health, liveness, ACME and the drill hook answer
without it, as Traffic Manager and Let's Encrypt send no token. Every response carries the
serving region in `X-Geobot-Region`; both health answers carry the code's version.
"""

from __future__ import annotations

import asyncio
import logging
import warnings

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import AuthTypes

from geobot.bot import statechain
from geobot.bot.acme import ACME_PATH, acme_handler
from geobot.bot.agent import ConflictingTurns, on_turn_error
from geobot.bot.appspec import SAMPLE
from geobot.bot.contract import BotContext
from geobot.bot.drill import DRILL_PATH, Faults, drill_handler
from geobot.bot.health import CONFIG_COMPONENTS, HealthCheck
from geobot.bot.host import open_bot
from geobot.bot.services import DependencyDown, open_services
from geobot.bot.settings import Settings, load_settings
from geobot.bot.vaults import SecretSource, open_vault
from geobot.bot.version import code_version

REGION_HEADER = "X-Geobot-Region"
log = logging.getLogger("geobot.bot")


def _settings(vault_url: str, region: str) -> tuple[SecretSource | None, Settings]:
    """The vault and the settings read from it; a failure is the "config" problem, not a crash."""
    vault: SecretSource | None = None
    try:
        vault = open_vault(vault_url)
        return vault, load_settings(vault.get_secret, region, vault_url)
    except Exception as exc:  # bad URL, missing Azure packages, a vault role not applied yet: report, keep serving health
        return vault, Settings(region, vault_url, problems={"config": getattr(exc, "message", exc.__class__.__name__)})


def create_app(vault_url: str, region: str, timeout: float = 2.0, app: str = SAMPLE) -> web.Application:
    """The bot `app` (`geobot.bot.appspec`) for one region; bad settings or a bot that cannot load make it unhealthy, never stop it.

    The health check reads the settings again (with backoff) while something failed to open;
    once they change, /api/messages checks tokens against the identity they name.
    """
    vault, settings = _settings(vault_url, region)
    faults = Faults()
    services = open_services(settings, faults, timeout, reopen=lambda: _settings(vault_url, region)[1])
    health = HealthCheck(services, settings.health_cache_seconds)
    auth = _auth_configuration(settings)
    if settings.anonymous:  # the SDK warns on every turn that a local bot has no app id
        logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    adapter = CloudAdapter(
        connection_manager=MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    )
    adapter.on_turn_error = on_turn_error
    deliver, problem = open_bot(app, BotContext(services, vault), adapter)
    if problem:
        services.problems["app"] = problem
        log.error("region %s: app unhealthy: %s", region, problem)
    version = code_version()

    @jwt_authorization_decorator
    async def authorized_messages(request: web.Request) -> web.StreamResponse:
        try:
            with statechain.recording() as writes:
                response = await deliver(request)
            if writes and not response.prepared:
                response.headers[statechain.STATE_HEADER] = statechain.encode(writes)
            return response
        except DependencyDown as exc:
            return web.json_response({"error": "dependency down", "component": exc.component,
                                      "reason": exc.reason}, status=503)
        except ConflictingTurns:
            return web.json_response({"error": "the conversation is being answered elsewhere"}, status=409)

    served = [settings]  # the settings `auth` was made from

    async def messages(request: web.Request) -> web.StreamResponse:
        for component in CONFIG_COMPONENTS:  # without the settings, an identity or the bot itself, nothing is right
            if component in services.problems:
                return web.json_response({"error": "not configured", "component": component,
                                          "reason": services.problems[component]}, status=503)
        if services.settings is not served[0]:  # healed: check tokens against the identity now configured
            vars(auth).update(vars(_auth_configuration(services.settings)))
            served[0] = services.settings
        return await authorized_messages(request)

    async def deep_health(request: web.Request) -> web.Response:
        status, body = await health.report()
        return web.json_response({**body, "version": version}, status=status)

    async def live(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive", "region": region, "version": version})

    @web.middleware
    async def drill_latency(request: web.Request, handler) -> web.StreamResponse:
        if faults.slow_ms and request.path != DRILL_PATH:
            await asyncio.sleep(faults.slow_ms / 1000)
        return await handler(request)

    async def region_header(request: web.Request, response: web.StreamResponse) -> None:
        response.headers[REGION_HEADER] = region

    async def close(app: web.Application) -> None:
        await services.close()

    app = web.Application(middlewares=[drill_latency])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = auth  # the SDK's JWT decorator looks it up under this name
    app.on_response_prepare.append(region_header)
    app.on_cleanup.append(close)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/api/health", deep_health)
    app.router.add_get("/api/health/live", live)
    app.router.add_get(ACME_PATH, acme_handler(vault, timeout))
    if settings.drill_key:
        handler = drill_handler(settings.drill_key, faults, region, health.invalidate)
        app.router.add_route("GET", DRILL_PATH, handler)
        app.router.add_route("POST", DRILL_PATH, handler)
    log.info("region %s ready: language %s, store %s, %s", region,
             services.language.description if services.language else "none",
             "open" if services.store else "none", "anonymous" if settings.anonymous else "app identity")
    return app


def _auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The bot's app identity; anonymous only when no app id is configured (local vaults)."""
    if settings.anonymous:
        return AgentAuthConfiguration(anonymous_allowed=not settings.problems.get("identity"))
    auth_type = AuthTypes.client_secret if settings.app_secret else AuthTypes.user_managed_identity
    return AgentAuthConfiguration(
        auth_type=auth_type,
        client_id=settings.app_id,
        tenant_id=settings.app_tenant_id,
        client_secret=settings.app_secret,
        anonymous_allowed=False,
    )
