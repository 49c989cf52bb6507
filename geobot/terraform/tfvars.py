"""Variables for Terraform go through a 0600 JSON file that lives only while a command runs.

Never `-var k=v` on the command line: argv is visible to every user in `ps`, and Python's
`False` would become the string "False". The file is removed even when the command fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

VAR_FILE = "geobot.tfvars.json"


@contextmanager
def var_file(workdir: Path, variables: Mapping[str, Any]) -> Iterator[Path]:
    path = workdir / VAR_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(variables, handle, indent=2, sort_keys=True)
        yield path
    finally:
        path.unlink(missing_ok=True)
