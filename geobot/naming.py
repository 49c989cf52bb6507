"""Every resource name geobot derives from the bot name, the real limits each must meet, and
the syntax of the names a user types (bot name, domain, email).

Names are deterministic (the same config always names the same resources, which is what
makes a re-run find what an interrupted run created). Per-region names embed the region's
short form. The schemes are chosen so that every valid bot name (1-19 characters) with every
known region gives valid names; `violations` still checks each one, because a limit or a
region list can change under us. The `local` target simulates Azure, so it uses Azure's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geobot.regions import short_name

BOT_NAME = re.compile(r"[a-z][a-z0-9]{0,18}")
BOT_NAME_RULE = "must be 1-19 lowercase letters and digits, starting with a letter"

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")


@dataclass(frozen=True)
class NameRule:
    """One cloud resource's naming limit, as the provider documents it."""

    what: str
    pattern: re.Pattern[str]
    limit: str

    def allows(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


def _rule(what: str, pattern: str, limit: str) -> NameRule:
    return NameRule(what, re.compile(pattern), limit)


AZURE_RULES: dict[str, NameRule] = {
    "resource_group": _rule(
        "resource group", r"[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]",
        "1-90 letters, digits, underscores, periods, parentheses and hyphens, not ending with a period"),
    "key_vault": _rule(
        "Key Vault", r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
        "3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, "
        "no consecutive hyphens"),
    "storage_account": _rule("storage account", r"[a-z0-9]{3,24}", "3-24 lowercase letters and digits"),
    "cosmos_account": _rule(
        "Cosmos DB account", r"[a-z0-9][a-z0-9-]{1,42}[a-z0-9]",
        "3-44 lowercase letters, digits and hyphens, starting and ending with a letter or digit"),
    "traffic_manager": _rule(
        "Traffic Manager profile", r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?",
        "1-63 letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit"),
    "traffic_manager_dns": _rule(
        "Traffic Manager relative DNS name", r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
        "a DNS label: 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen"),
    "bot": _rule(
        "Azure Bot handle", r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}",
        "2-64 letters, digits, underscores, periods and hyphens, starting with a letter or digit"),
    "web_app": _rule(
        "web app", r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
        "2-60 letters, digits and hyphens, starting and ending with a letter or digit"),
    "app_service_plan": _rule("App Service plan", r"[A-Za-z0-9-]{1,60}", "1-60 letters, digits and hyphens"),
    "language_account": _rule(
        "language account custom subdomain", r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]",
        "2-64 lowercase letters, digits and hyphens, starting and ending with a letter or digit"),
    "endpoint": _rule(
        "Traffic Manager endpoint", r"[A-Za-z0-9][A-Za-z0-9._-]{0,259}",
        "1-260 letters, digits, periods, underscores and hyphens, starting with a letter or digit"),
}

_LAMBDA = _rule("Lambda function", r"[A-Za-z0-9_-]{1,64}", "1-64 letters, digits, hyphens and underscores")

AZURE_RULES["certificate_vault"] = AZURE_RULES["key_vault"]

AWS_RULES: dict[str, NameRule] = {
    "dynamodb_table": _rule(
        "DynamoDB table", r"[A-Za-z0-9_.-]{3,255}", "3-255 letters, digits, underscores, periods and hyphens"),
    "region_check_function": _LAMBDA,
    "health_check_function": _LAMBDA,
    "lambda_role": _rule("IAM role", r"[A-Za-z0-9+=,.@_-]{1,64}", "1-64 letters, digits and +=,.@_-"),
    "schedule": _rule(
        "EventBridge Scheduler schedule", r"[A-Za-z0-9_.-]{1,64}",
        "1-64 letters, digits, periods, underscores and hyphens"),
    "lex_bot": _rule(
        "Lex V2 bot", r"(?=.{1,100}$)(?:[A-Za-z0-9][_-]?)+",
        "1-100 letters and digits, single hyphens or underscores between them"),
}
AWS_RULES["lex_role"] = AWS_RULES["lambda_role"]


def rules(target: str) -> dict[str, NameRule]:
    """The naming limits of the cloud a target deploys to (local simulates Azure)."""
    return AWS_RULES if target == "aws" else AZURE_RULES


def global_names(target: str, name: str) -> dict[str, str]:
    """Names of the deployment's global resources, one per resource kind."""
    if target == "aws":
        return {
            "dynamodb_table": f"{name}-region-map",
            "region_check_function": f"{name}-region-check",
            "lambda_role": f"{name}-lambda-role",
            "lex_role": f"{name}-lex-role",
            "schedule": f"{name}-health-check",
        }
    return {
        "resource_group": f"rg-{name}-global",
        "key_vault": f"kv-{name}",
        "certificate_vault": f"kvc-{name}",
        "storage_account": f"st{name}",
        "cosmos_account": f"cosmos-{name}",
        "traffic_manager": f"tm-{name}",
        "traffic_manager_dns": name,
        "bot": f"bot-{name}",
    }


def regional_names(target: str, name: str, region: str) -> dict[str, str]:
    """Names of one region's resources; the region's short form keeps them distinct and short."""
    short = short_name(region)
    if target == "aws":
        return {"lex_bot": f"{name}-bot-{short}", "health_check_function": f"{name}-health-check-{short}"}
    return {
        "resource_group": f"rg-{name}-{short}",
        "web_app": f"app-{name}-{short}",
        "app_service_plan": f"plan-{name}-{short}",
        "language_account": f"lang-{name}-{short}",
        "endpoint": f"ep-{short}",
    }


def violations(target: str, names: dict[str, str]) -> list[tuple[str, NameRule]]:
    """The derived names that break their resource's limit, with the rule each breaks."""
    table = rules(target)
    return [(value, table[kind]) for kind, value in names.items() if not table[kind].allows(value)]


def is_dns_name(name: str) -> bool:
    """A public host name: two or more LDH labels of 1-63 characters, at most 253 in all."""
    labels = name.lower().split(".")
    return (len(name) <= 253 and len(labels) >= 2 and not labels[-1].isdigit()
            and all(_LABEL.fullmatch(label) for label in labels))


def is_host_name(name: str) -> bool:
    """A host name a URL may hold: LDH labels of 1-63 characters, at most 253 in all (one label is enough)."""
    return len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.lower().split("."))


def is_email(address: str) -> bool:
    """An address an ACME server accepts: a plain local part at a public host name."""
    local, at, domain = address.rpartition("@")
    return bool(at) and _EMAIL_LOCAL.fullmatch(local) is not None and is_dns_name(domain)
