"""The Lambda zip of both functions: `geobot/targets/aws/functions` as the package `functions/`.

The handlers are `functions.health_check.handler` and `functions.region_check.handler`, and the
functions need nothing but boto3, which the Lambda runtime has. The zip is byte-for-byte
reproducible (fixed timestamps, sorted entries), so its digest is an input of the functions
stage and Terraform's source_code_hash only changes when the code does.
"""

from __future__ import annotations

from pathlib import Path

from geobot.targets.aws import functions
from geobot.targets.package import Package, reproducible_zip

SOURCE = Path(functions.__file__).parent


def build_functions() -> Package:
    return reproducible_zip((f"functions/{path.name}", path.read_bytes()) for path in sorted(SOURCE.glob("*.py")))
