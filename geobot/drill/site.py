"""The local deployment as the drill sees it: regions, router, its log, the bots' processes.

Everything here is read from what the deploy recorded (the journal's outputs and the
declarations Terraform wrote), never derived again. Two things change the deployment for the
drill's length and are put back afterwards:

- router.json, when the drill asks for another router mode or hold-down: the router re-reads
  it within a second. Before writing, the original and the new text are saved beside it, so
  a drill that was itself killed is undone by the next one (only if the file still holds
  what the drill wrote: a deploy since then wins).
- a killed bot, restarted through the supervisor with the environment the services stage
  gives it, so the next `geobot deploy` finds it as it left it and restarts nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geobot.bot import appspec
from geobot.bot.drill import DRILL_PATH, KEY_HEADER
from geobot.bot.settings import DRILL_KEY
from geobot.drill.users import Endpoint
from geobot.errors import CloudError
from geobot.targets.local.declarations import Declarations, router_status
from geobot.targets.local.processes import Supervisor
from geobot.targets.local.services import BOT_APP, bot_specs, process_env

APPLY_SECONDS = 1.5  # the router polls router.json about once a second
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never via a proxy


class LogTail:
    """Complete JSON lines appended to the router's log since `offset`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.start = self.offset

    def read(self) -> list[dict[str, Any]]:
        """The events written since the last read (a half-written last line waits for the next)."""
        with contextlib.suppress(FileNotFoundError), self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offset += len(complete)
            return [json.loads(line) for line in complete.splitlines() if line.strip()]
        return []

    def since_start(self) -> list[dict[str, Any]]:
        """Every complete event written since this tail was made."""
        again = LogTail(self.path)
        again.offset = self.start
        return again.read()


class LocalSite:
    def __init__(self, directory: Path, outputs: dict[str, dict[str, Any]], endpoint: Endpoint) -> None:
        self.declared = Declarations.from_outputs(outputs.get("infrastructure", {}))
        self.supervisor = Supervisor(directory / "run")
        self.configuration = outputs.get("configuration", {})
        self.sample_bot = process_env(self.configuration)[BOT_APP] == appspec.SAMPLE
        self.endpoint = endpoint
        self.backup = directory / "drill-router.json"

    @property
    def regions(self) -> dict[str, int]:
        """Region name -> the bot's loopback port, in priority order."""
        return {region.name: region.port for region in self.declared.regions}

    def router(self) -> dict[str, Any]:
        return self.declared.router()

    def log(self) -> LogTail:
        return LogTail(Path(self.router()["log"]))

    def status(self) -> dict[str, Any] | None:
        """The router's status document, or None when it does not answer."""
        return router_status(self.declared)

    def drill_key(self) -> str:
        key = self.declared.vault().get_secret(DRILL_KEY)
        if not key:
            raise CloudError("the vault holds no drill key, so the bots have no drill hook",
                             "run `geobot deploy`: its configuration stage creates one")
        return key

    def hook(self, region: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a fault to a region's drill hook (GET its faults without a body)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.regions[region]}{DRILL_PATH}", data=data,
                                         headers={KEY_HEADER: self.drill_key(), "Content-Type": "application/json"})
        try:
            with _direct.open(request, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise CloudError(f"the drill hook of {region} answered {exc.code}", "see the bot's log in the run directory") from exc
        except OSError as exc:
            raise CloudError(f"the drill hook of {region} does not answer ({exc})", "see `geobot status`") from exc

    def kill(self, region: str) -> int:
        """SIGKILL the region's bot and its process group, as a host that dies; returns the pid."""
        state = self.supervisor.state(f"bot-{region}")
        if not state.running or state.pid is None:
            raise CloudError(f"the bot of {region} is not running", "run `geobot deploy` to start it")
        os.killpg(state.pid, signal.SIGKILL)
        return state.pid

    def running(self, region: str) -> bool:
        return self.supervisor.state(f"bot-{region}").running

    def restart(self, region: str) -> str:
        """Start the region's bot again as the services stage would (same spec, so no later restart)."""
        return self.supervisor.ensure(bot_specs(self.declared, self.configuration)[region])

    def undo_interrupted(self) -> bool:
        """Put back router.json left changed by a drill that could not clean up; True if it did."""
        if not self.backup.exists():
            return False
        saved = json.loads(self.backup.read_text())
        restored = self.declared.router_config.read_text() == saved["written"]
        if restored:
            self._write_router(saved["original"])
        self.backup.unlink()
        return restored

    @contextlib.contextmanager
    def router_mode(self, retry: bool, hold_down: float) -> Iterator[None]:
        """Run the router with `retry` and `hold_down` for the block, then as it was."""
        path = self.declared.router_config
        original = path.read_text()
        settings = json.loads(original)
        wanted = {**settings, "retry": retry, "probe": {**settings.get("probe", {}), "hold_down": hold_down}}
        if wanted == settings:
            yield
            return
        written = json.dumps(wanted, indent=2) + "\n"
        self.backup.write_text(json.dumps({"original": original, "written": written}))
        self.backup.chmod(0o600)
        self._write_router(written)
        try:
            self._await_router(retry)
            yield
        finally:
            self._write_router(original)
            self.backup.unlink(missing_ok=True)
            with contextlib.suppress(CloudError):  # never hide why the block ended
                self._await_router(settings.get("retry", False))

    def _write_router(self, text: str) -> None:
        path = self.declared.router_config
        mode = path.stat().st_mode & 0o777
        temporary = path.with_name(f".{path.name}.drill")
        temporary.write_text(text)
        temporary.chmod(mode)
        os.replace(temporary, path)

    def _await_router(self, retry: bool) -> None:
        """Wait until the router runs with the file just written (its retry setting shows it)."""
        written = time.monotonic()
        while True:
            status = self.status()
            elapsed = time.monotonic() - written
            if status is not None and status.get("retry") == retry and elapsed >= APPLY_SECONDS:
                return
            if elapsed > 10:
                raise CloudError("the router did not apply the drill's router.json within 10 s",
                                 "see the router's log in the run directory")
            time.sleep(0.1)
