"""Publishing a region's Lex V2 bot, the steps Terraform cannot do: build, version, alias.

Terraform leaves each bot's locale and intents in DRAFT. `publish` builds the locale and
waits for it, creates a numbered version from DRAFT and waits for it, points the alias at that
version (created the first time, updated after, so its id and every ARN built from it stay the
same), waits for the alias, and deletes the older versions no alias uses (Lex keeps at most a
hundred). A rolling update keeps them (`prune=False`) until the region passes its health check,
so the version it served before is still there to go back to, and then calls `prune`.
`unpublish` deletes the alias and waits until it is gone, because Lex refuses to delete a bot
that has one; the versions go with the bot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geobot.targets.aws.clients import Api, WaitFailed
from geobot.targets.aws.errors import AwsNotFound

DRAFT = "DRAFT"
DESCRIPTION = "geobot: the version the health checks and Amazon Connect use"


@dataclass(frozen=True)
class Bot:
    """One region's bot as `terraform/aws` outputs it (`bots`)."""

    region: str
    bot_id: str
    locale_id: str
    alias_name: str


@dataclass(frozen=True)
class Published:
    region: str
    alias_id: str
    version: str
    deleted_versions: tuple[str, ...]


def publish(lex: Api, bot: Bot, note: Callable[[str], None], prune: bool = True) -> Published:
    """Build DRAFT, make it a version, point the alias at it, drop the versions nothing uses (unless not `prune`)."""
    ids = {"botId": bot.bot_id}
    lex.call("build_bot_locale", "build the bot locale", **ids, botVersion=DRAFT, localeId=bot.locale_id)
    note(f"{bot.region}: building locale {bot.locale_id}")
    try:
        lex.wait("bot_locale_built", "build the bot locale", **ids, botVersion=DRAFT, localeId=bot.locale_id)
    except WaitFailed as failed:
        reasons = "; ".join(failed.last.get("failureReasons") or []) or failed.last.get("botLocaleStatus", "")
        raise WaitFailed(f"{bot.region}: the bot locale {bot.locale_id} did not build: {reasons}",
                         "fix the language model ([bot] model in geobot.toml) and deploy again", failed.last) from failed
    version = lex.call("create_bot_version", "create a bot version", **ids, description=DESCRIPTION,
                       botVersionLocaleSpecification={bot.locale_id: {"sourceBotVersion": DRAFT}})["botVersion"]
    lex.wait("bot_version_available", "create a bot version", **ids, botVersion=version)
    note(f"{bot.region}: version {version} available")
    aliases = lex.pages("list_bot_aliases", "botAliasSummaries", "list the bot's aliases", **ids)
    alias = {"botAliasName": bot.alias_name, "botVersion": version, "description": DESCRIPTION,
             "botAliasLocaleSettings": {bot.locale_id: {"enabled": True}}}
    ours = next((a for a in aliases if a["botAliasName"] == bot.alias_name), None)
    if ours is None:
        alias_id = lex.call("create_bot_alias", f"create the alias {bot.alias_name}", **ids, **alias)["botAliasId"]
    else:
        alias_id = ours["botAliasId"]
        lex.call("update_bot_alias", f"point the alias {bot.alias_name} at version {version}", **ids,
                 botAliasId=alias_id, **alias)
    lex.wait("bot_alias_available", f"point the alias {bot.alias_name} at version {version}", **ids, botAliasId=alias_id)
    note(f"{bot.region}: alias {bot.alias_name} ({alias_id}) → version {version}")
    in_use = {version} | {a.get("botVersion") for a in aliases if a["botAliasId"] != alias_id}
    return Published(bot.region, alias_id, version, _delete_unused(lex, bot, in_use) if prune else ())


def prune(lex: Api, bot: Bot) -> tuple[str, ...]:
    """Delete the numbered versions no alias uses; returns their numbers."""
    aliases = lex.pages("list_bot_aliases", "botAliasSummaries", "list the bot's aliases", botId=bot.bot_id)
    return _delete_unused(lex, bot, {a.get("botVersion") for a in aliases})


def _delete_unused(lex: Api, bot: Bot, in_use: set[str | None]) -> tuple[str, ...]:
    ids = {"botId": bot.bot_id}
    versions = lex.pages("list_bot_versions", "botVersionSummaries", "list the bot's versions", **ids)
    old = tuple(v["botVersion"] for v in versions if v["botVersion"].isdigit() and v["botVersion"] not in in_use)
    for number in old:
        lex.call("delete_bot_version", f"delete the unused version {number}", **ids, botVersion=number)
    return old


def unpublish(lex: Api, bot: Bot, poll: float = 5.0, attempts: int = 60,
              sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Delete the alias (if any) and wait until it is gone; returns the deleted alias id."""
    ids = {"botId": bot.bot_id}
    try:
        aliases = lex.pages("list_bot_aliases", "botAliasSummaries", "list the bot's aliases", **ids)
    except AwsNotFound:
        return None  # the bot is gone already
    ours = next((a for a in aliases if a["botAliasName"] == bot.alias_name), None)
    if ours is None:
        return None
    alias_id = ours["botAliasId"]
    lex.call("delete_bot_alias", f"delete the alias {bot.alias_name}", **ids, botAliasId=alias_id)
    for _ in range(attempts):
        if not _exists(lex, bot.bot_id, alias_id):
            return alias_id
        sleep(poll)
    raise WaitFailed(f"{bot.region}: the alias {bot.alias_name} ({alias_id}) is still being deleted after "
                     f"{poll * attempts:.0f} s", "run `geobot destroy` again in a few minutes", {})


def _exists(lex: Api, bot_id: str, alias_id: str) -> bool:
    try:
        lex.call("describe_bot_alias", "read the alias", botId=bot_id, botAliasId=alias_id)
    except AwsNotFound:
        return False
    return True


def bots_of(outputs: dict[str, Any]) -> dict[str, Bot]:
    """The `bots` output of terraform/aws, region → Bot."""
    return {region: Bot(region, b["bot_id"], b["locale_id"], b["alias_name"])
            for region, b in (outputs.get("bots") or {}).items()}
