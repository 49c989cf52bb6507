"""Errors in the user's words: what is wrong with a value, the closest valid name, why the OS refused.

pydantic checks both the config (geobot.config) and, through Typer, the command-line options.
Its own messages ("Input should be a valid tuple", "Value error, ...") speak of Python types;
`rule` says the same in the words of a TOML file or a command line, and `closest` finds the
"did you mean" for a misspelt key, value or option. No pydantic import: only its error dicts.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

# pydantic error type -> what the value must be, in a config file's or a command line's words
_MUST_BE = {
    "string_type": "must be text in double quotes",
    "int_type": "must be a whole number (no quotes)",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number (no quotes)",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false (no quotes)",
    "bool_parsing": "must be true or false",
    "tuple_type": "must be a list in [ ]",
    "list_type": "must be a list in [ ]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "path_type": "must be a file path in double quotes",
    "missing": "is required",
    "empty": "is empty",
    "extra_forbidden": "is not a known key",
}
_BOUNDS = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"),
           "greater_than": ("gt", "more than"), "less_than": ("lt", "less than")}


def rule(error: Mapping[str, Any], allowed: Iterable[str] = ()) -> str:
    """What the value must be, for one pydantic error (`allowed`: the values of a choice)."""
    kind = error["type"]
    choices = list(allowed)
    if choices or kind in ("literal_error", "enum"):
        return "must be one of " + ", ".join(choices) if choices else "is not one of the allowed values"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {error.get('ctx', {}).get(key)}"
    return _MUST_BE.get(kind, "is not valid here")


def model_at(model: Any, path: Sequence[str]) -> Any:
    """The pydantic model of the table at `path` in `model` (`model` itself for an empty path), else None."""
    for part in path:
        field = getattr(model, "model_fields", {}).get(part)
        model = field.annotation if field else None
    return model if hasattr(model, "model_fields") else None


def keys_at(model: Any, path: Sequence[str]) -> list[str]:
    """The keys the table at `path` accepts: what a misspelt key is compared with."""
    table = model_at(model, path)
    return list(table.model_fields) if table else []


def choices_at(model: Any, path: Sequence[str]) -> tuple[str, ...]:
    """The values a key of one-of-a-few (a Literal) allows, else ()."""
    table = model_at(model, path[:-1]) if path else None
    field = table.model_fields.get(path[-1]) if table else None
    if field is None or get_origin(field.annotation) is not Literal:
        return ()
    return tuple(str(arg) for arg in get_args(field.annotation))


def closest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name a typo most likely meant, if one is close enough."""
    found = difflib.get_close_matches(str(word), list(known), n=1, cutoff=cutoff)
    return found[0] if found else None


_OS_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.ENAMETOOLONG: "a name in the path is too long",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EEXIST: "a file of that name is in the way",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in plain words, naming the path it refused."""
    why = _OS_REASONS.get(exc.errno or 0, f"the file system refuses it ({exc.strerror})")
    if not exc.filename:
        return why
    name = str(exc.filename)
    return f"{name if len(name) <= 80 else name[:60] + '…'}: {why}"
