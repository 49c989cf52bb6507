"""Which bot geobot hosts: `[bot] app`, read without running the user's code.

Two forms:

    "package.module:factory"   a module importable where the bot runs, and its factory
    "path/to/dir"              a directory holding `bot.py` (which defines `create_bot`) and
                               `requirements.txt`; the directory goes onto the bot's sys.path

The config checks the form, that the module can be found or the directory holds both files,
and (directory form) that `bot.py` parses and defines the factory, all without importing it:
the CLI never runs the user's code. `geobot.bot.host` imports and calls it inside the bot.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SAMPLE = "geobot.bot.agent:create_bot"  # geobot's own booking bot, one user of the contract
DIRECTORY_MODULE = "bot"
DIRECTORY_FACTORY = "create_bot"
REQUIREMENTS = "requirements.txt"
MODULE_FORM = re.compile(r"(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<factory>[A-Za-z_]\w*)")
SKIPPED = {"__pycache__", ".git", ".venv", "venv"}


class AppSpecError(ValueError):
    """`rule` says what is wrong, `fix` what to do; the config turns them into an exit-2 line."""

    def __init__(self, rule: str, fix: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.fix = fix


@dataclass(frozen=True)
class AppSpec:
    module: str
    factory: str
    directory: Path | None = None  # the directory form: put on sys.path before the import

    @property
    def is_sample(self) -> bool:
        return self.directory is None and f"{self.module}:{self.factory}" == SAMPLE

    def files(self) -> list[tuple[str, Path]]:
        """(path relative to the directory, file) of a directory-form bot, sorted; nothing for a module."""
        if self.directory is None:
            return []
        return sorted((path.relative_to(self.directory).as_posix(), path) for path in self.directory.rglob("*")
                      if path.is_file() and not SKIPPED & set(path.relative_to(self.directory).parts)
                      and path.suffix != ".pyc")

    def digest(self) -> str:
        """Changes with the directory's content, so a redeploy restarts bots whose code changed."""
        sha = hashlib.sha256(f"{self.module}:{self.factory}".encode())
        for name, path in self.files():
            sha.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return sha.hexdigest()


def parse(value: str, base: Path | None = None) -> AppSpec:
    """The spec of `value`; a relative directory is taken from `base` (default: the working directory)."""
    value = value.strip()
    form = MODULE_FORM.fullmatch(value)
    if form:
        return AppSpec(form["module"], form["factory"])
    if not value:
        raise AppSpecError("is empty", f'write "package.module:factory" or a directory (default "{SAMPLE}")')
    path = Path(value)
    directory = path if path.is_absolute() else (base or Path.cwd()) / path
    return AppSpec(DIRECTORY_MODULE, DIRECTORY_FACTORY, Path(os.path.abspath(directory)))


def check(spec: AppSpec) -> None:
    """Raises AppSpecError when the bot cannot be found; imports nothing of the user's."""
    if spec.directory is None:
        try:
            found = importlib.util.find_spec(spec.module)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise AppSpecError(f"module {spec.module!r} cannot be found",
                               "install it or put it on PYTHONPATH, or give the bot's directory instead")
        return
    directory = spec.directory
    try:
        found = directory.is_dir()
    except OSError as exc:  # a name too long ...
        raise AppSpecError(f"cannot be read: {exc.strerror}",
                           f"point it at the directory holding your bot's {DIRECTORY_MODULE}.py and {REQUIREMENTS}") from None
    if not found:
        raise AppSpecError("is neither \"package.module:factory\" nor an existing directory",
                           f"point it at the directory holding your bot's {DIRECTORY_MODULE}.py and {REQUIREMENTS}")
    for name in (f"{DIRECTORY_MODULE}.py", REQUIREMENTS):
        if not (directory / name).is_file():
            raise AppSpecError(f"directory {directory} has no {name}",
                               f"add {name} (see examples/echo-bot), or point bot.app at another directory")
    source = directory / f"{DIRECTORY_MODULE}.py"
    try:
        tree = ast.parse(source.read_bytes(), str(source))
    except SyntaxError as exc:
        raise AppSpecError(f"{source} line {exc.lineno}: {exc.msg}", "fix the Python syntax there") from None
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    defined |= {target.id for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    defined |= {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    if DIRECTORY_FACTORY not in defined:
        raise AppSpecError(f"{source} defines no {DIRECTORY_FACTORY}",
                           f"add `def {DIRECTORY_FACTORY}(context): ...` returning your agent (see the README)")


def check_installed(spec: AppSpec) -> None:
    """Raises AppSpecError for the first line of the bot's requirements.txt this Python does not meet.

    For targets that run the bot in geobot's own Python (local); a cloud installs the file itself.
    """
    from packaging.requirements import InvalidRequirement, Requirement  # only the local target needs it

    if spec.directory is None:
        return
    path = spec.directory / REQUIREMENTS
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise AppSpecError(f"{path} line {number}: {line!r} is not a requirement ({exc})",
                               "write one requirement per line, e.g. requests>=2.31") from None
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed is None or not requirement.specifier.contains(installed, prereleases=True):
            have = "is not installed" if installed is None else f"is {installed}"
            raise AppSpecError(f"{path} line {number}: {requirement.name} {have} in the Python that runs the "
                               f"local bots ({sys.executable}), which needs {line!r}",
                               f"{sys.executable} -m pip install -r {path}")
