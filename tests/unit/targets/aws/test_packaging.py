"""The functions run as a Lambda zip of their own directory, with nothing but boto3."""

from __future__ import annotations

import ast
import importlib
import io
import os
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


def test_the_zip_geobot_builds_holds_the_functions_package_and_is_reproducible(tmp_path: Path) -> None:
    import zipfile

    from geobot.targets.aws.package import build_functions

    package = build_functions()
    assert package.data == build_functions().data
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        assert sorted(archive.namelist()) == sorted(f"functions/{p.name}" for p in SOURCE.glob("*.py"))
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        archive.extractall(tmp_path / "root")
    sys.path.insert(0, str(tmp_path / "root"))
    try:
        for handler in (functions.HEALTH_CHECK_HANDLER, functions.REGION_CHECK_HANDLER):
            module, name = handler.rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module), name))
    finally:
        sys.path.remove(str(tmp_path / "root"))
        for loaded in [n for n in sys.modules if n == "functions" or n.startswith("functions.")]:
            del sys.modules[loaded]


def test_writing_the_zip_again_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    from geobot.targets.package import Package

    (tmp_path / "state").mkdir()
    path = tmp_path / "state" / "functions.zip"
    Package(b"first").write(path)
    os.utime(path, (0, 0))
    Package(b"first").write(path)
    assert path.stat().st_mtime == 0
    Package(b"second").write(path)
    assert path.read_bytes() == b"second" and list(path.parent.iterdir()) == [path]
