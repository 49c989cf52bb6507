"""One Lex V2 probe: does the published alias still understand the test utterance?

The post compared the bot's reply text with a fixed string, so rewording a prompt "failed" a
healthy region, and it used the retired Lex V1 runtime. A probe here calls Lex V2
`RecognizeText` and passes when the recognized intent is the expected one with an NLU
confidence of at least the minimum; the reply text is not looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .settings import BotAlias


@dataclass(frozen=True)
class ProbeResult:
    """Whether one probe passed, and why not, for the log line."""

    passed: bool
    reason: str = ""


def probe(
    client: Any,
    alias: BotAlias,
    *,
    locale_id: str,
    utterance: str,
    session_id: str,
    expected_intent: str,
    min_confidence: float,
) -> ProbeResult:
    """Send the test utterance to `alias` in a fresh session and judge the interpretation."""
    try:
        response = client.recognize_text(
            botId=alias.bot_id,
            botAliasId=alias.alias_id,
            localeId=locale_id,
            sessionId=session_id,
            text=utterance,
        )
    except (ClientError, BotoCoreError) as e:
        return ProbeResult(False, f"call failed: {e}")
    intent = response.get("sessionState", {}).get("intent", {}).get("name")
    if intent != expected_intent:
        return ProbeResult(False, f"intent {intent!r}, expected {expected_intent!r}")
    score = next(
        (
            i.get("nluConfidence", {}).get("score")
            for i in response.get("interpretations", [])
            if i.get("intent", {}).get("name") == expected_intent
        ),
        None,
    )
    if score is None or score < min_confidence:
        return ProbeResult(False, f"confidence {score} below {min_confidence}")
    return ProbeResult(True)
