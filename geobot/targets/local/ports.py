"""The local target's loopback ports: `auto` ones chosen where they stay free, then kept.

The kernel lends ports of its ephemeral range (32768-60999 by default) to every outgoing
connection, so a port picked there because it was free can be taken by a client socket before
the bot binds it. `auto` ports are therefore chosen below that range, where only a program that
asks for a port by number gets one. A deployment keeps the ports it was given while they are
still free or held by its own processes, so a repeated deploy changes and restarts nothing.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Collection, Iterator
from pathlib import Path

from geobot.config import ENV_VARS, PORT_KEYS, Config
from geobot.errors import CloudError, ConfigError
from geobot.pipeline.journal import Journal
from geobot.targets.local.processes import Supervisor

POOL_START = 20000  # above the ports well-known services are configured on
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()  # by this process, so two callers never get one port before either binds it
FIELDS = ("local.https_port", "local.http_port", "local.bot_port")  # in the order they are checked
VARIABLES = {key: var for var, key in ENV_VARS.items() if key in PORT_KEYS}


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = map(int, _EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def bindable(port: int) -> bool:
    """Whether a server could bind 127.0.0.1:<port> now: no listener there and no client using it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pool() -> range:
    low, high = ephemeral_range()
    return range(POOL_START, low) if low - POOL_START >= 1000 else range(high + 1, 65536)


def allocate(count: int = 1, avoid: Collection[int] = ()) -> int:
    """The first of `count` consecutive bindable ports outside the ephemeral range."""
    pool = _pool()
    start = random.randrange(len(pool))
    for offset in range(len(pool)):
        base = pool[(start + offset) % len(pool)]
        block = range(base, base + count)
        if block[-1] >= pool.stop or any(p in avoid or p in _handed_out for p in block):
            continue
        if all(bindable(p) for p in block):
            _handed_out.update(block)
            return base
    raise CloudError(f"no {count} consecutive free loopback ports in {pool.start}-{pool.stop - 1}",
                     "stop some local servers, or set local.bot_port, local.https_port and local.http_port")


def previous(deployment_dir: Path, config: Config) -> dict[str, int]:
    """The ports the last deploy settled on ({field: port}, journaled by preflight, so an interrupted
    deploy resumes on them too); {} before the first."""
    journal = Journal(deployment_dir, config.name, config.target)
    if not journal.exists():
        return {}
    return dict(journal.outputs().get("preflight", {}).get("ports", {}))


def ours(run_dir: Path) -> set[int]:
    """Ports held by this deployment's running processes (the router's record names its HTTP port)."""
    if not run_dir.is_dir():
        return set()
    return {state.port for state in Supervisor(run_dir).states() if state.running and state.port}


def settled_ports(config: Config) -> dict[str, int]:
    return {field: getattr(config.local, field.removeprefix("local.")) for field in FIELDS}


def settle(config: Config, deployment_dir: Path) -> Config:
    """`config` with every `auto` (0) port made concrete: last deploy's where still usable, else new."""
    local = config.local
    wanted = {"local.https_port": 1, "local.http_port": 1, "local.bot_port": len(config.regions)}
    auto = [field for field in wanted if getattr(local, field.removeprefix("local.")) == 0]
    if not auto:
        return config
    before, held = previous(deployment_dir, config), ours(deployment_dir / "run")
    if before and before["local.http_port"] in held:
        held.add(before["local.https_port"])  # the router holds both of its ports
    chosen = {field: getattr(local, field.removeprefix("local.")) for field in wanted if field not in auto}
    for field in auto:
        taken = {p for f, base in chosen.items() for p in range(base, base + wanted[f])}
        base = before.get(field)
        block = range(base, base + wanted[field]) if base else range(0)
        if not block or any(p in taken or not (p in held or bindable(p)) for p in block):
            base = allocate(wanted[field], taken)
        chosen[field] = base
    return config.model_copy(update={"local": local.model_copy(update={f.removeprefix("local."): p for f, p in chosen.items()})})


def holder(port: int) -> str | None:
    """Which program holds the port (its listener first), as `pid N (command)`, when the system says."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    using = [c for c in connections if c.laddr and c.laddr.port == port and c.pid]
    using.sort(key=lambda c: c.status != psutil.CONN_LISTEN)  # the listener, if any, before clients
    if not using:
        return None
    pid = using[0].pid
    try:
        return f"pid {pid} ({' '.join(psutil.Process(pid).cmdline())[:80]})"
    except psutil.Error:
        return f"pid {pid}"


def declared(config: Config) -> Iterator[tuple[int, str, str]]:
    """(port, config field, the process that listens on it) for every port the deployment uses."""
    yield config.local.https_port, "local.https_port", "router"
    yield config.local.http_port, "local.http_port", "router"
    for region, port in config.local.bot_ports(config.regions).items():
        yield port, "local.bot_port", f"bot-{region}"


def check(config: Config, run_dir: Path) -> None:
    """Every port is free or held by the process geobot runs there (a re-deploy); else exit 2, naming the holder."""
    running = {state.name for state in Supervisor(run_dir).states() if state.running} if run_dir.is_dir() else set()
    for port, field, owner in declared(config):
        if owner in running or bindable(port):
            continue
        region = f" (region {owner.removeprefix('bot-')})" if owner.startswith("bot-") else ""
        by = holder(port)
        raise ConfigError(field, port, f"is in use{region} by {by or 'another program'}",
                          f"stop that program, choose a free port with {field} in geobot.toml or {VARIABLES[field]}, "
                          f'or set {field} = "auto"')
