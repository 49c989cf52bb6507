"""The functions run as a Lambda zip of their own directory, with nothing but boto3."""

from __future__ import annotations

import ast
import importlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot.targets.aws import functions

SOURCE = Path(functions.__file__).parent
ALLOWED = {"boto3", "botocore"} | set(sys.stdlib_module_names)


def test_imports_only_boto3_botocore_stdlib_and_siblings() -> None:
    for path in SOURCE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= ALLOWED, f"{path.name} imports {roots - ALLOWED}"


@pytest.fixture
def zip_root(tmp_path: Path) -> Iterator[Path]:
    """The directory laid out as the Lambda zip's root, importable as `functions`."""
    shutil.copytree(SOURCE, tmp_path / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n == "functions" or n.startswith("functions.")]:
        del sys.modules[name]


def test_handlers_import_from_the_zip_layout(zip_root: Path) -> None:
    for handler in (functions.HEALTH_CHECK_HANDLER, functions.REGION_CHECK_HANDLER):
        module, name = handler.rsplit(".", 1)
        loaded = importlib.import_module(module)
        assert callable(getattr(loaded, name))
        assert Path(loaded.__file__).is_relative_to(zip_root)
