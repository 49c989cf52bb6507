"""Azure RBAC as the rehearsal enforces it: built-in roles, assignments at a scope, propagation.

A call is allowed when an assignment of the caller, effective by now, sits at the resource's
scope or above it, and its role's actions (control plane) or dataActions (data plane) match
the operation without a notActions/notDataActions match. `*` matches any text, `/` included,
and names compare without case, as Azure documents for role definitions.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("roles.json")


@cache
def table() -> dict[str, Any]:
    return json.loads(TABLE.read_text())


def operation(name: str) -> str:
    """The data action of one REST call of the table ("keyvault.setSecret")."""
    return table()["operations"][name]


@cache
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in glob), re.IGNORECASE)


def _matches(globs: Iterable[str], action: str) -> bool:
    return any(_pattern(glob).fullmatch(action) for glob in globs)


def grants(role: str, action: str, data: bool) -> bool:
    """Whether the built-in `role` allows `action` (a dataAction when `data`)."""
    definition = table()["roles"].get(role)
    if definition is None:
        raise KeyError(f"role {role!r} is not in {TABLE.name}: add its published definition")
    allowed, denied = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    return _matches(definition[allowed], action) and not _matches(definition[denied], action)


def within(scope: str, resource: str) -> bool:
    """Whether `resource` is `scope` or below it (a role assigned at a vault applies to its secrets)."""
    scope, resource = scope.rstrip("/").lower(), resource.rstrip("/").lower()
    return resource == scope or resource.startswith(scope + "/")


@dataclass(frozen=True)
class Assignment:
    """One role assignment; `source` says where it is declared (a Terraform address or "prerequisite")."""

    scope: str
    role: str
    principal: str
    source: str
    effective_at: float = 0.0


@dataclass(frozen=True)
class Denial:
    principal: str
    action: str
    scope: str
    reason: str

    def message(self) -> str:
        """The refusal as the service words it (the rehearsal's own reason last): Key Vault's and Cosmos DB's
        data planes as their 403 bodies say it, the rest as ARM's AuthorizationFailed."""
        if self.action.startswith("Microsoft.KeyVault/"):
            return ("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments "
                    "or role definitions were changed recently, please observe propagation time.\r\n"
                    f"Caller: oid={self.principal}\r\nAction: '{self.action}'\r\nResource: '{self.scope.lower()}'\r\n"
                    f"Assignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' ({self.reason})\r\n")
        if self.action.startswith("Microsoft.DocumentDB/"):
            return (f"Request blocked by Auth : Request is blocked because principal [{self.principal}] does not have "
                    f"required RBAC permissions to perform action [{self.action}] on resource [{self.scope}] "
                    f"({self.reason}). Learn more: https://aka.ms/cosmos-native-rbac.")
        return (f"The client '{self.principal}' does not have authorization to perform action '{self.action}' "
                f"over scope '{self.scope}' ({self.reason})")


class Authorizer:
    """The assignments of one subscription; `clock` is monotonic seconds (the propagation delay's)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.assignments: list[Assignment] = []
        self.clock = clock

    def assign(self, assignments: Iterable[Assignment]) -> None:
        self.assignments.extend(assignments)

    def revoke(self, source_prefix: str) -> None:
        self.assignments = [a for a in self.assignments if not a.source.startswith(source_prefix)]

    def check(self, principal: str, action: str, resource: str, data: bool) -> Denial | None:
        """None when allowed; else the denial, saying whether a matching role is still propagating."""
        now = self.clock()
        matching = [a for a in self.assignments
                    if a.principal == principal and within(a.scope, resource) and grants(a.role, action, data)]
        if any(a.effective_at <= now for a in matching):
            return None
        reason = (f"role {matching[0].role!r} from {matching[0].source} is assigned but not effective yet"
                  if matching else "no role assignment grants it")
        return Denial(principal, action, resource, reason)
