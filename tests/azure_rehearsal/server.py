"""The rehearsal on the wire: an HTTPS proxy that is Azure for whoever uses it.

geobot, certbot's hooks and the Azure SDKs reach Azure through HTTPS_PROXY, as behind any
corporate proxy; this one answers CONNECT itself and speaks TLS with a certificate for the
requested host from a throwaway CA (REQUESTS_CA_BUNDLE / SSL_CERT_FILE), so the production
URLs are used unchanged: login.microsoftonline.com (client-secret sign-in), management.azure.com
(ARM: providers, name checks, Traffic Manager, Bot Service, deleted vaults), <vault>.vault.azure.net,
<app>.scm.azurewebsites.net (Kudu), <account>.cognitiveservices.azure.com (CLU), Application
Insights' ingestion endpoint (<region>-0.in.applicationinsights.azure.com), the web apps,
the Front Door endpoint and the custom domain. A second, plain HTTP listener is port 80 of the
custom domain for the ACME server's HTTP-01 validation. `/_rehearsal/...` on the plain
listener is the stand-in Terraform's door (`terraform.py`), and `/_rehearsal/msi/token` is App
Service's identity endpoint (IDENTITY_ENDPOINT) for a process that runs as a web app's identity.

Every request carries a bearer token this server issued; its `oid` is the caller, its `aud`
must be the service's, and the call is authorized by `Cloud` against the role assignments.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import socketserver
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from geobot.bot import REGION_HEALTH_PATH
from geobot.bot.settings import acme_secret_name
from geobot.bot.telemetry import TRACK_PATH
from tests.azure_rehearsal import infrastructure as infra
from tests.azure_rehearsal.cloud import TRACK_FORBIDDEN, TRACK_UNAUTHORIZED, ApplyFailed, Cloud, Project, Refused, WebApp
from tests.unit.targets.azure.contract_server import contract

LOGIN = "login.microsoftonline.com"
ARM = "management.azure.com"
AUDIENCES = {"management": "https://management.azure.com", "vault": "https://vault.azure.net",
             "language": "https://cognitiveservices.azure.com",
             "monitor": "https://monitor.azure.com/"}  # the exporter's scope is "https://monitor.azure.com//.default"
IDENTITY_HEADER = "rehearsal-identity-header"  # App Service's IDENTITY_HEADER: the identity endpoint checks it
CLIENT_SECRET = "rehearsal-deployer-secret"  # the deployer's service principal secret, in the test env only
SUB = f"/subscriptions/{infra.SUBSCRIPTION}"


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    reason: str | None = None  # the status line's text, where a service's docs quote it


def recorded(operation: str, status: int = 200, /, **fields: Any) -> Any:
    """The recorded answer body of contract `operation` (tests/unit/targets/azure/contracts), with `fields` set."""
    body = copy.deepcopy(contract(operation)["responses"][str(status)]["body"])
    return body | fields if isinstance(body, dict) else body


def _token(principal: str, audience: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"oid": principal, "aud": audience, "tid": infra.TENANT, "exp": int(time.time()) + 3600}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.rehearsal"


def _claims(header: str | None) -> dict[str, Any] | None:
    if not header or not header.startswith("Bearer "):
        return None
    try:
        payload = header.split()[1].split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None


def _error(refused: Refused) -> Answer:
    return Answer(refused.status, {"error": {"code": refused.code, "message": refused.message}})


class Rehearsal:
    """The cloud and its listeners; `env()` is what a process needs to reach it."""

    def __init__(self, workdir: Path, cloud: Cloud, domain: str | None = None) -> None:
        self.cloud = cloud
        self.domain = domain
        self.ca = trustme.CA()
        self.workdir = workdir
        self.bundle = workdir / "rehearsal-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.bundle))
        self.unrouted: list[str] = []
        self.defects: list[str] = []  # the rehearsal's own failures: answered 500, and fail the test
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._jobs: dict[str, dict[str, Any]] = {}
        self.proxy = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.plain = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        for server in (self.proxy, self.plain):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.server_address[1]}"

    @property
    def http_port(self) -> int:
        return self.plain.server_address[1]

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/_rehearsal"

    def identity_env(self, region: str) -> dict[str, str]:
        """What App Service gives a process of `region`'s web app to get tokens as its identity."""
        assert self.cloud.variables is not None
        return {"IDENTITY_ENDPOINT": f"{self.control_url}/msi/token", "IDENTITY_HEADER": IDENTITY_HEADER,
                "AZURE_CLIENT_ID": infra.app_identity(self.cloud.variables, region).client_id}

    def close(self) -> None:
        for server in (self.proxy, self.plain):
            server.shutdown()
            server.server_close()

    def env(self, bundle: Path) -> dict[str, str]:
        """A signed-in deployer whose traffic to Azure goes through the rehearsal; `bundle`: the CAs to trust."""
        return {"HTTPS_PROXY": self.proxy_url, "https_proxy": self.proxy_url, "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost", "REQUESTS_CA_BUNDLE": str(bundle), "SSL_CERT_FILE": str(bundle),
                "AZURE_TENANT_ID": infra.TENANT, "AZURE_CLIENT_ID": infra.DEPLOYER.client_id,
                "AZURE_CLIENT_SECRET": CLIENT_SECRET, "AZURE_SUBSCRIPTION_ID": infra.SUBSCRIPTION,
                "GEOBOT_REHEARSAL_CONTROL": self.control_url}

    # ---- TLS ----------------------------------------------------------------------------

    def context(self, host: str) -> ssl.SSLContext:
        """A certificate for `host`; the custom domain gets the one App Service imported from Key Vault, once bound."""
        if host == self.domain:
            return self._domain_context()
        if host not in self._contexts:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ca.issue_cert(host).configure_cert(context)
            self._contexts[host] = context
        return self._contexts[host]

    def _domain_context(self) -> ssl.SSLContext:
        """Without a bound certificate App Service answers the domain with its *.azurewebsites.net one."""
        bound = self.cloud.bound
        key = f"bound:{bound[1]}" if bound else "unbound"
        if key not in self._contexts:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            if bound is None:
                self.ca.issue_cert("*.azurewebsites.net").configure_cert(context)
            else:
                private, cert, chain = pkcs12.load_key_and_certificates(bound[0], None)
                pem = self.workdir / f"bound-{bound[1]}.pem"
                pem.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())
                                + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *chain]))
                pem.chmod(0o600)
                context.load_cert_chain(str(pem))
            self._contexts[key] = context
        return self._contexts[key]

    # ---- routing ------------------------------------------------------------------------

    def answer(self, method: str, host: str, target: str, headers: dict[str, str], body: bytes, tls: bool) -> Answer:
        url = urlsplit(target)
        path, query = unquote(url.path), {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            if not tls and path.startswith("/_rehearsal/"):
                return self._control(path, body, query, headers)
            if host == LOGIN:
                return self._login(path, body)
            if host == ARM:
                return self._arm(method, path, query, headers, body)
            if host.endswith(".vault.azure.net"):
                return self._vault(method, host.split(".")[0], path, headers, body)
            if host.endswith(".cognitiveservices.azure.com"):
                return self._language(method, host, path, query, headers, body)
            if ".scm." in host:
                return self._kudu(method, host, path, headers, body)
            if host.endswith(".in.applicationinsights.azure.com"):
                return self._ingestion(method, host, path, headers, body)
            return self._web(host, path, headers)
        except Refused as refused:
            return _error(refused)

    def _caller(self, headers: dict[str, str], audience: str) -> str:
        claims = _claims(headers.get("authorization"))
        if claims is None:
            raise Refused(401, "Unauthorized", "no bearer token")
        if claims.get("aud") != AUDIENCES[audience]:
            raise Refused(401, "InvalidAuthenticationTokenAudience",
                          f"The access token has been obtained for the wrong audience {claims.get('aud')}")
        return claims["oid"]

    # ---- Microsoft Entra ----------------------------------------------------------------

    def _login(self, path: str, body: bytes) -> Answer:
        tenant = path.strip("/").split("/")[0]
        base = f"https://{LOGIN}/{tenant}"
        if path.endswith("/.well-known/openid-configuration"):
            return Answer(200, {"token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0",
                                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode"})
        if path.endswith("/discovery/instance"):
            return Answer(200, {"tenant_discovery_endpoint": f"{base}/v2.0/.well-known/openid-configuration",
                                "api-version": "1.1", "metadata": []})
        if path.endswith("/oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("client_id") != infra.DEPLOYER.client_id or form.get("client_secret") != CLIENT_SECRET:
                return Answer(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
            scope = form.get("scope", "").split()[0].removesuffix("/.default")
            return Answer(200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                                "access_token": _token(infra.DEPLOYER.object_id, scope)})
        raise Refused(404, "NotFound", f"no Entra endpoint {path}")

    # ---- ARM ----------------------------------------------------------------------------

    def _arm(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        caller = self._caller(headers, "management")
        cloud = self.cloud
        data = json.loads(body) if body else {}

        def allowed(action: str, scope: str = SUB) -> None:
            cloud.authorize_action(caller, action, scope)

        with cloud.lock:
            if method == "GET" and path == f"{SUB}/providers":
                allowed("Microsoft.Resources/subscriptions/providers/read")
                return Answer(200, {"value": [_provider(ns, s) for ns, s in cloud.providers.items()]})
            found = re.fullmatch(rf"{SUB}/providers/([^/]+)(/register)?", path)
            if found and found.group(1) in cloud.providers:
                ns = found.group(1)
                if found.group(2):
                    allowed(f"{ns}/register/action")
                    cloud.providers[ns] = "Registered"
                    cloud.changes.append(f"register {ns}")
                    return Answer(200, _provider(ns, "Registering"))
                allowed("Microsoft.Resources/subscriptions/providers/read")
                return Answer(200, _provider(ns, cloud.providers[ns]))
            if method == "POST" and path == "/providers/Microsoft.Network/checkTrafficManagerNameAvailability":
                allowed("Microsoft.Network/checkTrafficManagerNameAvailability/action")
                return Answer(200, recorded("trafficmanager/Profiles_CheckTrafficManagerRelativeDnsNameAvailability_available",
                                            name=data.get("name"), type=data.get("type")))
            if method == "POST" and path in (f"{SUB}/providers/Microsoft.BotService/checkNameAvailability",
                                             "/providers/Microsoft.BotService/checkNameAvailability"):
                allowed("Microsoft.BotService/checkNameAvailability/read")
                return Answer(200, recorded("botservice/Bots_GetCheckNameAvailability", message=""))
            if method == "POST" and path == f"{SUB}/providers/Microsoft.KeyVault/checkNameAvailability":
                allowed("Microsoft.KeyVault/checkNameAvailability/read")
                if data.get("name") in cloud.deleted_vaults:
                    return Answer(200, {"nameAvailable": False, "reason": "AlreadyExists",
                                        "message": f"The vault name '{data['name']}' is already in use."})
                return Answer(200, recorded("keyvault-mgmt/Vaults_CheckNameAvailability"))
            if method == "GET" and path == f"{SUB}/providers/Microsoft.KeyVault/deletedVaults":
                allowed("Microsoft.KeyVault/deletedVaults/read")
                return Answer(200, {"value": [_deleted_vault(n, loc) for n, loc in cloud.deleted_vaults.items()]})
            found = re.fullmatch(rf"{SUB}/providers/Microsoft.KeyVault/locations/([^/]+)/deletedVaults/([^/]+)/purge", path)
            if found and method == "POST":
                allowed("Microsoft.KeyVault/locations/deletedVaults/purge/action")
                if cloud.deleted_vaults.pop(found.group(2), None) is None:
                    raise Refused(404, "ResourceNotFound", f"deleted vault {found.group(2)} not found")
                cloud.changes.append(f"purge {found.group(2)}")
                return Answer(200, None)
            if cloud.variables is not None:
                return self._arm_resources(method, path, data, allowed, caller)
        raise Refused(404, "ResourceNotFound", f"The Resource at {path} was not found.")

    def _arm_resources(self, method: str, path: str, data: dict[str, Any], allowed: Any, caller: str) -> Answer:
        cloud = self.cloud
        outputs = cloud.outputs()
        profile = outputs.get("traffic_manager")
        if profile and method == "GET" and path.lower() == profile["id"].lower():
            allowed("Microsoft.Network/trafficManagerProfiles/read", profile["id"])
            return Answer(200, self._profile(outputs))
        if profile and path.lower().startswith(f"{profile['id']}/azureEndpoints/".lower()):
            return self._tm_endpoint(method, path.rsplit("/", 1)[1], data, outputs, allowed, caller)
        front_door = outputs.get("front_door")
        origins = f"{front_door['profile_id']}/originGroups/{front_door['origin_group']}/origins/" if front_door else None
        if origins and path.lower().startswith(origins.lower()):
            return self._fd_origin(method, path.rsplit("/", 1)[1], data, outputs, allowed, caller)
        bot = outputs["bot"]
        if path.lower() == bot["id"].lower():
            if method == "GET":
                allowed("Microsoft.BotService/botServices/read", bot["id"])
            else:
                allowed("Microsoft.BotService/botServices/write", bot["id"])
                cloud.bot_endpoint = (data.get("properties") or {}).get("endpoint", cloud.bot_endpoint)
                cloud.changes.append("update the bot")
            answer = recorded("botservice/Bots_Get", id=bot["id"], name=bot["name"], location="global", kind="azurebot")
            answer["properties"] |= {"displayName": bot["name"], "endpoint": cloud.bot_endpoint or "", "msaAppId": bot["app_id"]}
            return Answer(200, answer)
        raise Refused(404, "ResourceNotFound", f"The Resource at {path} was not found.")

    def _tm_endpoint(self, method: str, name: str, data: dict[str, Any], outputs: dict[str, Any], allowed: Any,
                     caller: str) -> Answer:
        """Endpoints_Get and Endpoints_Update (PATCH): only endpointStatus may change, as geobot changes it."""
        region = self._switch(method, name, data, outputs["traffic_manager"]["endpoints"], "endpointStatus",
                              "Microsoft.Network/trafficManagerProfiles/azureEndpoints", "Traffic Manager endpoint",
                              allowed, caller)
        return Answer(200, self._endpoint(outputs, region))

    def _fd_origin(self, method: str, name: str, data: dict[str, Any], outputs: dict[str, Any], allowed: Any,
                   caller: str) -> Answer:
        """AFDOrigins_Get and AFDOrigins_Update (a PATCH answered at once with 200): only enabledState may
        change, and the edge has a change only from the second read after it (deploymentStatus)."""
        front_door = outputs["front_door"]
        region = self._switch(method, name, data, front_door["origins"], "enabledState",
                              "Microsoft.Cdn/profiles/originGroups/origins", "Front Door origin", allowed, caller)
        origin_id = self.cloud.ids().rotation(region)
        host = outputs["regions"][region]["default_hostname"]
        answer = recorded("frontdoor/AFDOrigins_Update_Disabled.derived", id=origin_id, name=name)
        answer["properties"] |= {"originGroupName": front_door["origin_group"], "hostName": host, "originHostHeader": host,
                                 "enabledState": "Enabled" if self.cloud.apps[region].enabled else "Disabled",
                                 "deploymentStatus": "InProgress" if method == "PATCH" else self.cloud.deployment_status(region)}
        return Answer(200, answer)

    def _switch(self, method: str, name: str, data: dict[str, Any], members: dict[str, str], field: str,
                resource: str, what: str, allowed: Any, caller: str) -> str:
        """A read or a PATCH of the region's endpoint (origin) named `name`, checked against the caller's
        roles; a PATCH may change only `field`, to Enabled or Disabled. Returns the region."""
        region = next((r for r, n in members.items() if n.lower() == name.lower()), None)
        if region is None:
            raise Refused(404, "NotFound", f"{what} {name} was not found.")
        member = self.cloud.ids().rotation(region)
        if method == "GET":
            allowed(f"{resource}/read", member)
        elif method == "PATCH":
            state = (data.get("properties") or {}).get(field)
            if set(data) != {"properties"} or set(data["properties"]) != {field} or state not in ("Enabled", "Disabled"):
                raise Refused(400, "BadRequest", f"the rehearsal takes a PATCH of {field} Enabled or Disabled only, not {data}")
            self.cloud.set_enabled(caller, f"{resource}/write", region, state == "Enabled")
        else:
            raise Refused(405, "MethodNotAllowed", f"the rehearsal has no {method} of a {what}")
        return region

    def _endpoint(self, outputs: dict[str, Any], region: str) -> dict[str, Any]:
        """One endpoint as Endpoints_Get records it, with its status and monitor status now."""
        cloud, profile = self.cloud, outputs["traffic_manager"]
        variables = cloud.variables or {}
        name = profile["endpoints"][region]
        template = recorded("trafficmanager/Profiles_Get")["properties"]["endpoints"][0]
        endpoint = copy.deepcopy(template) | {"id": f"{profile['id']}/azureEndpoints/{name}", "name": name,
                                              "type": "Microsoft.Network/trafficManagerProfiles/azureEndpoints"}
        endpoint["properties"] |= {"targetResourceId": outputs["regions"][region]["web_app_id"],
                                   "target": outputs["regions"][region]["default_hostname"],
                                   "endpointStatus": "Enabled" if cloud.apps[region].enabled else "Disabled",
                                   "endpointMonitorStatus": cloud.monitor_status(region), "endpointLocation": region,
                                   "priority": variables["regions"][region]["priority"],
                                   "weight": variables["regions"][region]["weight"]}
        return endpoint

    def _profile(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """Profiles_Get's recorded answer, with this profile's endpoints and their monitor status now."""
        cloud, profile = self.cloud, outputs["traffic_manager"]
        variables = cloud.variables or {}
        answer = recorded("trafficmanager/Profiles_Get", id=profile["id"], name=profile["name"])
        endpoints = [self._endpoint(outputs, region) for region in profile["endpoints"]]
        probe = variables["probe"]
        answer["properties"] |= {"trafficRoutingMethod": variables["routing_method"].capitalize(), "endpoints": endpoints,
                                 "dnsConfig": {"relativeName": variables["names"]["traffic_manager_dns"],
                                               "fqdn": profile["fqdn"], "ttl": probe["dns_ttl"]}}
        answer["properties"]["monitorConfig"] |= {"profileMonitorStatus": "Online", "protocol": "HTTPS", "port": 443,
                                                  "path": probe["path"]}
        return answer

    # ---- Key Vault ----------------------------------------------------------------------

    def _vault(self, method: str, vault: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if "authorization" not in headers:
            return Answer(401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}},
                          {"WWW-Authenticate": f'Bearer authorization="https://{LOGIN}/{infra.TENANT}", resource="https://vault.azure.net"'})
        caller = self._caller(headers, "vault")
        cloud = self.cloud
        base = f"https://{vault}.vault.azure.net"
        parts = [p for p in path.split("/") if p]
        data = json.loads(body) if body else {}
        if parts[:1] == ["secrets"] and len(parts) >= 2:
            name = parts[1]
            if method == "PUT":
                secret = cloud.set_secret(caller, vault, name, data["value"], data.get("contentType"))
                return Answer(200, _secret_bundle(base, name, secret))
            if method == "GET":
                return Answer(200, _secret_bundle(base, name, cloud.get_secret(caller, vault, name)))
            if method == "DELETE":
                cloud.delete_secret(caller, vault, name)
                return Answer(200, {"id": f"{base}/secrets/{name}", "attributes": {"enabled": True}})
        if parts[:1] == ["deletedsecrets"] and method == "GET":
            return Answer(200, {"id": f"{base}/secrets/{parts[1]}", "attributes": {"enabled": True}})
        if parts[:1] == ["certificates"] and parts[2:3] == ["import"] and method == "POST":
            name = parts[1]
            secret = cloud.import_certificate(caller, vault, name, data["value"])
            _, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(data["value"]), None)
            der = cert.public_bytes(serialization.Encoding.DER)
            thumbprint = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).decode().rstrip("=")
            return Answer(200, recorded("keyvault/ImportCertificate", id=f"{base}/certificates/{name}/{secret.version}",
                                        kid=f"{base}/keys/{name}/{secret.version}", sid=f"{base}/secrets/{name}/{secret.version}",
                                        x5t=thumbprint, cer=base64.b64encode(der).decode()))
        raise Refused(400, "BadParameter", f"the rehearsal's Key Vault has no {method} {path}")

    # ---- Language (CLU authoring) --------------------------------------------------------

    def _language(self, method: str, host: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        caller = self._caller(headers, "language")
        cloud = self.cloud
        account = host.split(".")[0]
        with cloud.lock:
            projects = cloud.languages.get(account)
            if projects is None or cloud.variables is None:
                raise Refused(404, "ResourceNotFound", f"no Language resource {account}")
            region = next(r for r, n in cloud.variables["regions"].items() if n["names"]["language_account"] == account)
            resource = cloud.ids().language(region)
            found = re.fullmatch(r"/language/authoring/analyze-conversations/projects/([^/]+)(/.*)?", path)
            if not found:
                raise Refused(404, "NotFound", f"no CLU route {path}")
            name, rest = found.group(1), found.group(2) or ""
            base = f"https://{host}/language/authoring/analyze-conversations/projects/{name}"
            version = query.get("api-version", "")
            data = json.loads(body) if body else {}
            project = projects.setdefault(name, Project())
            if rest == "/:import" and method == "POST":
                cloud.authorize(caller, "language.import", resource)
                project.imported = True
                cloud.changes.append(f"CLU import {account}")
                return self._job(f"{base}/import", version, "succeeded")
            if rest == "/:train" and method == "POST":
                cloud.authorize(caller, "language.train", resource)
                if not project.imported:
                    raise Refused(404, "ProjectNotFound", f"project {name} does not exist: import it first")
                if data["modelLabel"] not in project.models:
                    project.models.append(data["modelLabel"])
                cloud.changes.append(f"CLU train {account} {data['modelLabel']}")
                return self._job(f"{base}/train", version, "succeeded")
            deployment = re.fullmatch(r"/deployments/([^/]+)", rest)
            if deployment and method == "PUT":
                cloud.authorize(caller, "language.deploy", resource)
                label = data["trainedModelLabel"]
                if label not in project.models:
                    return self._job(f"{base}/deployments/{deployment.group(1)}", version, "failed")
                project.deployments[deployment.group(1)] = label
                cloud.changes.append(f"CLU deploy {account} {label}")
                return self._job(f"{base}/deployments/{deployment.group(1)}", version, "succeeded")
            if re.fullmatch(r"/.*/jobs/[^/]+", rest) and method == "GET":
                cloud.authorize(caller, "language.jobs", resource)
                return Answer(200, self._jobs[rest.rsplit("/", 1)[1]])
            if rest == "/models" and method == "GET":
                cloud.authorize(caller, "language.models", resource)
                return Answer(200, {"value": [{"label": m, "modelId": m, "lastTrainedDateTime": "2026-01-01T00:00:00Z"}
                                              for m in project.models]})
            model = re.fullmatch(r"/models/([^/]+)", rest)
            if model and method == "DELETE":
                cloud.authorize(caller, "language.deleteModel", resource)
                if model.group(1) in project.deployments.values():
                    raise Refused(409, "Conflict", f"model {model.group(1)} is deployed")
                if model.group(1) not in project.models:
                    raise Refused(404, "NotFound", f"no trained model {model.group(1)}")
                project.models.remove(model.group(1))
                cloud.changes.append(f"CLU delete model {account} {model.group(1)}")
                return Answer(204)
        raise Refused(404, "NotFound", f"no CLU route {method} {path}")

    def _job(self, base: str, version: str, status: str) -> Answer:
        job = uuid.uuid4().hex
        self._jobs[job] = {"jobId": job, "status": status, "createdDateTime": "2026-01-01T00:00:00Z",
                           **({"errors": [{"code": "ModelNotFound", "message": "no such trained model"}]} if status == "failed" else {})}
        return Answer(202, None, {"operation-location": f"{base}/jobs/{job}?api-version={version}"})

    # ---- Application Insights' ingestion (the Track API the Azure Monitor exporters post to) ---------

    def _ingestion(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        cloud = self.cloud
        with cloud.lock:
            if cloud.variables is None or host != cloud.ids().ingestion_host or (method, path) != ("POST", TRACK_PATH):
                raise Refused(404, "NotFound", f"no ingestion route {method} {host}{path}")
            key = cloud.ids().instrumentation_key
        claims = _claims(headers.get("authorization"))
        if claims is None or claims.get("aud") != AUDIENCES["monitor"]:  # local authentication is disabled
            return Answer(401, None, reason=TRACK_UNAUTHORIZED)
        envelopes = json.loads(body)
        wrong = [i for i, envelope in enumerate(envelopes) if envelope.get("iKey") != key]
        if wrong:
            return Answer(400, {"itemsReceived": len(envelopes), "itemsAccepted": 0, "errors": [
                {"index": i, "statusCode": 400, "message": "Invalid instrumentation key"} for i in wrong]})
        try:
            cloud.track(claims["oid"], len(envelopes))
        except Refused:
            return Answer(403, None, reason=TRACK_FORBIDDEN)
        return Answer(200, {"itemsReceived": len(envelopes), "itemsAccepted": len(envelopes), "errors": []})

    def _identity(self, query: dict[str, str], headers: dict[str, str]) -> Answer:
        """App Service's identity endpoint (api-version 2019-08-01): a token of the web app identity `client_id` names."""
        if headers.get("x-identity-header") != IDENTITY_HEADER or query.get("api-version") != "2019-08-01":
            return Answer(400, {"error": "invalid_request", "error_description": "X-IDENTITY-HEADER or api-version"})
        with self.cloud.lock:
            variables = self.cloud.variables or {"regions": {}}
            found = [infra.app_identity(variables, r) for r in variables["regions"]
                     if infra.app_identity(variables, r).client_id == query.get("client_id")]
        if not found:
            return Answer(400, {"error": "invalid_request", "error_description": "no identity with that client_id"})
        resource = query.get("resource", "")
        return Answer(200, {"access_token": _token(found[0].object_id, resource), "resource": resource,
                            "expires_on": str(int(time.time()) + 3600), "token_type": "Bearer",
                            "client_id": found[0].client_id})

    # ---- Kudu, the web apps, the routers -----------------------------------------------------

    def _kudu(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = self._caller(headers, "management")
        app = self.cloud.app_by_scm(host)
        if app is None:
            raise Refused(404, "NotFound", f"no web app behind {host}")
        if method == "POST" and path == "/api/zipdeploy":
            self.cloud.zip_deploy(caller, app, body)
            return Answer(202, None, {"Location": f"https://{host}/api/deployments/latest?deployer=Push-Deployer"})
        if method == "GET" and path == "/api/deployments/latest":
            self.cloud.authorize_action(caller, "Microsoft.Web/sites/publish/action", self.cloud.ids().web_app(app.region))
            return Answer(200, recorded("appservice-kudu/Deployments_GetLatest.derived", id=app.code or "",
                                        log_url=f"https://{host}/api/deployments/latest/log"))
        raise Refused(404, "NotFound", f"no Kudu route {method} {path}")

    def _web(self, host: str, path: str, headers: dict[str, str]) -> Answer:
        """A web app itself, or what the router in front of them serves (the edge's host, the bound domain)."""
        cloud = self.cloud
        with cloud.lock:
            if cloud.variables is None:
                return Answer(404, "no such site")
            ids = cloud.ids()
            front_door = cloud.variables["edge"] == "frontdoor"
            app = cloud.app_by_host(host)
            if app is not None:
                if front_door and headers.get("x-azure-fdid") != ids.front_door_guid:
                    self.unrouted.append(f"{host}{path}: Ip Forbidden")
                    return Answer(403, "Ip Forbidden: the app accepts only its Front Door (AzureFrontDoor.Backend, X-Azure-FDID)")
                return self._site(app, path)
            routed = host == ids.front_door_host if front_door else False
            own = re.fullmatch(REGION_HEALTH_PATH.format(region="([^/]+)"), path)
            if routed and own and own.group(1) in cloud.apps:  # edge.tf: one route per region to its web app alone
                return self._site(cloud.apps[own.group(1)], "/api/health")
            routed = routed or (host == self.domain and (front_door or cloud.variables["bind_hostname"]))
            if routed:
                target = cloud.routed()
                return self._site(target, path) if target is not None else Answer(503, "Front Door: no healthy origin")
        self.unrouted.append(f"{host}{path}")
        return Answer(404, f"nothing answers {host} in the rehearsal")

    def _site(self, app: WebApp, path: str) -> Answer:
        if path.startswith("/.well-known/acme-challenge/"):
            value = self.cloud.acme_answer(app, acme_secret_name(path.rsplit("/", 1)[1]))
            return Answer(200, value.encode(), {"Content-Type": "text/plain"}) if value else Answer(404, "unknown token")
        if path in ("/api/health", "/api/health/live"):
            status, body = self.cloud.health(app)
            return Answer(status, body)
        return Answer(404, "not found")

    # ---- the stand-in Terraform's door ---------------------------------------------------

    def _control(self, path: str, body: bytes, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if path == "/_rehearsal/msi/token":
            return self._identity(query, headers)
        request = json.loads(body) if body else {}
        if path == "/_rehearsal/plan":
            add, change, remove = self.cloud.plan(request.get("variables"))
            return Answer(200, {"add": add, "change": change, "remove": remove})
        if path == "/_rehearsal/apply":
            try:
                self.cloud.apply(request.get("variables"))
            except ApplyFailed as failed:
                return Answer(409, {"error": str(failed)})
            return Answer(200, {})
        if path == "/_rehearsal/outputs":
            return Answer(200, self.cloud.outputs())
        raise Refused(404, "NotFound", path)


def _provider(namespace: str, state: str) -> dict[str, Any]:
    template = recorded("resources/Providers_List")["value"][0]
    return template | {"id": f"{SUB}/providers/{namespace}", "namespace": namespace, "registrationState": state,
                       "resourceTypes": []}


def _deleted_vault(name: str, location: str) -> dict[str, Any]:
    vault = recorded("keyvault-mgmt/Vaults_ListDeleted")["value"][0]
    vault |= {"id": f"{SUB}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}", "name": name}
    vault["properties"] |= {"vaultId": f"{SUB}/resourceGroups/x/providers/Microsoft.KeyVault/vaults/{name}", "location": location,
                            "purgeProtectionEnabled": False}
    return vault


def _secret_bundle(base: str, name: str, secret: Any) -> dict[str, Any]:
    bundle = recorded("keyvault/GetSecret", value=secret.value, id=f"{base}/secrets/{name}/{secret.version}")
    return bundle | ({"contentType": secret.content_type} if secret.content_type else {})


def _handler(rehearsal: Rehearsal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        tunnel: str | None = None

        def do_CONNECT(self) -> None:
            host = self.path.rsplit(":", 1)[0]
            self.send_response(200, "Connection established")
            self.end_headers()
            try:
                wrapped = rehearsal.context(host).wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
            self.connection = wrapped
            self.rfile = wrapped.makefile("rb", -1)
            self.wfile = socketserver._SocketWriter(wrapped)  # type: ignore[attr-defined]
            self.tunnel = host
            self.close_connection = False  # a CONNECT may say HTTP/1.0; the tunnel carries HTTP/1.1 requests

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.tunnel is not None:
                host, target = self.tunnel, self.path
            elif self.path.startswith("http://"):
                parts = urlsplit(self.path)
                host, target = parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else "")
            else:
                host, target = self.headers.get("Host", "").split(":")[0], self.path
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                answer = rehearsal.answer(self.command, host, target, headers, body, tls=self.tunnel is not None)
            except Exception as exc:  # a defect of the rehearsal, not an answer of Azure's
                rehearsal.defects.append(f"{self.command} {host}{target}: {exc!r}")
                answer = Answer(500, {"error": {"code": "RehearsalDefect", "message": repr(exc)}})
            data = answer.body if isinstance(answer.body, bytes) else (
                answer.body.encode() if isinstance(answer.body, str) else (b"" if answer.body is None else json.dumps(answer.body).encode()))
            self.send_response(answer.status, answer.reason)
            extra = answer.headers or {}
            for name, value in extra.items():
                self.send_header(name, value)
            if data and "Content-Type" not in extra:
                kind = "text/plain" if isinstance(answer.body, str) else "application/json; charset=utf-8"
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the cloud records every call."""

    return Handler


@contextmanager
def running(workdir: Path, cloud: Cloud, domain: str | None = None) -> Iterator[Rehearsal]:
    rehearsal = Rehearsal(workdir, cloud, domain)
    try:
        yield rehearsal
    finally:
        rehearsal.close()
