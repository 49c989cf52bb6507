"""A code package the cloud gets as a zip, byte-for-byte reproducible.

Fixed timestamps and sorted entries make the digest depend on the content alone, so a stage
can use it as an input: a deploy whose code did not change uploads (or re-hashes) nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Package:
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def write(self, path: Path) -> None:
        """Write it where Terraform reads it, unless it is there already (its mtime then stays)."""
        if path.is_file() and path.read_bytes() == self.data:
            return
        partial = path.with_suffix(".partial")
        partial.write_bytes(self.data)
        os.replace(partial, path)


def reproducible_zip(entries: Iterable[tuple[str, bytes]]) -> Package:
    """(name in the zip, content) pairs, in the order given, as a zip with no time or owner in it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return Package(buffer.getvalue())
