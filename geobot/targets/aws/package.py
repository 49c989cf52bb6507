"""The Lambda zip of both functions: `geobot/targets/aws/functions` as the package `functions/`.

The handlers are `functions.health_check.handler` and `functions.region_check.handler`, and the
functions need nothing but boto3, which the Lambda runtime has. The zip is byte-for-byte
reproducible (fixed timestamps, sorted entries), so its digest is an input of the functions
stage and Terraform's source_code_hash only changes when the code does.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from geobot.targets.aws import functions

SOURCE = Path(functions.__file__).parent
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


def build_functions() -> Package:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SOURCE.glob("*.py")):
            info = zipfile.ZipInfo(f"functions/{path.name}", EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return Package(buffer.getvalue())
