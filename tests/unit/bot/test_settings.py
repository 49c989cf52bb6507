"""Settings from the vault: regional overrides, named problems, no secrets in repr or logs."""

from __future__ import annotations

import pytest

from geobot.bot import settings as names
from geobot.bot.settings import load_settings

GOOD = {
    names.LANGUAGE_ENDPOINT: "https://shared.cognitiveservices.azure.com",
    f"{names.LANGUAGE_ENDPOINT}-west": "https://west.cognitiveservices.azure.com",
    names.LANGUAGE_KEY: "language-key-value",
    names.STORE_URL: "https://acct.documents.azure.com:443/",
    names.STORE_KEY: "store-key-value",
    names.APP_ID: "app-id", names.APP_TENANT_ID: "tenant", names.APP_SECRET: "app-secret-value",
    names.DRILL_KEY: "drill-key-value",
}
KEYVAULT = "https://geobot.vault.azure.net"


def test_regional_secrets_win_over_shared_ones() -> None:
    west = load_settings(GOOD.get, "west", KEYVAULT)
    east = load_settings(GOOD.get, "east", KEYVAULT)
    assert west.language_endpoint == "https://west.cognitiveservices.azure.com"
    assert east.language_endpoint == "https://shared.cognitiveservices.azure.com"
    assert west.problems == {} and not west.anonymous
    assert (west.language_project, west.language_deployment, west.health_cache_seconds) == ("geobot", "production", 5.0)


def test_secret_values_stay_out_of_repr() -> None:
    text = repr(load_settings(GOOD.get, "west", KEYVAULT))
    for secret in ("language-key-value", "store-key-value", "app-secret-value", "drill-key-value"):
        assert secret not in text


@pytest.mark.parametrize("change, component, words", [
    ({names.LANGUAGE_ENDPOINT: None, f"{names.LANGUAGE_ENDPOINT}-west": None}, "language", names.LANGUAGE_ENDPOINT),
    ({f"{names.LANGUAGE_ENDPOINT}-west": "ftp://x"}, "language", "'local' or an https://"),
    ({names.STORE_URL: None}, "store", names.STORE_URL),
    ({names.STORE_URL: "mysql://x"}, "store", "sqlite:///"),
    ({names.APP_ID: None}, "identity", "anonymous is for local vaults only"),
    ({names.HEALTH_CACHE_SECONDS: "soon"}, "config", names.HEALTH_CACHE_SECONDS),
])
def test_missing_or_bad_settings_become_named_problems(change: dict, component: str, words: str) -> None:
    secrets = {**GOOD, **change}
    settings = load_settings(secrets.get, "west", KEYVAULT)
    assert list(settings.problems) == [component]
    assert words in settings.problems[component]


def test_an_https_endpoint_without_a_key_means_the_managed_identity() -> None:
    secrets = {**GOOD, names.LANGUAGE_KEY: None}  # as Terraform writes it: the endpoint, no key
    settings = load_settings(secrets.get, "west", KEYVAULT)
    assert settings.problems == {}
    assert (settings.language_endpoint, settings.language_key) == ("https://west.cognitiveservices.azure.com", None)


def test_anonymous_is_allowed_with_a_local_vault() -> None:
    secrets = {**GOOD, names.APP_ID: None}
    settings = load_settings(secrets.get, "west", "file:///tmp/vault")
    assert settings.anonymous and settings.problems == {}


def test_an_unreadable_vault_is_one_problem_and_asked_once() -> None:
    calls = []

    def failing(name: str) -> str:
        calls.append(name)
        raise PermissionError("token with the value secret-material")

    settings = load_settings(failing, "west", KEYVAULT)
    assert len(calls) == 1
    assert settings.problems["config"] == f"vault {KEYVAULT} unreadable: PermissionError"
    assert "secret-material" not in repr(settings)
    assert {"language", "store", "identity"} <= set(settings.problems)
