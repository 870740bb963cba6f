"""Secrets: private key blocks, and API keys and tokens (detect-secrets' detectors)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins import keyword
from detect_secrets.plugins.base import RegexBasedDetector

from reward_server.moderation.redact import Finding

# A PEM/OpenSSH/PGP private key from its BEGIN line to its END line; a block cut off
# before its END (a truncated trace) is redacted to the end of the text.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
    re.DOTALL,
)
# Keys detect-secrets 1.5 has no detector for and that turn up in LLM traces: OpenAI's
# project and Anthropic's keys, Google API keys, Hugging Face tokens, bearer tokens.
_EXTRA = (
    re.compile(r"\bsk-(?:proj-|ant-(?:api\d+-)?|svcacct-)?[A-Za-z0-9_-]{32,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    re.compile(r"(?<=\bBearer )[A-Za-z0-9._~+/-]{20,}=*"),
)
# detect-secrets' own private-key detector flags only the BEGIN line (the block is
# handled above); its IP detector is replaced by pii.ips (v6 too, private ranges too).
_NOT_USED = {"PrivateKeyDetector", "IPPublicDetector"}
_KEYWORD_RULES = {
    **keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,  # password = "...", in code
    **keyword.CONFIG_DENYLIST_REGEX_TO_GROUP,  # API_KEY=..., token: ..., in configs
}
_VALUE_CHARS = re.compile(r"[^\s'\"`,;]+")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_-]*")


@functools.cache
def _detector_patterns() -> list[re.Pattern]:
    patterns = []
    for cls in get_mapping_from_secret_type_to_class().values():
        if issubclass(cls, RegexBasedDetector) and cls.__name__ not in _NOT_USED:
            patterns.extend(cls().denylist)
    return patterns


def private_keys(text: str) -> Iterator[Finding]:
    for m in _PRIVATE_KEY.finditer(text):
        yield Finding("PRIVATE_KEY", m.start(), m.end())


def secrets(text: str) -> Iterator[Finding]:
    yield from _pattern_secrets(text)
    yield from _keyword_secrets(text)


def _pattern_secrets(text: str) -> Iterator[Finding]:
    for pattern in (*_detector_patterns(), *_EXTRA):
        for m in pattern.finditer(text):
            # A pattern whose group holds the secret after some context (user:PASS@,
            # aws_key="...") redacts the group; one whose group is a prefix the whole.
            start, end = m.span(1) if pattern.groups and m.start(1) > m.start() else m.span()
            value = m.string[start:end].strip(" \t\r\n=:\"'")
            if value:
                start = m.string.index(value, start)
                # A token does not end inside a word: take the rest of it too.
                end = _TOKEN_TAIL.match(text, start + len(value)).end()
                yield Finding("SECRET", start, end)


def _keyword_secrets(text: str) -> Iterator[Finding]:
    """`password = "..."`, `api_key: ...`: the value after a secret-sounding name. A value
    of lower-case letters only ("password: required") is prose, not a secret."""
    offset = 0
    for line in text.splitlines(keepends=True):
        for pattern, group in _KEYWORD_RULES.items():
            for m in pattern.finditer(line):
                value = _VALUE_CHARS.match(m.group(group) or "")
                if value is None or _is_prose(value.group()):
                    continue
                start = offset + m.start(group)
                yield Finding("SECRET", start, start + len(value.group()))
        offset += len(line)


def _is_prose(value: str) -> bool:
    return len(value) < 6 or (value.isalpha() and value.islower())
