"""Whether each region's bot gets its telemetry out, read from its deep health answer's `telemetry` check.

The check never changes the health answer's HTTP status (an Application Insights outage must
not take a healthy region out of the routing), so no router notices a refused export; the
online stages read it instead: every region's verdict, Application Insights' answer in Azure,
the span file locally. In Azure a refusal is retried for `role_wait` seconds, as the bot's
Monitoring Metrics Publisher role may still be applying.
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


def health_body(url: str, context: ssl.SSLContext | None = None, timeout: float = 10.0) -> dict[str, Any] | None:
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


def wait_for_telemetry(urls: Mapping[str, str], fetch: Fetch, timeout: float, role_wait: float, poll: float, fix: str,
                       clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Poll each health URL (keyed by the region it serves, or the router's name) until every
    telemetry verdict is settled; region → status. Raises naming the region, the call and the
    data action once a refusal has lasted `role_wait` s (`fix` says what to do), or the regions
    without a verdict at `timeout`."""
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
                needs = f"; the bot's identity needs {check['action']}" if check.get("action") else ""
                raise CloudError(f"region {region}: its bot's telemetry is refused ({check.get('call')}: "
                                 f"{check.get('reason')}){needs}", fix)
        if all(check["status"] in SETTLED for check in found.values()):
            return {region: str(check["status"]) for region, check in found.items()}
        if now > deadline:
            waiting = ", ".join(f"{r} {c['status']}" for r, c in sorted(found.items()) if c["status"] not in SETTLED)
            raise CloudError(f"no telemetry verdict from every region's bot in {timeout:g} s: {waiting}",
                             "see the bots' logs for the exporter's errors")
        sleep(poll)
