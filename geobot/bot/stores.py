"""The conversation store behind one connection URL: SQLite locally, Cosmos DB in Azure.

Both keep JSON documents with ETags and raise `PreconditionFailed` when a write names a
stale ETag, so two regions can never silently overwrite each other's turn. Cosmos DB is
reached with azure-cosmos (imported only on that branch), writing with `If-Match` (replace)
or create-only (insert); documents are stored as `{"id": key, "doc": {...}}` in a container
partitioned on `/id`.

The account has one write region (docs/azure.md, "Cosmos DB: one write region"): every bot
writes there, so `If-Match` is checked against the one authoritative copy, and reads its own
region's replica first (`preferred_locations`: this region, then the URL's `regions` in
failover order). A stale local read only makes the write fail and the turn be redone.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from geobot.errors import InputError
from geobot.targets.local.store import PreconditionFailed, SqliteStore


class Store(Protocol):
    def read(self, key: str) -> tuple[dict, str] | None: ...
    def write(self, key: str, doc: dict, etag: str | None) -> str: ...
    def delete(self, key: str, etag: str | None = None) -> None: ...


class CosmosStore:
    """Documents in one Cosmos DB container, with Cosmos's own ETags."""

    def __init__(self, url: str, key: str | None = None, credential: Any = None, region: str | None = None,
                 **client_options: Any) -> None:
        from azure.cosmos import CosmosClient, PartitionKey

        parts = urlparse(url)
        query = parse_qs(parts.query)
        endpoint = f"{parts.scheme}://{parts.netloc}/"
        if credential is None and key is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
        failover_order = [r for r in query.get("regions", [""])[0].split(",") if r]
        client = CosmosClient(endpoint, credential=key or credential,
                              preferred_locations=preferred_locations(region, failover_order),
                              multiple_write_locations=False, **client_options)
        database = client.get_database_client(query.get("database", ["geobot"])[0])
        self._container = database.create_container_if_not_exists(
            query.get("container", ["conversations"])[0], partition_key=PartitionKey(path="/id")
        )

    def read(self, key: str) -> tuple[dict, str] | None:
        from azure.cosmos.exceptions import CosmosResourceNotFoundError

        try:
            item = self._container.read_item(item=key, partition_key=key)
        except CosmosResourceNotFoundError:
            return None
        return item["doc"], item["_etag"]

    def write(self, key: str, doc: dict, etag: str | None) -> str:
        from azure.core import MatchConditions
        from azure.cosmos import exceptions

        body = {"id": key, "doc": doc}
        try:
            if etag is None:
                item = self._container.create_item(body)
            else:
                item = self._container.replace_item(
                    item=key, body=body, etag=etag, match_condition=MatchConditions.IfNotModified
                )
        except (exceptions.CosmosResourceExistsError, exceptions.CosmosAccessConditionFailedError,
                exceptions.CosmosResourceNotFoundError) as exc:
            raise PreconditionFailed(f"document {key!r} changed since it was read",
                                     "read it again and redo the change") from exc
        return item["_etag"]

    def delete(self, key: str, etag: str | None = None) -> None:
        from azure.core import MatchConditions
        from azure.cosmos import exceptions

        condition = {} if etag is None else {"etag": etag, "match_condition": MatchConditions.IfNotModified}
        try:
            self._container.delete_item(item=key, partition_key=key, **condition)
        except exceptions.CosmosResourceNotFoundError:
            return
        except exceptions.CosmosAccessConditionFailedError as exc:
            raise PreconditionFailed(f"document {key!r} changed since it was read",
                                     "read it again before deleting") from exc


def preferred_locations(region: str | None, failover_order: list[str]) -> list[str]:
    """Where a region's bot reads: its own replica, then the others in failover order.

    Names as the bot knows them (`koreacentral`); the SDK matches them to the account's
    display names (`Korea Central`) ignoring case, spaces and hyphens.
    """
    own = [region] if region else []
    return own + [r for r in failover_order if r != region]


def open_store(url: str, key: str | None = None, region: str | None = None) -> Store:
    """The store a connection URL names: `sqlite:///…` or a Cosmos DB `https://…` endpoint."""
    if url.startswith("sqlite:"):
        return SqliteStore.from_url(url)
    if url.startswith("https://"):
        return CosmosStore(url, key, region=region)
    raise InputError(f"store URL {url!r}: expected sqlite:///absolute/path.db or https://<account>.documents.azure.com",
                     "set the vault secret geobot-store-url to one of those forms")
