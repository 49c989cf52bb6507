"""Derived resource names: deterministic, distinct per region, and within every real limit."""

from __future__ import annotations

import pytest

from geobot import naming
from geobot.regions import AWS_REGIONS, AZURE_REGIONS, LEX_V2_REGIONS, short_name

SHORTEST, LONGEST = "a", "a" + "9" * 18  # the bot-name rule allows 1-19 characters


def test_the_bot_name_rule_allows_one_to_nineteen_lowercase_letters_and_digits() -> None:
    assert naming.BOT_NAME.fullmatch(SHORTEST) and naming.BOT_NAME.fullmatch(LONGEST)
    for bad in ["", "a" * 20, "1abc", "MyBot", "my-bot", "my_bot", "bot.x"]:
        assert not naming.BOT_NAME.fullmatch(bad), bad


@pytest.mark.parametrize("name", [SHORTEST, LONGEST])
@pytest.mark.parametrize("region", sorted(AZURE_REGIONS))
def test_every_azure_name_fits_its_limit_for_any_bot_name_and_region(name: str, region: str) -> None:
    names = {**naming.global_names("azure", name), **naming.regional_names("azure", name, region)}
    assert naming.violations("azure", names) == []


@pytest.mark.parametrize("name", [SHORTEST, LONGEST])
@pytest.mark.parametrize("region", sorted(LEX_V2_REGIONS))
def test_every_aws_name_fits_its_limit_for_any_bot_name_and_lex_region(name: str, region: str) -> None:
    names = {**naming.global_names("aws", name), **naming.regional_names("aws", name, region)}
    assert naming.violations("aws", names) == []


def test_the_local_target_uses_the_azure_names_it_simulates() -> None:
    assert naming.global_names("local", "mybot") == naming.global_names("azure", "mybot")
    assert naming.regional_names("local", "mybot", "japaneast") == naming.regional_names("azure", "mybot", "japaneast")


def test_names_are_deterministic_and_embed_the_region_short_form() -> None:
    assert naming.regional_names("azure", "mybot", "koreacentral")["web_app"] == "app-mybot-krc"
    assert naming.regional_names("aws", "mybot", "us-east-1")["lex_bot"] == "mybot-bot-use1"
    assert naming.global_names("azure", "mybot")["traffic_manager_dns"] == "mybot"


@pytest.mark.parametrize("regions", [sorted(AZURE_REGIONS), sorted(AWS_REGIONS)])
def test_short_forms_are_unique_so_regional_names_never_collide(regions: list[str]) -> None:
    shorts = [short_name(region) for region in regions]
    assert len(set(shorts)) == len(shorts)
    assert max(len(s) for s in shorts) <= 5


@pytest.mark.parametrize(
    ("target", "kind", "bad"),
    [
        ("azure", "key_vault", "kv"),  # too short
        ("azure", "key_vault", "k" * 25),
        ("azure", "key_vault", "1kv-mybot"),  # must start with a letter
        ("azure", "key_vault", "kv--mybot"),  # consecutive hyphens
        ("azure", "key_vault", "kv-mybot-"),
        ("azure", "storage_account", "st-mybot"),
        ("azure", "storage_account", "stMyBot"),
        ("azure", "storage_account", "s" * 25),
        ("azure", "cosmos_account", "c" * 45),
        ("azure", "cosmos_account", "-cosmos"),
        ("azure", "web_app", "a"),
        ("azure", "web_app", "a" * 61),
        ("azure", "web_app", "app-mybot-"),
        ("azure", "traffic_manager_dns", "My-Bot"),
        ("azure", "traffic_manager_dns", "b" * 64),
        ("azure", "resource_group", "r" * 91),
        ("azure", "resource_group", "rg."),
        ("azure", "language_account", "lang_mybot"),
        ("azure", "bot", "-bot"),
        ("aws", "lex_bot", "my--bot"),
        ("aws", "lex_bot", "b" * 101),
        ("aws", "region_check_function", "f" * 65),
        ("aws", "dynamodb_table", "ab"),
        ("aws", "lambda_role", "role with space"),
    ],
)
def test_rules_reject_names_the_cloud_rejects(target: str, kind: str, bad: str) -> None:
    assert naming.violations(target, {kind: bad}) == [(bad, naming.rules(target)[kind])]
