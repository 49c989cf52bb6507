"""router.json is validated as a whole; each problem names its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geobot.errors import ConfigError
from geobot.targets.local.router.settings import load

MINIMAL = {"host_name": "demo.localhost", "https_port": 8443, "http_port": 8080, "certificate": "/v/tls.pfx",
           "log": "/r/router.jsonl", "endpoints": [{"name": "koreacentral", "url": "http://127.0.0.1:3978/"}]}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "router.json"
    path.write_text(json.dumps(data))
    return path


def test_defaults_are_traffic_managers_as_geobot_configures_it(tmp_path: Path) -> None:
    settings = load(write(tmp_path, MINIMAL))
    assert (settings.routing_method, settings.retry, settings.request_timeout, settings.listen) == (
        "performance", False, 30, "127.0.0.1")
    probe = settings.probe
    assert (probe.path, probe.interval, probe.timeout, probe.tolerated_failures, probe.dns_ttl) == (
        "/api/health", 10, 5, 1, 10)
    assert (probe.expected_status, probe.hold_down) == (((200, 200),), 0)
    endpoint = settings.endpoints[0]
    assert (endpoint.url, endpoint.priority, endpoint.weight, endpoint.enabled, endpoint.pidfile) == (
        "http://127.0.0.1:3978", 1, 1, True, None)


def test_fractional_seconds_are_accepted(tmp_path: Path) -> None:
    settings = load(write(tmp_path, {**MINIMAL, "probe": {"interval": 0.2, "timeout": 0.1, "dns_ttl": 0.5}}))
    assert (settings.probe.interval, settings.probe.timeout, settings.probe.dns_ttl) == (0.2, 0.1, 0.5)


@pytest.mark.parametrize(("change", "field"), [
    ({"routing_method": "geographic"}, "routing_method"),
    ({"https_port": 70000}, "https_port"),
    ({"certificate": "tls.pfx"}, "certificate"),
    ({"probe": {"interval": 0}}, "probe.interval"),
    ({"probe": {"expected_status": [[300, 200]]}}, "probe.expected_status"),
    ({"endpoints": [{"name": "a", "url": "ftp://x"}]}, "endpoints.0.url"),
    ({"endpoints": [{"name": "a", "url": "http://x", "pidfile": "run/a.json"}]}, "endpoints.0.pidfile"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_values_name_their_field(tmp_path: Path, change: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(write(tmp_path, {**MINIMAL, **change}))
    assert error.value.field == field


def test_duplicate_endpoint_names_are_refused(tmp_path: Path) -> None:
    twice = [{"name": "a", "url": "http://127.0.0.1:1"}, {"name": "a", "url": "http://127.0.0.1:2"}]
    with pytest.raises(ConfigError, match="unique"):
        load(write(tmp_path, {**MINIMAL, "endpoints": twice}))


def test_unreadable_or_broken_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load(broken)
