"""A directory-backed vault that stands in for Azure Key Vault on the local target.

The bot takes one vault URL either way: `https://<name>.vault.azure.net` for Key Vault,
`file:///abs/path` for this vault. Layout under the root (directories 0700, files 0600):

    secrets/<name>/<version>     one file per version, never rewritten
    secrets/<name>/current       the latest version's id
    certificates/<name>.pfx      the imported PFX bytes
    .lock                        writers take an exclusive flock on it

Every file is written to a temporary name and renamed into place, so a reader in another
process sees the old or the new value, never half of one; writers are serialised by the lock.
Names follow Key Vault's rule (1-127 letters, digits and hyphens) and, as there, are
case-insensitive. Values are never logged.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from geobot.errors import InputError

_NAME = re.compile(r"[0-9A-Za-z-]{1,127}")


class VaultNameError(InputError):
    """A secret or certificate name breaks Key Vault's naming rule."""


def check_name(name: str) -> str:
    """Return the name in its stored (lower-case) form, or raise if Key Vault would refuse it."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise VaultNameError(
            f"vault name {name!r}: must be 1-127 letters, digits or hyphens",
            "rename it; Key Vault refuses other characters (use '-' instead of '_' or '.')",
        )
    return name.lower()


class LocalVault:
    """Secrets (versioned) and certificates in a private directory, safe across processes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        for sub in (self.root, self.root / "secrets", self.root / "certificates"):
            sub.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(sub, 0o700)

    @classmethod
    def from_url(cls, url: str) -> LocalVault:
        """Open the vault a `file:///abs/path` URL names."""
        parts = urlparse(url)
        path = unquote(parts.path)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise InputError(
                f"vault URL {url!r}: a local vault URL is file:///absolute/path",
                "give the vault directory as an absolute file:// URL",
            )
        return cls(Path(path))

    @property
    def url(self) -> str:
        return self.root.as_uri()

    # -- secrets -----------------------------------------------------------------------

    def set_secret(self, name: str, value: str) -> str:
        """Store a new version of a secret and make it the latest; returns the version id."""
        folder = self.root / "secrets" / check_name(name)
        version = uuid.uuid4().hex
        with self._locked():
            folder.mkdir(mode=0o700, exist_ok=True)
            _write_private(folder / version, value.encode())
            _write_private(folder / "current", version.encode())
        return version

    def get_secret(self, name: str, version: str | None = None) -> str | None:
        """The latest (or the given) version of a secret; None when it does not exist."""
        folder = self.root / "secrets" / check_name(name)
        try:
            if version is None:
                version = (folder / "current").read_text().strip()
            if not re.fullmatch(r"[0-9a-f]{32}", version):
                return None
            return (folder / version).read_text()
        except FileNotFoundError:
            return None

    def delete_secret(self, name: str) -> None:
        """Remove a secret and all its versions; deleting a missing secret is not an error."""
        folder = self.root / "secrets" / check_name(name)
        with self._locked():
            if not folder.is_dir():
                return
            (folder / "current").unlink(missing_ok=True)
            for entry in folder.iterdir():
                entry.unlink()
            folder.rmdir()

    def list_secrets(self) -> list[str]:
        """Names of the secrets that have a current version (never values)."""
        base = self.root / "secrets"
        return sorted(p.name for p in base.iterdir() if (p / "current").is_file())

    # -- certificates ------------------------------------------------------------------

    def import_certificate(self, name: str, pfx_bytes: bytes) -> None:
        """Store a PFX under a name, replacing any earlier one."""
        path = self.root / "certificates" / f"{check_name(name)}.pfx"
        with self._locked():
            _write_private(path, bytes(pfx_bytes))

    def get_certificate(self, name: str) -> bytes | None:
        """The PFX bytes imported under a name, or None."""
        try:
            return (self.root / "certificates" / f"{check_name(name)}.pfx").read_bytes()
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock


def _write_private(path: Path, data: bytes) -> None:
    """Write 0600 to a temporary sibling, fsync, then rename over `path` (atomic)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
