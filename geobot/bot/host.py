"""Imports the configured bot, calls its factory and turns what it returns into /api/messages.

A bot that cannot be loaded does not stop the process: like a missing setting, it becomes the
health component "app" (503 naming it, so the router or Traffic Manager sends callers to a
region whose bot works), and /api/messages answers 503 with the same reason. The reason names
the spec and what went wrong; the user's traceback goes to the bot's log only.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
from collections.abc import Callable

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter

from geobot.bot.appspec import AppSpec, AppSpecError, check, parse
from geobot.bot.contract import Agent, BotContext, Handler

log = logging.getLogger("geobot.bot")


class BotLoadError(Exception):
    """The bot named by the spec cannot serve; `message` says why, for health and logs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_factory(spec: AppSpec) -> Callable[[BotContext], object]:
    where = f"{spec.directory}/{spec.module}.py" if spec.directory else spec.module
    try:
        check(spec)
    except AppSpecError as exc:
        raise BotLoadError(f"bot app {where}: {exc.rule}") from None
    if spec.directory is not None and str(spec.directory) not in sys.path:
        sys.path.insert(0, str(spec.directory))
    try:
        module = importlib.import_module(spec.module)
    except ImportError as exc:
        raise BotLoadError(f"bot app {where} does not import: {exc} (missing from requirements.txt?)") from exc
    except Exception as exc:
        log.error("importing the bot app %s failed", where, exc_info=exc)
        raise BotLoadError(f"bot app {where} does not import: {exc.__class__.__name__} (traceback in the bot's log)") from exc
    factory = getattr(module, spec.factory, None)
    if not callable(factory):
        raise BotLoadError(f"bot app {where} has no callable {spec.factory}")
    return factory


def build_bot(spec: AppSpec, context: BotContext) -> Agent | Handler:
    """The factory's bot, checked against the contract (`geobot.bot.contract`)."""
    factory = load_factory(spec)
    name = f"{spec.module}.{spec.factory}"
    try:
        bot = factory(context)
    except Exception as exc:
        log.error("the bot factory %s failed", name, exc_info=exc)
        raise BotLoadError(f"{name}(context) raised {exc.__class__.__name__} (traceback in the bot's log)") from exc
    if inspect.iscoroutine(bot):
        bot.close()
        raise BotLoadError(f"{name} is async: the factory must return the bot, not a coroutine")
    if inspect.iscoroutinefunction(getattr(bot, "on_turn", None)) or _is_handler(bot):
        return bot  # type: ignore[return-value]
    raise BotLoadError(f"{name} returned {type(bot).__name__}: it must return an Agents-SDK agent "
                       "(with async on_turn) or an aiohttp handler (async def handler(request))")


def messages_handler(bot: Agent | Handler, adapter: CloudAdapter) -> Handler:
    """What POST /api/messages runs (behind the host's JWT check)."""
    if inspect.iscoroutinefunction(getattr(bot, "on_turn", None)):
        agent = bot

        async def process(request: web.Request) -> web.StreamResponse:
            return await adapter.process(request, agent)

        return process
    return bot  # type: ignore[return-value]


def open_bot(value: str, context: BotContext, adapter: CloudAdapter) -> tuple[Handler | None, str | None]:
    """(the messages handler, None), or (None, why the bot cannot serve)."""
    try:
        return messages_handler(build_bot(parse(value), context), adapter), None
    except AppSpecError as exc:
        return None, f"bot app {value!r}: {exc.rule}"
    except BotLoadError as exc:
        return None, exc.message


def _is_handler(bot: object) -> bool:
    return inspect.iscoroutinefunction(bot) or inspect.iscoroutinefunction(getattr(bot, "__call__", None))
