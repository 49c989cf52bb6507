"""How geobot reaches Azure outside Terraform: one credential, one subscription, one retry policy.

Every client in this package is built from an `AzureSession` and reads no environment itself,
so the stages decide where credentials come from and tests hand in a fixed token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

ARM_SCOPE = "https://management.azure.com/.default"


@dataclass(frozen=True)
class Retry:
    """How long to insist before a failure becomes the user's problem.

    `attempts`, `backoff` and `backoff_max` configure azure-core's RetryPolicy in every client:
    it retries dropped connections and 408, 429, 500, 502, 503, 504 (POST and PATCH: 500, 503,
    504) with exponential backoff, and any answer with `Retry-After` after waiting as it asks.
    `propagation_attempts` and `propagation_delay` are geobot's own: a resource Terraform has
    just created can answer 404 for a while on ARM's other replicas.
    """

    attempts: int = 4
    backoff: float = 2.0
    backoff_max: int = 60
    propagation_attempts: int = 6
    propagation_delay: float = 10.0

    def sdk_options(self) -> dict[str, Any]:
        """Keyword arguments for any azure-core based client."""
        return {
            "retry_total": self.attempts,
            "retry_status": self.attempts,
            "retry_connect": self.attempts,
            "retry_read": self.attempts,
            "retry_backoff_factor": self.backoff,
            "retry_backoff_max": self.backoff_max,
        }


@dataclass(frozen=True)
class AzureSession:
    credential: TokenCredential
    subscription_id: str
    retry: Retry = field(default_factory=Retry)

    @classmethod
    def signed_in(cls, subscription_id: str, env: Mapping[str, str], retry: Retry | None = None) -> AzureSession:
        """The user's own sign-in: `az login`, a service principal, or CI's federated token.

        No credential asks for a token before the first call; a missing sign-in then surfaces
        as PrerequisiteError through `geobot.targets.azure.errors`.
        """
        from geobot.targets.azure.signin import credential

        return cls(credential(env), subscription_id, retry or Retry())
