"""`moderate`: every detector's findings, overlaps resolved, each replaced by `[KIND]`."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

KINDS = ("PRIVATE_KEY", "SECRET", "EMAIL", "CARD", "IP", "PHONE")
"""What is redacted; when two findings overlap, the one of the earlier kind wins (a token
inside a key block is part of the key; an e-mail address is not a phone number)."""

EXTRA_HINT = "moderation needs the [moderation] extra: pip install 'reward-server[moderation]'"


@dataclass(frozen=True)
class Finding:
    """`kind` (one of KINDS) found at text[start:end] of the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Moderated:
    text: str
    findings: list[Finding]


def moderate(text: str, region: str = "US") -> Moderated:
    """`text` with PII and secrets replaced by typed placeholders (`[EMAIL]`, `[PHONE]`,
    `[CARD]`, `[IP]`, `[SECRET]`, `[PRIVATE_KEY]`), and what was found where.

    `region` is the country whose national phone format is recognised (numbers written
    with a `+` country code are found whatever it is).
    """
    try:
        from reward_server.moderation import credentials, pii
    except ModuleNotFoundError as err:  # detect-secrets or phonenumbers missing
        raise ModuleNotFoundError(f"{EXTRA_HINT} ({err})", name=err.name) from None
    found = [
        *credentials.private_keys(text),
        *credentials.secrets(text),
        *pii.emails(text),
        *pii.cards(text),
        *pii.ips(text),
        *pii.phones(text, region),
    ]
    kept = _without_overlaps(found)
    parts, at = [], 0
    for f in kept:
        parts += [text[at : f.start], f"[{f.kind}]"]
        at = f.end
    parts.append(text[at:])
    return Moderated("".join(parts), kept)


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    """Findings by kind priority, then longest first; one that overlaps a kept one goes."""
    ranked = sorted(found, key=lambda f: (KINDS.index(f.kind), f.start - f.end, f.start))
    starts: list[int] = []  # the kept findings, sorted by start, never overlapping
    kept: list[Finding] = []
    for f in ranked:
        i = bisect.bisect_left(starts, f.start)
        if (i < len(kept) and kept[i].start < f.end) or (i and kept[i - 1].end > f.start):
            continue
        starts.insert(i, f.start)
        kept.insert(i, f)
    return kept
