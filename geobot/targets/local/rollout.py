"""The local target's rolling update: router.json is the rotation, the supervisor the updater.

The router re-reads router.json about once a second; an endpoint with `enabled: false` is
Disabled, which its status page confirms, and gets no new client. Clients that resolved it
before keep their answer for `probe.dns_ttl` seconds (DNS-faithful mode), so the region stays
out that long, plus a grace for requests the router accepted just before, and is then
restarted with SIGTERM, which lets the requests it is answering finish.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from geobot.errors import CloudError
from geobot.pipeline.journal import write_private
from geobot.targets.local.declarations import Declarations, get_json, router_status
from geobot.targets.local.processes import ProcessSpec, Supervisor, wait_until

DRAIN_GRACE = 1.0  # seconds for a request the router sent just before the answers expired
APPLY_SECONDS = 10.0  # the router applies router.json within about a second


def drain_seconds(dns_ttl: float, retry: bool) -> float:
    """How long a region is out of rotation before its restart: with retry no client keeps an answer."""
    return (0 if retry else dns_ttl) + DRAIN_GRACE


def check_seconds(interval: float, timeout: float, tolerated_failures: int) -> float:
    """How long a restarted region may take to pass its health check: as long as the router would
    wait before calling it Degraded, and never less than 5 s for a cold start."""
    return max(5.0, interval * (tolerated_failures + 1) + timeout)


class RouterRotation:
    """Takes regions out of the local router's rotation and back, as its status page confirms."""

    def __init__(self, declared: Declarations, online_seconds: float) -> None:
        self.declared = declared
        self.online_seconds = online_seconds

    def monitor(self) -> dict[str, str] | None:
        """Each region's monitor status at the router; None when the router does not answer."""
        status = router_status(self.declared)
        return None if status is None else {e["name"]: e["monitor_status"] for e in status["endpoints"]}

    def serving(self) -> Sequence[str]:
        return [name for name, value in (self.monitor() or {}).items() if value == "Online"]

    def is_out(self, region: str) -> bool:
        return not self._endpoint(self.declared.router(), region).get("enabled", True)

    def set_enabled(self, region: str, enabled: bool) -> None:
        """Write router.json with the region enabled or not (atomically; unchanged if it already is)."""
        settings = self.declared.router()
        endpoint = self._endpoint(settings, region)
        if endpoint.get("enabled", True) != enabled:
            endpoint["enabled"] = enabled
            write_private(self.declared.router_config, json.dumps(settings, indent=2) + "\n")

    def take_out(self, region: str) -> None:
        self.set_enabled(region, False)
        if not wait_until(lambda: (self.monitor() or {}).get(region) == "Disabled", APPLY_SECONDS):
            raise CloudError(f"the router did not take region {region} out of rotation within {APPLY_SECONDS:g} s",
                             "see the router's log (run/router.jsonl) and `geobot status`")

    def put_back(self, region: str) -> None:
        self.set_enabled(region, True)
        if not wait_until(lambda: (self.monitor() or {}).get(region) == "Online", self.online_seconds):
            said = (self.monitor() or {}).get(region, "unknown: the router does not answer")
            raise CloudError(f"region {region} is {said} at the router {self.online_seconds:g} s after it was put back",
                             "see `geobot status` and the bot's log in the run directory")

    @staticmethod
    def _endpoint(settings: Mapping, region: str) -> dict:
        found = next((e for e in settings["endpoints"] if e["name"] == region), None)
        if found is None:
            raise CloudError(f"region {region} is not an endpoint of the router", "run `geobot deploy` to declare it again")
        return found


class SupervisorUpdater:
    """Restarts a region's bot with its new spec and checks it directly, not through the router."""

    def __init__(self, supervisor: Supervisor, specs: Mapping[str, ProcessSpec], health_path: str, version: str,
                 check_seconds: float, outcomes: dict[str, str]) -> None:
        self.supervisor = supervisor
        self.specs = specs
        self.health_path = health_path
        self.version = version
        self.check_seconds = check_seconds
        self.outcomes = outcomes  # process name -> what `ensure` did, for the stage's outputs

    def update(self, region: str) -> None:
        spec = self.specs[region]
        self.outcomes[spec.name] = self.supervisor.ensure(spec)

    def check(self, region: str) -> str | None:
        url = f"http://127.0.0.1:{self.specs[region].port}{self.health_path}"
        answer: tuple[int, Any] | None = None

        def passes() -> bool:
            nonlocal answer
            answer = get_json(url)
            return answer is not None and answer[0] == 200 and (answer[1] or {}).get("version") == self.version

        if wait_until(passes, self.check_seconds):
            return None
        if answer is None:
            return f"its health check {self.health_path} does not answer"
        status, body = answer
        reported = (body or {}).get("version") if isinstance(body, dict) else None
        if status == 200:
            return f"it runs version {reported}, not {self.version}"
        failed = ", ".join(body.get("failed", ())) if isinstance(body, dict) else ""
        return f"its health check answers {status}{f' (failed: {failed})' if failed else ''} after {self.check_seconds:g} s"
