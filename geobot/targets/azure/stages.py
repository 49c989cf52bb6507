"""The Azure target's stages after the infrastructure: language, code, DNS, readiness, switch, smoke.

Every stage reads what `terraform/azure` created from the infrastructure stage's outputs and
talks to Azure through `AzureClients`; none takes a key or prints a secret. Regions are worked
on in parallel where the service allows it (language jobs, zip deploys, readiness probes).
The endpoint switch refuses to run unless the online stage saw every region Online in this
same run, so a resumed deploy can never point the bot at a profile that cannot serve it.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from geobot.bot.version import PACKAGE, code_version
from geobot.config import Config
from geobot.errors import CloudError, InputError
from geobot.pipeline.stage import Stage, StageContext
from geobot.rollout.regions import have_from
from geobot.targets.azure import rolling
from geobot.targets.azure.clients import AzureClients
from geobot.targets.package import Package
from geobot.targets.parallel import each_region
from geobot.targets.telemetry import Fetch, health_body, wait_for_telemetry

Clients = Callable[[StageContext], AzureClients]
TELEMETRY_FIX = ("assign the bot's identity Monitoring Metrics Publisher on the Application Insights resource "
                 "(terraform/azure declares it; the web apps' log stream shows the exporter's errors), then deploy again")
CLU_PROJECT = "geobot"
CLU_DEPLOYMENT = "production"


def infrastructure(ctx: StageContext) -> Mapping[str, Any]:
    return ctx.output_of("infrastructure")


class Language(Stage):
    name = "language"
    description = ("import, train and deploy the language model in every region's Language resource (CLU); "
                   "to a serving deployment region by region")

    def __init__(self, config: Config, clients: Clients) -> None:
        """The configured [bot] model is upgraded to LUIS 7.0.0 for the import (or a CLU export taken as it is);
        a 403 is retried for azure.role_wait seconds while the deployer's Language Owner role applies."""
        self.config = config
        self.clients = clients
        self.model = config.bot.model
        self.role_wait = float(config.azure.role_wait)

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        from geobot.nlu.publish import import_body
        from geobot.pipeline.planner import fingerprint

        endpoints = {r: v["language_endpoint"] for r, v in infrastructure(ctx).get("regions", {}).items()}
        return {"model": fingerprint(vars(import_body(self.model, CLU_PROJECT))), "endpoints": endpoints}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        from geobot.nlu.publish import import_body, publish_regions

        inputs = self.inputs(ctx)
        label = f"geobot-{inputs['model'][:12]}"
        body = import_body(self.model, CLU_PROJECT)
        clients = self.clients(ctx)
        jobs: dict[str, str] = {}

        def publish(regions: Sequence[str]) -> None:
            jobs.update(asyncio.run(publish_regions(
                {region: inputs["endpoints"][region] for region in regions}, clients.session.credential, CLU_PROJECT,
                CLU_DEPLOYMENT, body, label, lambda region, step: ctx.note(f"{region}: {step}"), self.role_wait)))

        done = rolling.update_regions(ctx, self.config, clients, list(inputs["endpoints"]), self._have(ctx), label,
                                      publish, "language model")
        return {"project": CLU_PROJECT, "deployment": CLU_DEPLOYMENT, "model": label, "jobs": jobs,
                "regions": sorted(inputs["endpoints"]), "endpoints": inputs["endpoints"], "models": done.pop("have"),
                **done}

    def _have(self, ctx: StageContext) -> dict[str, str]:
        """Region -> the model label its Language resource serves; a resource at another endpoint has none yet."""
        last = ctx.output_of("language")
        had = last.get("models") or {r: last["model"] for r in last.get("regions", ())}
        endpoints = self.inputs(ctx)["endpoints"]
        before = last.get("endpoints", {})
        have = have_from(ctx.last_progress(), had)
        return {r: label for r, label in have.items() if r in endpoints and before.get(r, endpoints[r]) == endpoints[r]}

    def preview(self, ctx: StageContext) -> str | None:
        return rolling.preview(self.config, "language model")


class Code(Stage):
    """Zip deploys the bot's code; to a deployment already serving, one region at a time (`rolling`).

    A web app that got an older package from the same app instance serves now; a new or
    replaced one (empty) gets the zip at once.
    """

    name = "code"
    description = ("zip deploy the bot's code to every regional web app; to a serving deployment "
                   "region by region")

    def __init__(self, config: Config, clients: Clients, package: Callable[[], Package]) -> None:
        """`package`: built once per run (cached by the target), for the fingerprint and the upload alike."""
        self.config = config
        self.clients = clients
        self.package = package

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        """A replaced web app keeps its name and id but starts empty: its creation id says it is new."""
        apps = {r: [v["web_app_id"], v.get("web_app_instance")] for r, v in infrastructure(ctx).get("regions", {}).items()}
        return {"package": self.package().sha256, "apps": apps}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        package = self.package()
        clients = self.clients(ctx)
        apps = {r: v.get("web_app_instance") for r, v in infrastructure(ctx)["regions"].items()}
        ctx.note(f"uploading {len(package.data) / 1024:.0f} KiB (sha256 {package.sha256[:12]}) to each region")
        deployments: dict[str, str] = {}

        def deploy(region: str) -> str:
            return clients.zip_deploy(region).deploy(
                package.data, on_status=lambda status: ctx.note(f"{region}: {status.text}")).id

        done = rolling.update_regions(
            ctx, self.config, clients, list(apps), self._have(ctx, apps), package.sha256,
            lambda regions: deployments.update(each_region(regions, deploy, name_regions=True)), "bot code",
            version=code_version((PACKAGE,)))
        return {"package": package.sha256, "deployments": deployments, "packages": done.pop("have"), "apps": apps,
                **done}

    @staticmethod
    def _have(ctx: StageContext, apps: Mapping[str, Any]) -> dict[str, str]:
        """Region -> the package its web app runs; a web app Terraform replaced since is empty and absent."""
        last = ctx.output_of("code")
        had = last.get("packages") or {r: last["package"] for r in last.get("deployments", {})}
        have = have_from(ctx.last_progress(), had)
        before = last.get("apps", {})
        return {r: sha for r, sha in have.items() if r in apps and before.get(r, apps[r]) == apps[r]}

    def preview(self, ctx: StageContext) -> str | None:
        return rolling.preview(self.config, "bot code")


class DnsRecords(Stage):
    """The custom domain's records must resolve before App Service accepts the host name binding."""

    name = "dns"
    description = "check the custom domain's DNS records: the CNAME and its verification TXT (printed if missing)"

    def __init__(self, lookup: Callable[[str, str], list[str]]) -> None:
        self.lookup = lookup

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return {"records": infrastructure(ctx).get("dns_records", [])}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        records = infrastructure(ctx).get("dns_records", [])
        missing = [r for r in records if not self._present(r)]
        for record in records:
            ctx.note(f"{record['type']} {record['name']} -> {record['value']} ({record['purpose']})"
                     + (": missing" if record in missing else ": found"))
        if missing:
            wanted = "; ".join(f"{r['type']} {r['name']} = {r['value']}" for r in missing)
            raise CloudError(f"the custom domain's DNS records are not visible yet: {wanted}",
                             "create them at your DNS provider (TTL 300 is fine) and wait until `dig` shows them")
        return {"records": [f"{r['type']} {r['name']}" for r in records]}

    def _present(self, record: Mapping[str, str]) -> bool:
        answers = [a.rstrip(".").lower().strip('"') for a in self.lookup(record["name"], record["type"])]
        return record["value"].rstrip(".").lower() in answers


RESOLVER = "GEOBOT_DNS_RESOLVER"


def resolver_for(env: Mapping[str, str]) -> Any:
    """The name server GEOBOT_DNS_RESOLVER (host or host:port) names, else None: the system's.

    Asking the domain's authoritative server sees new records before any cache does.
    """
    address = env.get(RESOLVER)
    if not address:
        return None
    import dns.resolver

    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    if port and not port.isdigit():
        raise InputError(f"{RESOLVER} = {address!r}: the port is not a number", "give host or host:port, e.g. 1.1.1.1:53")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port) if port else 53
    return resolver


def resolve(name: str, kind: str, resolver: Any = None, lifetime: float = 10.0) -> list[str]:
    """What a resolver (the system's by default) answers for one record type; nothing when the name has none."""
    import dns.exception
    import dns.resolver

    try:
        answer = (resolver or dns.resolver.get_default_resolver()).resolve(name, kind, lifetime=lifetime)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise CloudError(f"cannot look up {kind} {name}: {exc.__class__.__name__}", "check this machine's DNS") from exc
    return [b"".join(r.strings).decode() if kind == "TXT" else r.to_text() for r in answer]


class Online(Stage):
    """Every region serving, then every region's telemetry arriving (`geobot.targets.telemetry`)."""

    name = "online"
    description = "wait until Traffic Manager reports every region's endpoint Online and its telemetry accepted"
    always_run = True

    def __init__(self, config: Config, clients: Clients, poll: float | None = None, description: str | None = None,
                 health: Fetch | None = None) -> None:
        """`health`: reads a health answer's body (default: over HTTPS with public trust)."""
        self.config = config
        self.clients = clients
        self.poll = poll if poll is not None else float(config.probe.interval)
        self.description = description or self.description
        self.health = health or partial(health_body, context=ssl.create_default_context())

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        clients = self.clients(ctx)
        profile = clients.traffic_manager()
        timeout = self.config.azure.online_timeout
        if profile is None:
            return self._through_front_door(ctx, clients, timeout)
        expected = clients.expected_endpoints()
        names = {endpoint: region for region, endpoint in expected.items()}
        started = time.monotonic()
        health = {region: clients.health_url(region, self.config.probe.path) for region in expected}
        seen: dict[str, str] = {}

        def changed(now: Mapping[str, str]) -> None:
            seen.update(now)
            ctx.note(", ".join(f"{names.get(e, e)} {s}" for e, s in sorted(now.items())))

        try:
            status = profile.wait_online(timeout, self.poll, expect=list(expected.values()), on_change=changed)
        except CloudError as timed_out:
            failing = sorted(names[e] for e, s in seen.items() if s != "Online" and e in names)
            said = "; ".join(f"{region}: {_failures(self.health(health[region]))}" for region in failing)
            raise CloudError(timed_out.message + (f"; their health answers: {said}" if said else ""),
                             timed_out.hint) from timed_out
        return {"endpoints": {names.get(e, e): s for e, s in status.statuses(expected.values()).items()},
                "telemetry": self._telemetry(ctx, health, timeout - (time.monotonic() - started))}

    def _telemetry(self, ctx: StageContext, health: Mapping[str, str], timeout: float) -> Mapping[str, str]:
        verdicts = wait_for_telemetry(health, self.health, max(timeout, self.poll), self.config.azure.role_wait, self.poll,
                                      TELEMETRY_FIX)
        ctx.note("telemetry " + ", ".join(f"{region} {status}" for region, status in sorted(verdicts.items())))
        return verdicts

    def _through_front_door(self, ctx: StageContext, clients: AzureClients, timeout: float) -> Mapping[str, Any]:
        """Front Door: its endpoint serves, then every region through its own route. The web apps admit
        only this profile's Front Door (AzureFrontDoor.Backend with its X-Azure-FDID), so the deployer
        cannot probe an origin itself, and the endpoint's health path reaches only an origin Front Door
        found healthy; `/api/regions/<region>/health` has a route to that region alone (terraform/azure
        edge.tf), so each region's own answer, telemetry verdict included, is read there."""
        host = infrastructure(ctx)["front_door"]["endpoint_host_name"]
        url = f"https://{host}{self.config.probe.path}"
        deadline = time.monotonic() + timeout
        while (status := http_status(url, ssl.create_default_context())) != 200:
            if time.monotonic() > deadline:
                raise CloudError(f"Front Door: {url} answered {status or 'nothing'} for {timeout} s",
                                 "see the origin group's health in the portal and the web apps' log stream (az webapp log tail)")
            time.sleep(self.poll)
        regions = {region: clients.health_url(region, self.config.probe.path) for region in infrastructure(ctx)["regions"]}
        self._every_region_healthy(ctx, regions, deadline, timeout)
        return {"front_door": "Online", "health": url,
                "endpoints": {region: "Online" for region in regions},
                "telemetry": self._telemetry(ctx, regions, deadline - time.monotonic())}

    def _every_region_healthy(self, ctx: StageContext, regions: Mapping[str, str], deadline: float, timeout: float) -> None:
        """Poll each region's own health answer until all are healthy; at `deadline`, name the others and why."""
        while True:
            answers = {region: self.health(url) for region, url in regions.items()}
            unhealthy = {region: body for region, body in answers.items() if (body or {}).get("status") != "healthy"}
            if not unhealthy:
                ctx.note(", ".join(f"{region} healthy" for region in sorted(regions)) + " (each through its own route)")
                return
            if time.monotonic() > deadline:
                said = "; ".join(f"{region}: {_failures(body)}" for region, body in sorted(unhealthy.items()))
                raise CloudError(f"behind Front Door, not every region is healthy after {timeout} s: {said}",
                                 "see that web app's log stream (az webapp log tail) and its identity's role assignments")
            time.sleep(self.poll)


def _failures(body: Mapping[str, Any] | None) -> str:
    """What a health answer says failed: each component and its reason."""
    if body is None:
        return "no answer"
    components = body.get("components") or {}
    return ", ".join(f"{name}: {(components.get(name) or {}).get('reason', '?')}" for name in body.get("failed", [])) or "unhealthy"


class Endpoint(Stage):
    name = "endpoint"
    description = "point the bot's messaging endpoint at https://<host>/api/messages"

    def __init__(self, clients: Clients) -> None:
        self.clients = clients

    def inputs(self, ctx: StageContext) -> Mapping[str, Any]:
        return {"host": infrastructure(ctx).get("host_name")}

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        online = ctx.output_of("online")
        endpoints = online.get("endpoints", {})
        regions = infrastructure(ctx).get("regions", {})
        if infrastructure(ctx).get("front_door"):
            not_online = [] if online.get("front_door") == "Online" else ["Front Door"]
        else:
            not_online = sorted(r for r in regions if endpoints.get(r) != "Online")
        if not endpoints or not_online:
            raise CloudError(f"not switching the messaging endpoint: {', '.join(not_online) or 'no region'} not Online",
                             "the online stage must pass first")
        host = infrastructure(ctx)["host_name"]
        changed = self.clients(ctx).bot_service().set_messaging_endpoint(host)
        ctx.note("messaging endpoint switched" if changed else "messaging endpoint already set")
        return {"messaging_endpoint": f"https://{host}/api/messages"}


class Smoke(Stage):
    name = "smoke"
    description = "check the health endpoint through the public host name"
    always_run = True

    def __init__(self, config: Config, context: Callable[[], ssl.SSLContext] = ssl.create_default_context) -> None:
        self.config = config
        self.context = context

    def run(self, ctx: StageContext) -> Mapping[str, Any]:
        host = infrastructure(ctx)["host_name"]
        url = f"https://{host}{self.config.probe.path}"
        status = http_status(url, self.context())
        if status != 200:
            raise CloudError(f"{url} answered {status or 'nothing'}", "see `geobot status` and the web apps' logs")
        return {"url": f"https://{host}/api/messages", "health": url}


def http_status(url: str, context: ssl.SSLContext, timeout: float = 10.0) -> int | None:
    """The status a GET gets, or None when nothing answers (DNS, TLS or connection failure)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310 (https only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None
