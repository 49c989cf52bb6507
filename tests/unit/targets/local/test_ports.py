"""`auto` ports: chosen outside the ephemeral range, kept across deploys, and a taken port named with its holder."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot import config as configuration
from geobot.errors import ConfigError
from geobot.pipeline.journal import Journal
from geobot.targets.local import ports
from geobot.targets.local.processes import ProcessSpec, Supervisor

REGIONS = "koreacentral,southeastasia,japanwest"


def load(**env: str) -> configuration.Config:
    return configuration.load(None, {"GEOBOT_REGIONS": REGIONS, **env}, {})


AUTO = {"GEOBOT_LOCAL_HTTPS_PORT": "auto", "GEOBOT_LOCAL_HTTP_PORT": "auto", "GEOBOT_LOCAL_BOT_PORT": "auto"}


@pytest.fixture
def listener() -> Iterator[int]:
    """A port another program of this machine listens on."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", ports.allocate()))
        server.listen()
        yield server.getsockname()[1]


def record_deployment(directory: Path, config: configuration.Config, https: int, http: int, bot: int) -> None:
    """What a deploy's preflight journals, even when the deploy is interrupted after it."""
    settled = {"local.https_port": https, "local.http_port": http, "local.bot_port": bot}
    Journal(directory, config.name, "local").record("preflight", status="successful", outputs={"ports": settled})


def test_auto_is_accepted_in_the_file_and_the_environment_as_port_zero(tmp_path: Path) -> None:
    path = tmp_path / "geobot.toml"
    path.write_text('[local]\nbot_port = "auto"\n')
    assert configuration.load(path, {}, {}).local.bot_port == 0
    assert load(GEOBOT_LOCAL_HTTPS_PORT="AUTO").local.https_port == 0


def test_a_word_other_than_auto_is_refused_for_a_port() -> None:
    with pytest.raises(ConfigError) as refused:
        load(GEOBOT_LOCAL_BOT_PORT="any")
    assert refused.value.field == "GEOBOT_LOCAL_BOT_PORT"


def test_allocated_ports_lie_below_the_ephemeral_range_and_are_never_handed_out_twice() -> None:
    low, _ = ports.ephemeral_range()
    bases = [ports.allocate(3) for _ in range(20)]
    handed = [base + i for base in bases for i in range(3)]
    assert len(set(handed)) == len(handed)
    assert all(ports.POOL_START <= port < low and ports.bindable(port) for port in handed)


def test_explicit_ports_are_left_as_they_are(tmp_path: Path) -> None:
    config = load()
    assert ports.settle(config, tmp_path) is config


def test_a_first_deploy_gets_concrete_ports_that_avoid_each_other_and_explicit_ones(tmp_path: Path) -> None:
    settled = ports.settle(load(**AUTO | {"GEOBOT_LOCAL_HTTPS_PORT": "24443"}), tmp_path).local
    bots = set(settled.bot_ports(REGIONS.split(",")).values())
    assert settled.https_port == 24443
    assert 0 not in (settled.http_port, settled.bot_port)
    assert len(bots | {settled.https_port, settled.http_port}) == 5


def test_a_redeploy_keeps_the_ports_it_was_given(tmp_path: Path) -> None:
    config = load(**AUTO)
    https, http, bot = ports.allocate(), ports.allocate(), ports.allocate(3)
    record_deployment(tmp_path, config, https, http, bot)
    settled = ports.settle(config, tmp_path).local
    assert (settled.https_port, settled.http_port, settled.bot_port) == (https, http, bot)


def test_a_port_another_program_took_since_the_last_deploy_is_replaced(tmp_path: Path, listener: int) -> None:
    config = load(**AUTO)
    http, bot = ports.allocate(), ports.allocate(3)
    record_deployment(tmp_path, config, listener, http, bot)
    settled = ports.settle(config, tmp_path).local
    assert settled.https_port not in (0, listener)
    assert (settled.http_port, settled.bot_port) == (http, bot)


def test_a_taken_port_is_refused_naming_field_region_and_holder(tmp_path: Path, listener: int) -> None:
    config = ports.settle(load(**AUTO | {"GEOBOT_LOCAL_BOT_PORT": str(listener - 1)}), tmp_path)
    with pytest.raises(ConfigError) as refused:
        ports.check(config, tmp_path / "run")
    assert refused.value.field == "local.bot_port" and refused.value.value == listener
    message = refused.value.message
    assert "(region southeastasia)" in message and f"by pid {os.getpid()} ({sys.executable}" in message
    assert 'local.bot_port = "auto"' in refused.value.hint


def test_a_port_held_by_the_deployments_own_process_is_not_refused(tmp_path: Path) -> None:
    config = ports.settle(load(**AUTO), tmp_path)
    supervisor = Supervisor(tmp_path / "run")
    port = config.local.bot_port
    server = f"import http.server as h; h.HTTPServer(('127.0.0.1', {port}), h.BaseHTTPRequestHandler).serve_forever()"
    supervisor.ensure(ProcessSpec("bot-koreacentral", (sys.executable, "-c", server), port))
    try:
        ports.check(config, tmp_path / "run")
    finally:
        supervisor.stop_all()
