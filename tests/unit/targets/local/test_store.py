"""The local state store: ETag preconditions, WAL, several processes at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
from pathlib import Path

import pytest

from geobot.errors import InputError
from geobot.targets.local.store import PreconditionFailed, SqliteStore


def test_create_read_update_delete_with_etags(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    assert store.read("conv") is None
    first = store.write("conv", {"turns": 1}, None)
    assert store.read("conv") == ({"turns": 1}, first)
    second = store.write("conv", {"turns": 2}, first)
    assert second != first
    assert store.read("conv") == ({"turns": 2}, second)
    store.delete("conv", second)
    assert store.read("conv") is None
    store.delete("conv")  # deleting a missing key is fine


def test_stale_or_create_only_writes_fail(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    etag = store.write("conv", {"turns": 1}, None)
    with pytest.raises(PreconditionFailed):
        store.write("conv", {"turns": 9}, None)  # create-only, but it exists
    newer = store.write("conv", {"turns": 2}, etag)
    with pytest.raises(PreconditionFailed):
        store.write("conv", {"turns": 9}, etag)  # stale etag
    with pytest.raises(PreconditionFailed):
        store.delete("conv", etag)
    with pytest.raises(PreconditionFailed):
        store.write("gone", {"turns": 1}, "no-such-etag")
    assert store.read("conv") == ({"turns": 2}, newer)


def test_two_connections_see_each_other(tmp_path: Path) -> None:
    one, two = SqliteStore(tmp_path / "state.db"), SqliteStore(tmp_path / "state.db")
    etag = one.write("k", {"v": "one"}, None)
    assert two.read("k") == ({"v": "one"}, etag)
    two.write("k", {"v": "two"}, etag)
    with pytest.raises(PreconditionFailed):
        one.write("k", {"v": "lost update"}, etag)


def test_wal_mode_and_private_file(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    store.write("k", {}, None)
    mode = sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert stat.S_IMODE((tmp_path / "state.db").stat().st_mode) == 0o600


def test_url_forms(tmp_path: Path) -> None:
    store = SqliteStore.from_url(f"sqlite://{tmp_path}/x.db")
    assert store.path == tmp_path / "x.db"
    assert SqliteStore.from_url(store.url).path == store.path
    for bad in ["sqlite://relative.db", "postgres:///x", f"sqlite://host{tmp_path}/x.db"]:
        with pytest.raises(InputError):
            SqliteStore.from_url(bad)


def _increment(path: str, times: int) -> None:
    store = SqliteStore(Path(path))
    done = 0
    while done < times:
        current = store.read("counter")
        doc, etag = current if current else ({"n": 0}, None)
        try:
            store.write("counter", {"n": doc["n"] + 1}, etag)
            done += 1
        except PreconditionFailed:
            continue  # someone else won the race: read again


def test_no_lost_updates_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteStore(path).close()
    ctx = multiprocessing.get_context("spawn")  # fresh processes, like separate bots
    procs = [ctx.Process(target=_increment, args=(str(path), 50)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    doc, _ = SqliteStore(path).read("counter")
    assert doc == {"n": 200}
