"""The DynamoDB region-map table: one item per Connect region, written only conditionally.

Both regions' health checks update the same item every minute. Each write carries the version
it read and fails if another run wrote first; the loser re-reads and re-applies its own check
results, so no run's counts are lost and no stale decision overwrites a newer one. geobot's
own writes (a drill's manual failback, a rolling update's hold) go through the same `update`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from . import TABLE_KEY
from .failover import Counters, State

MAX_ATTEMPTS = 5


class RegionMap:
    """Reads and conditionally writes the state item of one table through a DynamoDB client."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def read(self, connect_region: str, *, consistent: bool) -> State | None:
        """The stored state, or None when the item does not exist yet."""
        response = self._client.get_item(
            TableName=self._table,
            Key={TABLE_KEY: {"S": connect_region}},
            ConsistentRead=consistent,
        )
        item = response.get("Item")
        return None if item is None else _decode(item)

    def update(
        self,
        connect_region: str,
        default: State,
        change: Callable[[State], State],
    ) -> State:
        """Apply `change` to the stored state (or `default`) and write it if nobody wrote since.

        Retries on a conflicting write up to MAX_ATTEMPTS times, re-reading each time.
        """
        for _ in range(MAX_ATTEMPTS):
            current = self.read(connect_region, consistent=True)
            base = current or default
            stored = replace(change(base), version=base.version + 1)
            condition = (
                {
                    "ConditionExpression": "attribute_not_exists(#k)",
                    "ExpressionAttributeNames": {"#k": TABLE_KEY},
                }
                if current is None
                else {
                    "ConditionExpression": "#v = :v",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":v": {"N": str(base.version)}},
                }
            )
            try:
                self._client.put_item(
                    TableName=self._table, Item=_encode(connect_region, stored), **condition
                )
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                continue
            return stored
        raise RuntimeError(
            f"region map item {connect_region!r}: {MAX_ATTEMPTS} conflicting writes in a row"
        )


def _encode(connect_region: str, state: State) -> dict[str, Any]:
    return {
        TABLE_KEY: {"S": connect_region},
        "lexRegion": {"S": state.active},
        "changedAt": {"S": state.changed_at},
        "allDown": {"BOOL": state.all_down},
        "version": {"N": str(state.version)},
        **({"held": {"S": state.held}} if state.held else {}),
        "counters": {
            "M": {
                region: {
                    "M": {"failures": {"N": str(c.failures)}, "successes": {"N": str(c.successes)}}
                }
                for region, c in state.counters.items()
            }
        },
    }


def _decode(item: dict[str, Any]) -> State:
    counters = {
        region: Counters(
            failures=int(value["M"]["failures"]["N"]), successes=int(value["M"]["successes"]["N"])
        )
        for region, value in item.get("counters", {}).get("M", {}).items()
    }
    return State(
        active=item["lexRegion"]["S"],
        changed_at=item.get("changedAt", {}).get("S", ""),
        counters=counters,
        all_down=item.get("allDown", {}).get("BOOL", False),
        version=int(item.get("version", {}).get("N", "0")),
        held=item.get("held", {}).get("S"),
    )
