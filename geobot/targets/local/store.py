"""The local state store: JSON documents with ETags in SQLite, shared by every local region.

It plays Cosmos DB's part: each write names the ETag it read, and a write over a newer
version fails with `PreconditionFailed` instead of silently overwriting another region's turn.
SQLite runs in WAL mode with a busy timeout, and each write is one `BEGIN IMMEDIATE`
transaction, so several bot processes can share the file safely.
Addressed as `sqlite:///abs/path.db`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from geobot.errors import GeobotError, InputError

BUSY_TIMEOUT_MS = 5000


class PreconditionFailed(GeobotError):
    """The document changed (or exists, for a create) since the ETag the writer holds."""


class SqliteStore:
    """Documents keyed by string, each with an opaque ETag that changes on every write."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).absolute()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one connection, used from worker threads in turn
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, etag TEXT NOT NULL, body TEXT NOT NULL)"
        )
        self.path.chmod(0o600)

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """Open the store a `sqlite:///abs/path.db` URL names."""
        parts = urlparse(url)
        path = unquote(parts.path)
        if parts.scheme != "sqlite" or parts.netloc or not path.startswith("/"):
            raise InputError(
                f"store URL {url!r}: a local store URL is sqlite:///absolute/path.db",
                "give the database file as an absolute sqlite:/// URL",
            )
        return cls(Path("/" + path.lstrip("/")))

    @property
    def url(self) -> str:
        return f"sqlite://{self.path}"

    def read(self, key: str) -> tuple[dict, str] | None:
        """The document and its ETag, or None when the key has none."""
        with self._lock:
            row = self._db.execute("SELECT body, etag FROM documents WHERE key = ?", (key,)).fetchone()
        return None if row is None else (json.loads(row[0]), row[1])

    def write(self, key: str, doc: dict, etag: str | None) -> str:
        """Store `doc` if the current ETag is `etag` (None: only if absent); returns the new ETag."""
        body = json.dumps(doc, separators=(",", ":"))
        new = uuid.uuid4().hex
        with self._lock, self._transaction():
            row = self._db.execute("SELECT etag FROM documents WHERE key = ?", (key,)).fetchone()
            current = None if row is None else row[0]
            if current != etag:
                raise PreconditionFailed(
                    f"document {key!r} changed since it was read (held {etag}, current {current})",
                    "read it again and redo the change",
                )
            self._db.execute(
                "INSERT INTO documents (key, etag, body) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, body = excluded.body",
                (key, new, body),
            )
        return new

    def delete(self, key: str, etag: str | None = None) -> None:
        """Remove a document (only if its ETag is `etag`, when given); a missing key is fine."""
        with self._lock, self._transaction():
            row = self._db.execute("SELECT etag FROM documents WHERE key = ?", (key,)).fetchone()
            if row is not None and etag is not None and row[0] != etag:
                raise PreconditionFailed(
                    f"document {key!r} changed since it was read", "read it again before deleting"
                )
            self._db.execute("DELETE FROM documents WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """`BEGIN IMMEDIATE` takes the write lock up front, so two writers never deadlock on upgrade."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
