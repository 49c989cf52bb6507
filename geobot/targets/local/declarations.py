"""What `terraform/local` declared, read back from the infrastructure stage's outputs.

Terraform is the one owner of what exists; the services stage and `geobot status` read these
declarations rather than deriving paths or ports a second time.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geobot.errors import CloudError
from geobot.targets.local.processes import ProcessSpec
from geobot.targets.local.vault import LocalVault

CERTIFICATE = "geobot-tls"


@dataclass(frozen=True)
class Region:
    name: str
    port: int
    priority: int
    weight: int
    process: Path


@dataclass(frozen=True)
class Declarations:
    vault_url: str
    store_url: str
    router_config: Path
    router_process: Path
    regions: tuple[Region, ...]

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> Declarations:
        if "global" not in outputs:
            raise CloudError("the infrastructure stage has not run", "run `geobot deploy`")
        glob = outputs["global"]
        regions = tuple(
            Region(name, r["port"], r["priority"], r["weight"], Path(r["process"]))
            for name, r in sorted(outputs["regions"].items(), key=lambda item: item[1]["priority"])
        )
        return cls(glob["vault_url"], glob["store_url"], Path(glob["router"]), Path(glob["process"]), regions)

    def vault(self) -> LocalVault:
        return LocalVault.from_url(self.vault_url)

    def router(self) -> dict[str, Any]:
        return json.loads(self.router_config.read_text())

    def status_url(self) -> str:
        return f"http://127.0.0.1:{self.router()['http_port']}/_geobot/status"

    def bot_specs(self, env: Mapping[str, str]) -> dict[str, ProcessSpec]:
        """Each region's bot, in priority order; `env` says what it runs (code and settings digests)."""
        return {region.name: _spec(region.process, env) for region in self.regions}

    def router_spec(self) -> ProcessSpec:
        """The router reads no vault setting, so a bot's new code or settings never restart it."""
        return _spec(self.router_process, {})


def get_json(url: str, timeout: float = 2.0) -> tuple[int, Any] | None:
    """(status, body) of a loopback JSON endpoint, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.load(error)
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return None


def router_status(declared: Declarations) -> dict[str, Any] | None:
    answer = get_json(declared.status_url())
    return answer[1] if answer and answer[0] == 200 else None


def _spec(path: Path, env: Mapping[str, str]) -> ProcessSpec:
    try:
        declared = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CloudError(f"the process declaration {path} is unreadable ({exc})",
                         "something changed it outside geobot; run `geobot deploy` to provision it again") from exc
    return ProcessSpec(declared["name"], tuple(declared["argv"]), declared["port"], declared.get("ready_path"),
                       {**declared.get("env", {}), **env})
