"""The last deploy stages: every region Online at the router, then a real turn through it.

online (always): waits, as the Azure target waits for Traffic Manager, until the router
  reports every endpoint Online; a timeout names the region and what its health check says.
  Then every bot's telemetry verdict (`geobot.targets.telemetry`): a span file a bot cannot
  write fails the stage, naming the region and the file.
smoke (always): one conversation turn over HTTPS through the router, with the certificate
  and host name checked as a browser would.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Mapping
from typing import Any

from geobot.certs.trust import client_context
from geobot.config import Config
from geobot.errors import CloudError
from geobot.pipeline.stage import Stage, StageContext
from geobot.targets.local.certificate import installed
from geobot.targets.local.declarations import Declarations, get_json, router_status
from geobot.targets.telemetry import health_body, wait_for_telemetry

SPANS_FIX = ("each bot appends its spans to the file GEOBOT_BOT_SPANS names (terraform/local declares it in the run "
             "directory): make it a writable file, then run `geobot deploy` again")


def public_url(host_name: str, declared: Declarations) -> str:
    return f"https://{host_name}:{declared.router()['https_port']}"


def tls_endpoint(host_name: str, declared: Declarations) -> tuple[str, str, ssl.SSLContext]:
    """Where a client reaches the router (loopback), the name it checks, and what it trusts."""
    current = installed(declared)
    anchors = (current.chain or (current.cert,)) if current else ()
    return f"https://127.0.0.1:{declared.router()['https_port']}", host_name, client_context(anchors)


def online_seconds(config: Config) -> float:
    """How long a region may take to be Online at the router: a few probe rounds, at least 30 s."""
    probe = config.probe
    return max(30, probe.interval * (probe.tolerated_failures + 2) + probe.timeout)


class Online(Stage):
    name = "online"
    description = "wait until the router reports every region Online and every bot's spans written"
    always_run = True

    def __init__(self, config: Config) -> None:
        self.config = config

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        declared = Declarations.from_outputs(ctx.output_of("infrastructure"))
        limit = online_seconds(self.config)
        deadline = time.monotonic() + limit
        seen: dict[str, str] = {}
        while True:
            status = router_status(declared) or {"endpoints": []}
            monitor = {e["name"]: e["monitor_status"] for e in status["endpoints"]}
            for name, value in monitor.items():
                if seen.get(name) != value:
                    ctx.note(f"{name}: {value}")
            seen = monitor
            if monitor and all(value == "Online" for value in monitor.values()):
                health = {region.name: f"http://127.0.0.1:{region.port}/api/health" for region in declared.regions}
                telemetry = wait_for_telemetry(health, health_body, max(deadline - time.monotonic(), 1.0), 0, 0.2, SPANS_FIX)
                return {"endpoints": monitor, "telemetry": telemetry}
            if time.monotonic() > deadline:
                raise CloudError(self._why(declared, monitor, limit), "see `geobot status` and the bot's log in the run directory")
            time.sleep(0.2)

    @staticmethod
    def _why(declared: Declarations, monitor: Mapping[str, str], limit: float) -> str:
        for region in declared.regions:
            value = monitor.get(region.name, "unknown: the router does not answer")
            if value != "Online":
                answer = get_json(f"http://127.0.0.1:{region.port}/api/health")
                said = "no answer" if answer is None else f"{answer[0]} {json.dumps(answer[1])[:200]}"
                return f"region {region.name} is {value} at the router after {limit:.0f} s; its health check says {said}"
        return f"the router did not report every region Online within {limit:.0f} s"


class Smoke(Stage):
    name = "smoke"
    description = "say hello through the router over HTTPS"
    always_run = True

    def __init__(self, config: Config) -> None:
        self.config = config

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        from geobot.chat.conversation import converse

        declared = Declarations.from_outputs(ctx.output_of("infrastructure"))
        url, host, context = tls_endpoint(self.config.host_name, declared)
        turns = asyncio.run(converse(url, ["hello"], server_hostname=host, ssl_context=context))
        turn = turns[0]
        if not turn.ok or not turn.replies:
            raise CloudError(f"a message through the router failed: {turn.error or 'no reply'}",
                             "see `geobot status` and the router's log")
        return {"url": f"{public_url(self.config.host_name, declared)}/api/messages", "answered_by": turn.region}
