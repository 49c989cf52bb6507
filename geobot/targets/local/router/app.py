"""What the two listeners answer: plain HTTP (ACME, status, redirect) and HTTPS (status, forward).

Plain HTTP forwards only ACME HTTP-01 challenges, to whichever endpoint routing picks, which
is how Let's Encrypt validation reaches a region; everything else is sent to HTTPS with 308,
which keeps the method and body. `GET /_geobot/status` is answered by the router itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from geobot.targets.local.router.http1 import Handler, Request, Response
from geobot.targets.local.router.proxy import Forwarder, client_key
from geobot.targets.local.router.routing import candidates

if TYPE_CHECKING:
    from geobot.targets.local.router.server import Router

STATUS_PATH = b"/_geobot/status"
ACME = re.compile(rb"/\.well-known/acme-challenge/[^/?]+(\?|$)")


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


def _is_status(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and request.target.partition(b"?")[0] == STATUS_PATH


async def forward(router: Router, forwarder: Forwarder, request: Request) -> Response:
    """Route the request as the settings say (DNS answer or retry order), then forward it.

    In DNS mode most requests find their client's cached answer, so the candidates are
    only listed when there is none.
    """
    settings, routing = router.settings, router.routing
    if settings.retry:
        ranked = routing.order(settings.routing_method, candidates(settings.endpoints, router.monitor.states))
        return await forwarder.retrying(request, [e for name in ranked if (e := settings.endpoint(name))])
    known = {e.name for e in settings.endpoints}
    client = client_key(request)
    name = routing.cached(client, known) or routing.answer(
        client, settings.probe.dns_ttl, settings.routing_method, candidates(settings.endpoints, router.monitor.states),
        known)
    return await forwarder.once(request, None if name is None else settings.endpoint(name))


def redirect(router: Router, request: Request) -> Response:
    port = router.ports.get("https", router.settings.https_port)
    authority = router.settings.host_name + ("" if port == 443 else f":{port}")
    location = f"https://{authority}".encode() + request.target
    return Response(308, [(b"Location", location), (b"Content-Type", b"text/plain; charset=utf-8")],
                    b"308: Permanent Redirect")


def handlers(router: Router, forwarder: Forwarder) -> tuple[Handler, Handler]:
    """(plain HTTP handler, HTTPS handler), sharing the router's state."""
    async def plain(request: Request) -> Response:
        if _is_status(request):
            return Response.json(status_document(router))
        if ACME.match(request.target):
            return await forward(router, forwarder, request)
        return redirect(router, request)

    async def secure(request: Request) -> Response:
        if _is_status(request):
            return Response.json(status_document(router))
        return await forward(router, forwarder, request)

    return plain, secure
