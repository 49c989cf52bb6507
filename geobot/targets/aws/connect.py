"""The Amazon Connect instance's list of Lex V2 bots: a flow may only talk to an alias listed there.

`aws_connect_bot_association` only knows Lex V1 bots, so the publish stage lists the aliases
itself, before the second apply creates the flow that uses them. Both directions are
idempotent: an alias already listed is not added again, one not listed is not removed. An
alias of one of this deployment's bots that is no longer the published one (the alias was
recreated by hand) is taken off the list, so the instance never keeps a dangling entry.
"""

from __future__ import annotations

from collections.abc import Iterable

from geobot.targets.aws.clients import Api


def listed(connect: Api, instance_id: str) -> set[str]:
    """The alias ARNs of the Lex V2 bots the instance lists."""
    bots = connect.pages("list_bots", "LexBots", "list the Connect instance's bots", InstanceId=instance_id,
                         LexVersion="V2")
    return {b["LexV2Bot"]["AliasArn"] for b in bots if "LexV2Bot" in b}


def associate(connect: Api, instance_id: str, alias_arns: Iterable[str]) -> list[str]:
    """List every alias in the instance; returns the ARNs it added and removed, marked + and -."""
    wanted = set(alias_arns)
    present = listed(connect, instance_id)
    bots = {_bot_prefix(arn) for arn in wanted}
    stale = sorted(arn for arn in present - wanted if _bot_prefix(arn) in bots)
    changes = []
    for arn in sorted(wanted - present):
        connect.call("associate_bot", "list the bot alias in the Connect instance", InstanceId=instance_id,
                     LexV2Bot={"AliasArn": arn})
        changes.append(f"+{arn}")
    for arn in stale:
        _remove(connect, instance_id, arn)
        changes.append(f"-{arn}")
    return changes


def disassociate(connect: Api, instance_id: str, alias_arns: Iterable[str]) -> list[str]:
    """Take the aliases off the instance's list; returns those that were on it."""
    present = listed(connect, instance_id)
    removed = sorted(set(alias_arns) & present)
    for arn in removed:
        _remove(connect, instance_id, arn)
    return removed


def _remove(connect: Api, instance_id: str, arn: str) -> None:
    connect.call("disassociate_bot", "take the bot alias off the Connect instance", InstanceId=instance_id,
                 LexV2Bot={"AliasArn": arn})


def _bot_prefix(alias_arn: str) -> str:
    """arn:aws:lex:region:account:bot-alias/BOTID/ALIASID → everything up to the bot id."""
    return alias_arn.rsplit("/", 1)[0]
