"""Configuration is validated at cold start, with a message naming the variable."""

from __future__ import annotations

import json

import pytest

from geobot.targets.aws.functions import settings
from geobot.targets.aws.functions.settings import ConfigurationError

from .conftest import ALIASES, PRIMARY, SECONDARY, environment


def test_defaults_and_parsed_aliases() -> None:
    env = environment()
    for name in ("GEOBOT_PROBES", "GEOBOT_FAILOVER_AFTER", "GEOBOT_FAILBACK_AFTER"):
        del env[name]
    s = settings.health_check(env)
    assert (s.probes, s.failover_after, s.failback_after, s.failback) == (3, 3, 5, "auto")
    assert (s.min_confidence, s.locale_id, s.connect_region) == (0.8, "en_US", PRIMARY)
    alias = s.common.aliases[SECONDARY]
    assert (alias.bot_id, alias.alias_id, alias.arn) == (
        "BOTWEST001",
        "ALIASW0001",
        ALIASES[SECONDARY],
    )
    assert settings.region_check(environment()).cache_seconds == 5.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GEOBOT_TABLE_NAME", "", "GEOBOT_TABLE_NAME: required"),
        ("GEOBOT_REGIONS", "us-east-1", "GEOBOT_REGIONS: give at least two"),
        ("GEOBOT_REGIONS", "us-east-1,us-east-1", "GEOBOT_REGIONS: give at least two"),
        ("GEOBOT_BOT_ALIAS_ARNS", "{", "GEOBOT_BOT_ALIAS_ARNS: not JSON"),
        (
            "GEOBOT_BOT_ALIAS_ARNS",
            json.dumps({PRIMARY: ALIASES[PRIMARY]}),
            "one bot alias ARN for each",
        ),
        (
            "GEOBOT_BOT_ALIAS_ARNS",
            json.dumps({PRIMARY: ALIASES[SECONDARY], SECONDARY: ALIASES[SECONDARY]}),
            r"GEOBOT_BOT_ALIAS_ARNS\[us-east-1\]: a Lex V2 bot alias ARN in us-east-1",
        ),
        ("GEOBOT_TEST_UTTERANCE", " ", "GEOBOT_TEST_UTTERANCE: required"),
        ("GEOBOT_EXPECTED_INTENT", "", "GEOBOT_EXPECTED_INTENT: required"),
        ("GEOBOT_MIN_CONFIDENCE", "1.5", "GEOBOT_MIN_CONFIDENCE: a float from 0.0 to 1.0"),
        ("GEOBOT_PROBES", "three", "GEOBOT_PROBES: a int from 1 to 10"),
        ("GEOBOT_FAILOVER_AFTER", "0", "GEOBOT_FAILOVER_AFTER: a int from 1"),
        ("GEOBOT_FAILBACK", "sometimes", "GEOBOT_FAILBACK: one of"),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        settings.health_check(environment(**{name: value}))


def test_cache_seconds_is_bounded() -> None:
    with pytest.raises(ConfigurationError, match="GEOBOT_CACHE_SECONDS"):
        settings.region_check(environment(GEOBOT_CACHE_SECONDS="-1"))
