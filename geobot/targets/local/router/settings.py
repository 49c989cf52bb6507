"""router.json as a validated, frozen model; `load` is the only way in.

Every rule is checked before the router binds a port, so a bad file at start is one line and
exit 2, and a bad file on reload is one logged line while the previous settings stay.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geobot.errors import ConfigError

Seconds = Annotated[float, Field(ge=0)]
Port = Annotated[int, Field(ge=0, le=65535)]  # 0: any free port (the start event names the bound one)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _absolute(path: Path | None) -> Path | None:
    if path is not None and not path.is_absolute():
        raise ValueError("must be an absolute path")
    return path


class Probe(_Frozen):
    """Traffic Manager's monitor settings, in seconds (fractions allowed for tests)."""

    path: str = "/api/health"
    interval: Annotated[float, Field(gt=0)] = 10
    timeout: Annotated[float, Field(gt=0)] = 5
    tolerated_failures: Annotated[int, Field(ge=0, le=9)] = 1
    dns_ttl: Seconds = 10
    expected_status: tuple[tuple[int, int], ...] = ((200, 200),)
    hold_down: Seconds = 0

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @field_validator("expected_status")
    @classmethod
    def _ranges(cls, value: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        if not value or any(not 100 <= low <= high <= 599 for low, high in value):
            raise ValueError("must be one or more [low, high] ranges with 100 <= low <= high <= 599")
        return value

    def healthy(self, status: int) -> bool:
        return any(low <= status <= high for low, high in self.expected_status)


class Endpoint(_Frozen):
    """One regional bot. Without a pidfile it is never Stopped, only Online or Degraded."""

    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    url: str
    priority: Annotated[int, Field(ge=1, le=1000)] = 1
    weight: Annotated[int, Field(ge=1, le=1000)] = 1
    enabled: bool = True
    pidfile: Path | None = None

    _pidfile = field_validator("pidfile")(_absolute)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be http(s)://host[:port][/base] without query or fragment")
        return value.rstrip("/")


class RouterSettings(_Frozen):
    """The whole file. listen, the ports and log are read at start only; the rest on every change."""

    host_name: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")]
    listen: str = "127.0.0.1"
    https_port: Port
    http_port: Port
    routing_method: Literal["performance", "priority", "weighted"] = "performance"
    probe: Probe = Probe()
    retry: bool = False
    request_timeout: Annotated[float, Field(gt=0)] = 30
    certificate: Path
    log: Path
    endpoints: tuple[Endpoint, ...]

    _paths = field_validator("certificate", "log")(_absolute)

    @model_validator(mode="after")
    def _unique_names(self) -> RouterSettings:
        names = [endpoint.name for endpoint in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError("endpoint names must be unique")
        return self

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


def load(path: Path) -> RouterSettings:
    """Read and validate router.json; any problem is a ConfigError naming the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(str(path), None, f"cannot be read ({e.strerror})", "check the --config path") from e
    except ValueError as e:
        raise ConfigError(str(path), None, f"is not valid JSON ({e})", "fix the file") from e
    try:
        return RouterSettings.model_validate(data)
    except ValidationError as e:
        error = e.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "router.json"
        value = error.get("input") if error["loc"] else None
        if isinstance(value, (dict, list)):
            value = None
        raise ConfigError(field, value, error["msg"], f"fix {field} in {path}") from e
