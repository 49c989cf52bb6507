"""Writing certificate files safely: new files only, 0600, never over something that exists."""

from __future__ import annotations

import os
from pathlib import Path

from geobot.errors import InputError


def check_new_file(path: Path, option: str) -> None:
    """Refuse before anything happens if `path` exists or its directory cannot take a new file."""
    if path.is_dir():
        raise InputError(f"{option} {path}: is a directory", "give the path of a new file")
    if path.exists():
        raise InputError(f"{option} {path}: the file exists", "choose another path, or move that file away")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: the directory {parent} does not exist", f"create it, or choose another {option} path")
    if not os.access(parent, os.W_OK | os.X_OK) or parent.resolve().is_relative_to("/proc"):
        raise InputError(f"{option} {path}: the directory {parent} is not writable", f"choose another {option} path")


def write_new_private(path: Path, data: bytes, option: str) -> None:
    """Create `path` 0600 with `data`; an existing file is never replaced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{option} {path}: the file exists", "choose another path, or move that file away") from None
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot be written ({exc.strerror})", f"choose a writable {option} path") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
