"""A loopback Cosmos DB (NoSQL) data plane with one host name per region, for the store tests.

Every host name of the recorded account (the global `ddb1.documents.azure.com` and the
regional `ddb1-<region>.documents.azure.com`) resolves to this one TLS server, so a test sees
which region each request was sent to. The topology is the recorded ARM contract
(`fixtures/azure/cosmosdb/DatabaseAccounts_Get*.json`) as the data plane's database account
document presents it: `writeLocations` → `writableLocations`, `readLocations` →
`readableLocations`, each `{name: locationName, databaseAccountEndpoint: documentEndpoint}`
(the field names azure-cosmos reads, `azure/cosmos/_constants.py`), and
`enableMultipleWriteLocations` as recorded.

Documents behave as Cosmos DB documents them: a new `_etag` on every write, create → 409 when
the id exists, replace with `If-Match` → 412 on a stale ETag, 404 for a missing id. Only
Entra tokens are accepted (`type=aad`, as `local_authentication_enabled = false` leaves it).
Any other request gets 400 and is kept in `violations`.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.unit.nlu.contract_server import fixture

DOMAIN = ".documents.azure.com"


def account_document(arm: dict[str, Any]) -> dict[str, Any]:
    """The data plane's `GET /` answer for an account recorded by ARM's DatabaseAccounts_Get."""
    properties = arm["responses"]["200"]["body"]["properties"]

    def locations(key: str) -> list[dict[str, str]]:
        return [{"name": loc["locationName"], "databaseAccountEndpoint": loc["documentEndpoint"]}
                for loc in sorted(properties[key], key=lambda loc: loc["failoverPriority"])]

    name = arm["responses"]["200"]["body"]["name"]
    return {
        "id": name, "_rid": f"{name}{DOMAIN}", "_self": "", "media": "//media/", "addresses": "//addresses/",
        "_dbs": "//dbs/", "writableLocations": locations("writeLocations"), "readableLocations": locations("readLocations"),
        "enableMultipleWriteLocations": properties.get("enableMultipleWriteLocations", False),
        "userConsistencyPolicy": {"defaultConsistencyLevel": properties["consistencyPolicy"]["defaultConsistencyLevel"]},
    }


def single_write(arm: dict[str, Any]) -> dict[str, Any]:
    """The recorded two-region account as terraform/azure now declares it: one write region."""
    single = copy.deepcopy(arm)
    properties = single["responses"]["200"]["body"]["properties"]
    properties["writeLocations"] = [loc for loc in properties["writeLocations"] if loc["failoverPriority"] == 0]
    properties["enableMultipleWriteLocations"] = False
    return single


@dataclass
class Call:
    host: str
    method: str
    path: str
    headers: dict[str, str]

    @property
    def region(self) -> str:
        """`eastus` for ddb1-eastus.documents.azure.com; "" for the global endpoint."""
        account = self.host.split(".", 1)[0]
        return account.split("-", 1)[1] if "-" in account else ""


@dataclass
class CosmosServer:
    """`async with CosmosServer(arm, ssl_context) as server:` → its calls, documents and violations."""

    arm: dict[str, Any]
    ssl_context: Any
    database: str = "geobot"
    container: str = "conversations"
    calls: list[Call] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        """The account endpoint as the Terraform output and the store URL name it."""
        return self.arm["responses"]["200"]["body"]["properties"]["documentEndpoint"]

    def resolve(self, real: Any) -> Any:
        """A getaddrinfo that sends the account's host names here and everything else on."""

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name.endswith(DOMAIN):
                return real("127.0.0.1", self.port, *args, **kwargs)
            return real(host, port, *args, **kwargs)

        return getaddrinfo

    def data_calls(self) -> list[tuple[str, str, str]]:
        """(region, method, document id) of every document request, in order."""
        return [(c.region, c.method, unquote(c.path.rstrip("/").rsplit("/", 1)[1]) if c.method != "POST" else "")
                for c in self.calls if "/docs" in c.path]

    async def _handle(self, request: web.Request) -> web.Response:
        call = Call(request.host.split(":")[0], request.method, request.path, dict(request.headers))
        self.calls.append(call)
        if not call.host.endswith(DOMAIN):
            return self._violate(call, "not a Cosmos DB host")
        if not unquote(request.headers.get("authorization", "")).startswith("type=aad&ver=1.0&sig="):
            return web.json_response({"code": "Unauthorized", "message": "Local Authorization is disabled."}, status=401)
        parts = [p for p in request.path.split("/") if p]
        if request.method == "GET" and not parts:
            return web.json_response(account_document(self.arm))
        if parts[:4] != ["dbs", self.database, "colls", self.container]:
            return self._violate(call, "no such database or container")
        if len(parts) == 4 and request.method == "GET":
            return web.json_response(self._container())
        if parts[4:5] == ["docs"]:
            return await self._document(request, call, unquote(parts[5]) if len(parts) == 6 else None)
        return self._violate(call, "not an operation of this contract")

    async def _document(self, request: web.Request, call: Call, key: str | None) -> web.Response:
        partition = request.headers.get("x-ms-documentdb-partitionkey")
        if request.method == "POST" and key is None:
            body = await request.json()
            if partition != json.dumps([body["id"]]):
                return self._violate(call, f"partition key header {partition!r} is not [id]")
            if body["id"] in self.documents:
                return web.json_response({"code": "Conflict", "message": "Entity with the specified id already exists in the system."}, status=409)
            return self._store(body, 201)
        if key is None or partition != json.dumps([key]):
            return self._violate(call, f"document {key!r} with partition key header {partition!r}")
        current = self.documents.get(key)
        if current is None:
            return web.json_response({"code": "NotFound", "message": "Entity with the specified id does not exist in the system."}, status=404)
        if request.method == "GET":
            return web.json_response(current, headers={"etag": current["_etag"]})
        if request.method == "PUT":
            if request.headers.get("if-match") != current["_etag"]:
                return web.json_response({"code": "PreconditionFailed", "message": "Operation cannot be performed because one of the specified precondition is not met."}, status=412)
            return self._store(await request.json(), 200)
        return self._violate(call, "not an operation of this contract")

    def _store(self, body: dict[str, Any], status: int) -> web.Response:
        document = {**body, "_rid": uuid.uuid4().hex[:12], "_etag": f'"{uuid.uuid4()}"', "_ts": 0}
        self.documents[body["id"]] = document
        return web.json_response(document, status=status, headers={"etag": document["_etag"]})

    def _container(self) -> dict[str, Any]:
        return {"id": self.container, "_rid": "cont1", "_self": f"dbs/db1/colls/{self.container}/", "_etag": '"c1"',
                "partitionKey": {"paths": ["/id"], "kind": "Hash", "version": 2},
                "indexingPolicy": {"indexingMode": "consistent", "automatic": True}}

    def _violate(self, call: Call, problem: str) -> web.Response:
        self.violations.append(f"{call.method} https://{call.host}{call.path}: {problem}")
        return web.json_response({"code": "BadRequest", "message": problem}, status=400)

    async def __aenter__(self) -> CosmosServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._runner.cleanup()


def recorded(name: str) -> dict[str, Any]:
    return fixture("cosmosdb", name)

