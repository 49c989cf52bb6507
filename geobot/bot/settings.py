"""Every setting the bot uses, read once at start from the central vault given by one URL.

Secret names (Key Vault rules: letters, digits, hyphens). `<region>` is the bot's region
name; a region-specific secret wins over the shared one, so each region can use its own
Language resource while sharing the rest.

    geobot-language-endpoint[-<region>]   "local" (recognizer trained from luis/) or
                                          https://<name>.cognitiveservices.azure.com   required
    geobot-language-model                 with "local": absolute path of the model the recognizer
                                          trains from (default: the sample luis/geobot.luis.json)
    geobot-language-key[-<region>]        Language resource key; absent: the managed identity
                                          (a Microsoft Entra token, as in Azure, where
                                          Terraform turns the keys off)
    geobot-language-project               CLU project name           (default: geobot)
    geobot-language-deployment            CLU deployment name        (default: production)
    geobot-store-url                      sqlite:///abs/path.db, or the Cosmos DB endpoint
                                          https://<acct>.documents.azure.com:443/
                                          [?database=geobot&container=conversations
                                          &regions=<bot regions in failover order>]   required
    geobot-store-key                      Cosmos DB key; absent: the managed identity
    geobot-app-id                         the bot's Entra app (client) id; absent: anonymous,
                                          allowed only with a local (file://) vault
    geobot-app-tenant-id                  its tenant (single-tenant or managed identity)
    geobot-app-secret                     its client secret; absent: user-assigned managed identity
    geobot-drill-key                      enables the drill hook (see `geobot.bot`)
    geobot-health-cache-seconds           how long a deep health result is reused (default 5)
    geobot-acme-<sha256(token) hex>       HTTP-01 key authorization for that token;
                                          name it with `acme_secret_name(token)`

Missing or bad settings do not stop the bot: each becomes a problem of its health component
("config", "identity", "language", "store"), and `/api/health` answers 503 naming it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from geobot.bot.refusal import refusal

LANGUAGE_ENDPOINT = "geobot-language-endpoint"
LANGUAGE_KEY = "geobot-language-key"
LANGUAGE_MODEL = "geobot-language-model"
LANGUAGE_PROJECT = "geobot-language-project"
LANGUAGE_DEPLOYMENT = "geobot-language-deployment"
STORE_URL = "geobot-store-url"
STORE_KEY = "geobot-store-key"
APP_ID = "geobot-app-id"
APP_TENANT_ID = "geobot-app-tenant-id"
APP_SECRET = "geobot-app-secret"
DRILL_KEY = "geobot-drill-key"
HEALTH_CACHE_SECONDS = "geobot-health-cache-seconds"
ACME_PREFIX = "geobot-acme-"

REGION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
ACME_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def acme_secret_name(token: str) -> str:
    """The vault secret holding a token's key authorization (tokens may hold '_', names may not)."""
    if not ACME_TOKEN.fullmatch(token):
        raise ValueError("an ACME token is 1-256 characters of A-Z a-z 0-9 _ -")
    return ACME_PREFIX + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Settings:
    """What the bot runs with. Secret values are kept out of repr, so they never reach a log."""

    region: str
    vault_url: str
    language_endpoint: str | None = None
    language_key: str | None = field(default=None, repr=False)
    language_model: str | None = None
    language_project: str = "geobot"
    language_deployment: str = "production"
    store_url: str | None = None
    store_key: str | None = field(default=None, repr=False)
    app_id: str | None = None
    app_tenant_id: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    drill_key: str | None = field(default=None, repr=False)
    health_cache_seconds: float = 5.0
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.app_id is None


def load_settings(get_secret: Callable[[str], str | None], region: str, vault_url: str) -> Settings:
    """Read every setting; what is missing or wrong becomes a named problem, never an exception."""
    problems: dict[str, str] = {}
    values: dict[str, str | None] = {}
    vault_failed: list[str] = []

    def read(name: str, regional: bool = False) -> str | None:
        names = [f"{name}-{region}", name] if regional else [name]
        for candidate in names:
            if candidate not in values and vault_failed:
                values[candidate] = None  # the vault failed once: do not wait on it for every name
            if candidate not in values:
                try:
                    value = get_secret(candidate)
                except Exception as exc:  # any vault failure: its kind or refusal, never its text
                    vault_failed.append(candidate)
                    problems["config"] = f"vault {vault_url} unreadable: {refusal(exc) or exc.__class__.__name__}"
                    value = None
                values[candidate] = value.strip() if isinstance(value, str) and value.strip() else None
            if values[candidate] is not None:
                return values[candidate]
        return None

    endpoint, key = read(LANGUAGE_ENDPOINT, regional=True), read(LANGUAGE_KEY, regional=True)
    if endpoint is None:
        problems["language"] = f"not configured: secret {LANGUAGE_ENDPOINT} is missing"
    elif endpoint != "local" and not endpoint.startswith(("https://", "http://")):
        problems["language"] = f"secret {LANGUAGE_ENDPOINT} must be 'local' or an https:// endpoint"
    store_url = read(STORE_URL)
    if store_url is None:
        problems["store"] = f"not configured: secret {STORE_URL} is missing"
    elif not store_url.startswith(("sqlite:///", "https://")):
        problems["store"] = f"secret {STORE_URL} must be sqlite:///abs/path.db or a Cosmos DB https:// endpoint"
    app_id = read(APP_ID)
    if app_id is None and not vault_url.startswith("file://"):
        problems["identity"] = f"not configured: secret {APP_ID} is missing (anonymous is for local vaults only)"
    cache = read(HEALTH_CACHE_SECONDS)
    try:
        cache_seconds = float(cache) if cache is not None else 5.0
        if not 0 <= cache_seconds <= 3600:
            raise ValueError
    except ValueError:
        problems["config"] = f"secret {HEALTH_CACHE_SECONDS} must be a number of seconds in 0..3600"
        cache_seconds = 5.0
    return Settings(
        region=region,
        vault_url=vault_url,
        language_endpoint=endpoint,
        language_key=key,
        language_model=read(LANGUAGE_MODEL),
        language_project=read(LANGUAGE_PROJECT) or "geobot",
        language_deployment=read(LANGUAGE_DEPLOYMENT) or "production",
        store_url=store_url,
        store_key=read(STORE_KEY),
        app_id=app_id,
        app_tenant_id=read(APP_TENANT_ID),
        app_secret=read(APP_SECRET),
        drill_key=read(DRILL_KEY),
        health_cache_seconds=cache_seconds,
        problems=problems,
    )
