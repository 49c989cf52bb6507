"""The host around the user's bot: a bot that cannot serve is the health component "app", one that can gets geobot's routes."""

from __future__ import annotations

import asyncio
import random
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from geobot.chat.conversation import Conversation
from geobot.drill.script import StateChain
from tests.unit.bot.helpers import ROOT, drill, health, make_vault, say, serve, texts

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
ECHO = ROOT / "examples" / "echo-bot"


@pytest.fixture(autouse=True)
def fresh_imports() -> Iterator[None]:
    """Each test's `bot` module is its own: one bot process only ever loads one."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    sys.modules.pop("bot", None)


def bot_dir(tmp_path: Path, source: str) -> Path:
    directory = tmp_path / "mybot"
    directory.mkdir()
    (directory / "bot.py").write_text(textwrap.dedent(source))
    (directory / "requirements.txt").write_text("")
    return directory


def serve_once(tmp_path: Path, app: str, text: str = "hello") -> tuple[tuple[int, dict], tuple[int, str, dict]]:
    """(health status and body, the turn's status, region header and body) of a bot running `app`."""
    async def scenario():
        async with serve(make_vault(tmp_path), "west", app) as base, aiohttp.ClientSession() as http:
            return await health(http, base), await say(http, base, text)

    return asyncio.run(scenario())


UNSERVABLE = {
    "factory raises": ("def create_bot(context):\n    raise RuntimeError('no token for s3cret-api')\n",
                       "bot.create_bot(context) raised RuntimeError (traceback in the bot's log)"),
    "wrong type": ("def create_bot(context):\n    return 42\n",
                   "bot.create_bot returned int: it must return an Agents-SDK agent (with async on_turn) "
                   "or an aiohttp handler (async def handler(request))"),
    "async factory": ("async def create_bot(context):\n    return None\n",
                      "bot.create_bot is async: the factory must return the bot, not a coroutine"),
    "import fails": ("import nonexistent_package_for_geobot\ndef create_bot(context):\n    return None\n",
                     "does not import: No module named 'nonexistent_package_for_geobot' (missing from requirements.txt?)"),
    "import raises": ("raise ValueError('boom')\ndef create_bot(context):\n    return None\n",
                      "does not import: ValueError (traceback in the bot's log)"),
    "factory not callable": ("create_bot = 'not a function'\n", "has no callable create_bot"),
}


@pytest.mark.parametrize("source, reason", UNSERVABLE.values(), ids=UNSERVABLE.keys())
def test_a_bot_that_cannot_serve_is_the_unhealthy_component_app_and_turns_get_503(
    tmp_path: Path, source: str, reason: str
) -> None:
    (status, body), (turn_status, region, turn) = serve_once(tmp_path, str(bot_dir(tmp_path, source)))
    assert status == 503 and body["failed"] == ["app"]
    assert reason in body["components"]["app"]["reason"]
    assert "s3cret" not in str(body)  # the user's exception text stays in the log
    assert (turn_status, region, turn["component"]) == (503, "west", "app")


def test_a_module_that_cannot_be_found_is_named(tmp_path: Path) -> None:
    (status, body), _ = serve_once(tmp_path, "nowhere_to_be.found:create_bot")
    assert status == 503
    assert body["components"]["app"]["reason"] == "bot app nowhere_to_be.found: module 'nowhere_to_be.found' cannot be found"


def test_an_aiohttp_handler_serves_messages_and_the_host_adds_health_region_and_drill(tmp_path: Path) -> None:
    directory = bot_dir(tmp_path, """
        from aiohttp import web

        def create_bot(context):
            async def messages(request):
                body = await request.json()
                return web.json_response({"activities": [{"type": "message", "text": context.region + ": " + body["text"]}]})
            return messages
    """)

    async def scenario():
        async with serve(make_vault(tmp_path), "west", str(directory)) as base, aiohttp.ClientSession() as http:
            healthy = await health(http, base)
            turn = await say(http, base, "hi")
            injected = await drill(http, base, "health")
            return healthy, turn, injected, await health(http, base)

    (status, body), (turn_status, region, turn), injected, (drilled, after) = asyncio.run(scenario())
    assert status == 200 and "app" not in body["components"]
    assert (turn_status, region, texts(turn)) == (200, "west", ["west: hi"])
    assert injected == 200 and drilled == 503 and after["failed"] == ["drill"]


def test_the_echo_example_uses_its_context_recognizer_and_store_and_fails_over_cleanly_on_store_down(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, **{"geobot-language-model": str(ECHO / "echo.luis.json")})

    async def scenario():
        async with serve(vault, "west", str(ECHO)) as base, aiohttp.ClientSession() as http:
            turns = [await say(http, base, text) for text in ("hello", "bananas are yellow", "how many messages")]
            await drill(http, base, "store-down")
            return turns, await say(http, base, "hello again")

    turns, down = asyncio.run(scenario())
    assert [texts(body) for _, _, body in turns] == [
        ["Hello from west! Say anything and I echo it."],
        ["echo (None, message 2): bananas are yellow"],
        ["You have sent 3 messages."],
    ]
    assert (down[0], down[2]["component"]) == (503, "store")


def test_the_secret_reader_reads_the_vault(tmp_path: Path) -> None:
    directory = bot_dir(tmp_path, """
        from aiohttp import web

        def create_bot(context):
            greeting = context.secret("mybot-greeting")
            async def messages(request):
                return web.json_response({"activities": [{"type": "message", "text": greeting}]})
            return messages
    """)
    vault = make_vault(tmp_path, **{"mybot-greeting": "bonjour"})

    async def scenario():
        async with serve(vault, "west", str(directory)) as base, aiohttp.ClientSession() as http:
            return await say(http, base, "hi")

    assert texts(asyncio.run(scenario())[2]) == ["bonjour"]



def test_each_turn_tells_what_it_wrote_so_the_drill_sees_state_carried_over_or_lost(tmp_path: Path) -> None:
    """The echo bot keeps its count under echo|<conversation id>: in a region sharing the store the
    next write builds on the last; in a region whose store lacks it (a replica that lost the write)
    it starts over, and the drill's judge calls that lost state."""
    model = {"geobot-language-model": str(ECHO / "echo.luis.json")}
    shared = {**model, "geobot-store-url": f"sqlite://{tmp_path / 'shared.db'}"}
    west, east = make_vault(tmp_path / "west", **shared), make_vault(tmp_path / "east", **shared)
    elsewhere = make_vault(tmp_path / "lost", **model, **{"geobot-store-url": f"sqlite://{tmp_path / 'other.db'}"})

    async def scenario():
        async with serve(west, "west", str(ECHO)) as w, serve(east, "east", str(ECHO)) as e, \
                serve(elsewhere, "lost", str(ECHO)) as lost, aiohttp.ClientSession() as http:
            first = Conversation(http, w)
            turns = [await first.say("hello")]
            for base in (e, lost):
                other = Conversation(http, base)
                other.id = first.id  # the same conversation, answered by another region
                turns.append(await other.say("the sky is blue"))
            return first.id, turns

    conversation, turns = asyncio.run(scenario())
    key = f"echo|{conversation}"
    (_, before, first), (_, after_west, second), (_, lost_base, _) = (t.state[0] for t in turns)
    assert [t.state[0][0] for t in turns] == [key] * 3 and [t.region for t in turns] == ["west", "east", "lost"]
    assert (before, after_west, lost_base) == (None, first, None)
    judge = StateChain(random.Random(0))
    assert [judge.answered(t.replies, t.state) for t in turns] == [True, True, False]
