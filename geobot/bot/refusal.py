"""A refused call in words: its status and the permission the service says is missing.

A 401 or 403 from Key Vault, Cosmos DB or the Language service means the region's identity
lacks a role (or it has not applied yet). The bot's health answer says so with the data action
the service names, so `geobot deploy`'s online stage can name it too; nothing else of the
error's text is kept, as it may quote the request. Each service words the permission its own
way; the deployer's ARM errors (`geobot.targets.azure.errors`) use the same patterns.
"""

from __future__ import annotations

import re

PERMISSION = (
    re.compile(r"authorization to perform action '([^']+)'"),  # ARM
    re.compile(r"Action: '([^']+)'"),  # Key Vault (RBAC)
    re.compile(r"does not have (.+?) permission on key vault"),  # Key Vault (access policies)
    re.compile(r"permissions to perform action \[([^\]]+)\]"),  # Cosmos DB (data-plane RBAC)
)


def permission(message: str) -> str | None:
    """The permission a refusal's message says is missing, if it names one."""
    for pattern in PERMISSION:
        if found := pattern.search(message):
            return found.group(1)
    return None


def refusal(error: object) -> str | None:
    """`refused (403): the identity lacks <permission>` for an SDK error with status 401 or 403, else None."""
    status = getattr(error, "status_code", None)
    if status not in (401, 403):
        return None
    missing = permission(str(getattr(error, "message", None) or error))
    return f"refused ({status})" + (f": the identity lacks {missing}" if missing else "")
