"""Personal data: e-mail addresses, phone numbers, payment cards, IP addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

import phonenumbers

from reward_server.moderation.redact import Finding

# RFC 5322's common subset (with RFC 6531's non-ASCII letters): a dotted local part, a
# domain of labels and a letter TLD.
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)
# 13-19 digits, in groups split by single spaces or dashes; Luhn and the issuer prefix
# decide (ISBNs, phone numbers and long products rarely pass both).
_CARD = re.compile(r"(?<![\w.,])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")
_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|4[4-9]|5)|35")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])")
_PHONE_BEFORE = re.compile(r"[\w./]")  # a decimal, a path, a longer number
_PHONE_AFTER = re.compile(r"[\w/]|[.,-]\d")
_DECIMAL = re.compile(r"\d+\.\d+")


def emails(text: str) -> Iterator[Finding]:
    for m in _EMAIL.finditer(text):
        yield Finding("EMAIL", m.start(), m.end())


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def cards(text: str) -> Iterator[Finding]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn(digits):
            yield Finding("CARD", m.start(), m.end())


def ips(text: str) -> Iterator[Finding]:
    for m in _IPV4.finditer(text):
        if all(int(part) <= 255 for part in m.group().split(".")):
            yield Finding("IP", m.start(), m.end())
    for m in _IPV6.finditer(text):
        candidate = m.group()
        if sum(c in "0123456789abcdefABCDEF" for c in candidate) < 2:
            continue  # "::" or "a::" in code, not an address
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield Finding("IP", m.start(), m.end())


def phones(text: str, region: str = "US") -> Iterator[Finding]:
    """Numbers phonenumbers finds valid for `region` (or with a + country code), written
    as phone numbers are: with a +, or with separators. A bare run of digits in a trace
    is far more often a computed number than a phone number, so it is left alone."""
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    for m in matcher:
        raw = m.raw_string
        if not raw.startswith("+") and not re.search(r"[\s().-]", raw):
            continue
        if _DECIMAL.fullmatch(raw):
            continue  # 1.4142135623 is a number, not +1 414 213 5623
        if _PHONE_BEFORE.match(text, max(m.start - 1, 0), m.start) or _PHONE_AFTER.match(
            text, m.end
        ):
            continue  # part of a decimal, a date or a longer token
        yield Finding("PHONE", m.start, m.end)
