"""The two aiohttp applications: plain HTTP (ACME, status, redirect) and HTTPS (status, forward).

Plain HTTP forwards only ACME HTTP-01 challenges, to whichever endpoint routing picks, which
is how Let's Encrypt validation reaches a region; everything else is sent to HTTPS with 308,
which keeps the method and body. `/_geobot/status` is answered by the router itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web
from yarl import URL

from geobot.targets.local.router.proxy import Forwarder, client_key
from geobot.targets.local.router.routing import candidates

if TYPE_CHECKING:
    from geobot.targets.local.router.server import Router

STATUS_PATH = "/_geobot/status"
ACME_PATH = "/.well-known/acme-challenge/{token}"
MAX_BODY = 8 * 1024 * 1024
ROUTER: web.AppKey[Router] = web.AppKey("router")
FORWARDER = web.AppKey("forwarder", Forwarder)


def _iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat()


def status_document(router: Router) -> dict:
    """What `/_geobot/status` answers: settings in force, each endpoint's monitor state, the pick."""
    settings, states = router.settings, router.monitor.states
    ranked = router.routing.order(settings.routing_method, candidates(settings.endpoints, states))
    info = router.certificates.info
    endpoints = []
    for endpoint in settings.endpoints:
        state = states.get(endpoint.name)
        if state is None:
            continue
        endpoints.append({
            "name": endpoint.name, "url": endpoint.url, "monitor_status": state.status,
            "latency_ms": None if state.latency_ms is None else round(state.latency_ms, 2),
            "consecutive_failures": state.consecutive_failures,
            "last_probe": _iso(state.last_probe), "since": _iso(state.since),
        })
    return {
        "host_name": settings.host_name, "routing_method": settings.routing_method, "retry": settings.retry,
        "pick": ranked[0] if ranked else None,
        "certificate": None if info is None else {
            "subject": info.subject, "serial": info.serial, "not_after": info.not_after, "sha256": info.sha256},
        "endpoints": endpoints,
    }


async def status(request: web.Request) -> web.Response:
    return web.json_response(status_document(request.app[ROUTER]))


async def forward(request: web.Request) -> web.Response:
    """Route the request as the settings say (DNS answer or retry order), then forward it."""
    router, forwarder = request.app[ROUTER], request.app[FORWARDER]
    settings = router.settings
    cands = candidates(settings.endpoints, router.monitor.states)
    if settings.retry:
        ranked = router.routing.order(settings.routing_method, cands)
        return await forwarder.retrying(request, [e for name in ranked if (e := settings.endpoint(name))])
    known = {e.name for e in settings.endpoints}
    name = router.routing.answer(client_key(request), settings.probe.dns_ttl, settings.routing_method, cands, known)
    return await forwarder.once(request, None if name is None else settings.endpoint(name))


async def redirect(request: web.Request) -> web.Response:
    router = request.app[ROUTER]
    port = router.ports.get("https", router.settings.https_port)
    authority = router.settings.host_name + ("" if port == 443 else f":{port}")
    raise web.HTTPPermanentRedirect(URL(f"https://{authority}{request.raw_path}", encoded=True))


def build_apps(router: Router, forwarder: Forwarder) -> tuple[web.Application, web.Application]:
    """(plain HTTP app, HTTPS app), sharing the router's state."""
    apps = web.Application(client_max_size=MAX_BODY), web.Application(client_max_size=MAX_BODY)
    for app in apps:
        app[ROUTER], app[FORWARDER] = router, forwarder
        app.router.add_get(STATUS_PATH, status)
    plain, secure = apps
    plain.router.add_route("*", ACME_PATH, forward)
    plain.router.add_route("*", "/{tail:.*}", redirect)
    secure.router.add_route("*", "/{tail:.*}", forward)
    return plain, secure
