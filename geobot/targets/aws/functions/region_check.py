"""Region-check Lambda: Amazon Connect asks it, on every contact, which Lex region to use.

It answers from a per-container cache of CACHE seconds, so a busy contact centre reads the
table a few times a minute, not on every call. It never answers with a value no bot serves:
when the table is unreachable, or holds something that is not a configured region (the post's
`err`), it answers the last good value it had, else the primary.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from . import settings as config
from .regionmap import RegionMap

#: Connect waits at most 8 s for a function; a table that slow is treated as unreachable.
DYNAMODB_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2})


class RegionCheck:
    """The region map seen through a short cache; one instance per warm container."""

    def __init__(
        self,
        settings: config.RegionCheckSettings,
        region_map: RegionMap,
        own_region: str,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = print,
    ) -> None:
        self._settings = settings
        self._map = region_map
        self._own_region = own_region
        self._clock = clock
        self._log = log
        self._cache: dict[str, tuple[float, str]] = {}

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str], client: Callable[..., Any] = boto3.client
    ) -> RegionCheck:
        """Validate the environment and build the DynamoDB client."""
        settings = config.region_check(env)
        region = settings.common.table_region
        dynamodb = client(
            "dynamodb", config=DYNAMODB_CLIENT_CONFIG, **({"region_name": region} if region else {})
        )
        own_region = env.get("AWS_REGION") or settings.common.primary
        return cls(settings, RegionMap(dynamodb, settings.common.table_name), own_region)

    def answer(self, event: Mapping[str, Any]) -> dict[str, str]:
        """The Lex region and bot alias ARN for the caller's Connect region, as flat strings."""
        connect_region = self._connect_region(event)
        region, source = self._lookup(connect_region)
        return {
            "lexRegion": region,
            "botAliasArn": self._settings.common.aliases[region].arn,
            "source": source,
        }

    def _lookup(self, connect_region: str) -> tuple[str, str]:
        now = self._clock()
        cached = self._cache.get(connect_region)
        if cached is not None and now - cached[0] < self._settings.cache_seconds:
            return cached[1], "cache"
        regions = self._settings.common.regions
        try:
            state = self._map.read(connect_region, consistent=False)
        except (ClientError, BotoCoreError) as e:
            state, problem = None, f"table unreachable: {e}"
        else:
            problem = (
                ""
                if state is None or state.active in regions
                else (f"table holds {state.active!r}, not one of {list(regions)}")
            )
        if problem:
            region = cached[1] if cached is not None else self._settings.common.primary
            self._log(
                json.dumps(
                    {"connectRegion": connect_region, "fallback": region, "problem": problem}
                )
            )
            source = "fallback"
        else:
            region = state.active if state is not None else self._settings.common.primary
            source = "table" if state is not None else "default"
        self._cache[connect_region] = (now, region)
        return region, source

    def _connect_region(self, event: Mapping[str, Any]) -> str:
        """From the flow's `connectRegion` parameter, else the instance ARN, else our region."""
        details = event.get("Details", {})
        given = details.get("Parameters", {}).get("connectRegion")
        if given:
            return str(given)
        arn = details.get("ContactData", {}).get("InstanceARN", "")
        parts = arn.split(":")
        return parts[3] if len(parts) > 3 and parts[3] else self._own_region


_instance: RegionCheck | None = None


def handler(event: Mapping[str, Any], context: Any) -> dict[str, str]:
    """Lambda entry point; the first call in a container validates the configuration."""
    global _instance
    if _instance is None:
        _instance = RegionCheck.from_environment(os.environ)
    return _instance.answer(event)
