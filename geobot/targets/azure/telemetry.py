"""Whether each region's bot gets its telemetry into Application Insights, read from its deep health answer.

The bot's `telemetry` check never changes its health answer's HTTP status (an Application
Insights outage must not take a healthy region out of the routing), so no router notices a
refused export; the online stage reads the check instead. A refusal is retried for
`role_wait` seconds, as the bot's Monitoring Metrics Publisher role may still be applying.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from geobot.errors import CloudError

Fetch = Callable[[str], "dict[str, Any] | None"]
SETTLED = ("healthy", "unavailable", "off")  # unavailable: Application Insights' outage, not the deploy's fault


def health_body(url: str, context: ssl.SSLContext, timeout: float = 10.0) -> dict[str, Any] | None:
    """The JSON body of a health answer whatever its status (503 names failing components), or None."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310 (https only)
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return json.loads(exc.read())
        except ValueError:
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def verdict(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The telemetry check of a health answer; none yet (or an older bot) reads as pending."""
    found = ((body or {}).get("components") or {}).get("telemetry")
    return found if isinstance(found, Mapping) else {"status": "pending"}


def wait_for_telemetry(urls: Mapping[str, str], fetch: Fetch, timeout: float, role_wait: float, poll: float,
                       clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Poll each health URL (keyed by the region it serves, or the router's name) until every
    telemetry verdict is settled; region → status. Raises naming the region, the call and the
    data action once a refusal has lasted `role_wait` s, or the regions without a verdict at `timeout`."""
    deadline = clock() + timeout
    refused_since: dict[str, float] = {}
    while True:
        now = clock()
        found: dict[str, Mapping[str, Any]] = {}
        for label, url in urls.items():
            body = fetch(url)
            found[(body or {}).get("region") or label] = verdict(body)
        for region, check in found.items():
            if check["status"] != "refused":
                refused_since.pop(region, None)
            elif now - refused_since.setdefault(region, now) >= role_wait or now > deadline:
                raise CloudError(
                    f"region {region}: Application Insights refuses the bot's telemetry: {check.get('call')} answered "
                    f"{check.get('reason')}; the bot's identity needs {check.get('action', 'to write the span file')}",
                    "assign the bot's identity Monitoring Metrics Publisher on the Application Insights resource "
                    "(terraform/azure declares it), then run `geobot deploy --target azure` again")
        if all(check["status"] in SETTLED for check in found.values()):
            return {region: str(check["status"]) for region, check in found.items()}
        if now > deadline:
            waiting = ", ".join(f"{r} {c['status']}" for r, c in sorted(found.items()) if c["status"] not in SETTLED)
            raise CloudError(f"no telemetry verdict from every region's bot in {timeout:g} s: {waiting}",
                             "see the web apps' log stream (az webapp log tail) for the exporter's errors")
        sleep(poll)
