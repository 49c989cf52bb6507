"""Configuration of both functions from environment variables, checked once per cold start.

A bad value stops the function on its first invocation with one message naming the variable,
instead of failing later in a probe or, worse, writing a bad region into the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

_ALIAS_ARN = re.compile(
    r"^arn:aws[a-z-]*:lex:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"bot-alias/(?P<bot>[0-9A-Z]{10})/(?P<alias>[0-9A-Z]{10})$"
)
FAILBACK_MODES = ("auto", "manual")


class ConfigurationError(ValueError):
    """An environment variable is missing or invalid; the message names it and the rule."""


@dataclass(frozen=True)
class BotAlias:
    """The published alias of the bot in one region, as Connect and the Lex runtime need it."""

    region: str
    arn: str
    bot_id: str
    alias_id: str


@dataclass(frozen=True)
class Common:
    """What both functions need: where the region map is and which bots exist."""

    table_name: str
    table_region: str | None
    regions: tuple[str, ...]
    aliases: Mapping[str, BotAlias]

    @property
    def primary(self) -> str:
        """The first configured region: active until a failover, the default when in doubt."""
        return self.regions[0]


@dataclass(frozen=True)
class HealthCheckSettings:
    """The health check's probe and failover policy."""

    common: Common
    connect_region: str
    locale_id: str
    utterance: str
    expected_intent: str
    min_confidence: float
    probes: int
    failover_after: int
    failback_after: int
    failback: str


@dataclass(frozen=True)
class RegionCheckSettings:
    """The region check's settings: the common part and how long an answer stays cached."""

    common: Common
    cache_seconds: float


def common(env: Mapping[str, str]) -> Common:
    """Table and bots: GEOBOT_TABLE_NAME, _TABLE_REGION, _REGIONS, _BOT_ALIAS_ARNS."""
    regions = tuple(r.strip() for r in _required(env, "GEOBOT_REGIONS").split(",") if r.strip())
    if len(regions) < 2 or len(set(regions)) != len(regions):
        raise ConfigurationError(
            "GEOBOT_REGIONS: give at least two distinct regions, primary first, "
            f"e.g. 'us-east-1,us-west-2' (got {env['GEOBOT_REGIONS']!r})"
        )
    try:
        arns = json.loads(_required(env, "GEOBOT_BOT_ALIAS_ARNS"))
    except json.JSONDecodeError as e:
        raise ConfigurationError(f"GEOBOT_BOT_ALIAS_ARNS: not JSON ({e})") from e
    if not isinstance(arns, dict) or set(arns) != set(regions):
        raise ConfigurationError(
            "GEOBOT_BOT_ALIAS_ARNS: a JSON object with one bot alias ARN for each region of "
            f"GEOBOT_REGIONS {list(regions)}"
        )
    return Common(
        table_name=_required(env, "GEOBOT_TABLE_NAME"),
        table_region=env.get("GEOBOT_TABLE_REGION") or None,
        regions=regions,
        aliases={region: _alias(region, arns[region]) for region in regions},
    )


def health_check(env: Mapping[str, str]) -> HealthCheckSettings:
    """The health check's settings; every threshold has a default but the probe itself."""
    base = common(env)
    connect_region = env.get("GEOBOT_CONNECT_REGION") or base.primary
    failback = env.get("GEOBOT_FAILBACK", "auto")
    if failback not in FAILBACK_MODES:
        raise ConfigurationError(f"GEOBOT_FAILBACK: one of {FAILBACK_MODES} (got {failback!r})")
    return HealthCheckSettings(
        common=base,
        connect_region=connect_region,
        locale_id=env.get("GEOBOT_LOCALE_ID", "en_US"),
        utterance=_required(env, "GEOBOT_TEST_UTTERANCE"),
        expected_intent=_required(env, "GEOBOT_EXPECTED_INTENT"),
        min_confidence=_number(env, "GEOBOT_MIN_CONFIDENCE", 0.8, 0.0, 1.0, float),
        probes=int(_number(env, "GEOBOT_PROBES", 3, 1, 10, int)),
        failover_after=int(_number(env, "GEOBOT_FAILOVER_AFTER", 3, 1, 100, int)),
        failback_after=int(_number(env, "GEOBOT_FAILBACK_AFTER", 5, 1, 1000, int)),
        failback=failback,
    )


def region_check(env: Mapping[str, str]) -> RegionCheckSettings:
    """The region check's settings; the cache stays short so a failover reaches callers fast."""
    return RegionCheckSettings(
        common=common(env),
        cache_seconds=_number(env, "GEOBOT_CACHE_SECONDS", 5.0, 0.0, 60.0, float),
    )


def _alias(region: str, arn: object) -> BotAlias:
    match = _ALIAS_ARN.match(arn) if isinstance(arn, str) else None
    if match is None or match["region"] != region:
        raise ConfigurationError(
            f"GEOBOT_BOT_ALIAS_ARNS[{region}]: a Lex V2 bot alias ARN in {region}, "
            f"arn:aws:lex:{region}:<account>:bot-alias/<bot id>/<alias id> (got {arn!r})"
        )
    return BotAlias(region=region, arn=arn, bot_id=match["bot"], alias_id=match["alias"])


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"{name}: required, not set")
    return value


def _number(
    env: Mapping[str, str], name: str, default: float, low: float, high: float, kind: type
) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError as e:
        raise ConfigurationError(
            f"{name}: a {kind.__name__} from {low} to {high} (got {raw!r})"
        ) from e
    if not low <= value <= high:
        raise ConfigurationError(f"{name}: a {kind.__name__} from {low} to {high} (got {raw!r})")
    return value
