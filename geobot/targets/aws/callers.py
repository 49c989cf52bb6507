"""Where callers go: the region map's item, and the region check that reads it for Amazon Connect.

geobot changes the item as the health checks do, through `functions.regionmap.RegionMap`: a
conditional write that, having lost to a check's write, reads again and applies its change to
what the check wrote. The region check answers from a cache of a few seconds, so a change
reaches callers once the region check says so, which `wait` asks until it does.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from geobot.errors import CloudError
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.lambdas import invoke

if TYPE_CHECKING:
    from geobot.targets.aws.functions.failover import State
    from geobot.targets.aws.functions.regionmap import RegionMap

T = TypeVar("T")

CALLERS_WAIT_S = 15.0  # the region check answers from a cache of a few seconds


def send(state: State, region: str) -> State:
    """`state` with callers sent to `region`; `changed_at` says when they last moved, as the checks keep it."""
    if state.active == region:
        return state
    return dataclasses.replace(state, active=region, changed_at=datetime.now(UTC).isoformat())


class Callers:
    """`applied`: the outputs of terraform/aws that name the region map (and, once the functions are
    deployed, the region check)."""

    def __init__(self, session: AwsSession, applied: Mapping[str, Any], clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.region_map: dict[str, Any] = dict(applied["region_map"])
        self.region_check: dict[str, Any] = dict(applied.get("region_check") or {})
        self.clock = clock
        self.sleep = sleep

    def read(self) -> State | None:
        """The item as its write replica holds it now (a consistent read), None before the first check."""
        return self._run("read the region map", lambda table, key: table.read(key, consistent=True))

    def change(self, action: str, default: State, change: Callable[[State], State]) -> State:
        """Apply `change` to the item (or to `default` if there is none) by a conditional write."""
        return self._run(action, lambda table, key: table.update(key, default, change))

    def region(self) -> str:
        """What the region-check function answers a caller now, as Amazon Connect asks it on every call."""
        connect_region = self.region_check["region"]
        answer = invoke(self.session.api("lambda", connect_region), self.region_check["function_name"],
                        {"Details": {"Parameters": {"connectRegion": connect_region}}})
        return str(answer["lexRegion"])

    def wait(self, arrived: Callable[[str], bool], moved: str) -> None:
        """Ask the region check until its answer is `arrived`; `moved` says what the map did, for the error."""
        deadline = self.clock() + CALLERS_WAIT_S
        while not arrived(answer := self.region()):
            if self.clock() >= deadline:
                raise CloudError(f"the region check still sends callers to {answer} {CALLERS_WAIT_S:g} s after the "
                                 f"region map {moved}", "see the region-check function's log")
            self.sleep(1.0)

    def _run(self, action: str, work: Callable[[RegionMap, str], T]) -> T:
        """`work(table, item key)` on the write replica, botocore's errors translated."""
        from geobot.targets.aws.functions.regionmap import RegionMap

        api = self.session.api("dynamodb", self.region_map["write_region"])
        return api.run(action, lambda client: work(RegionMap(client, self.region_map["table_name"]),
                                                   self.region_map["item_key"]))
