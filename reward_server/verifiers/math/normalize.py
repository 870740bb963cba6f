"""Text clean-up of one answer: delimiters, units, currency, percent and degree marks.

The result is a canonical LaTeX-ish string plus the marks that were removed, so that the
comparison can apply the percent and degree rules (see verify.py) instead of losing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reward_server.verifiers.math.numbers import number_word_prefix

_UNICODE = {
    "\x00": "", "−": "-", "–": "-", "—": "-", "×": "\\times ", "÷": "\\div ", "·": "\\cdot ",
    "π": "\\pi ", "∞": "\\infty ", "≤": "\\le ", "≥": "\\ge ", "⩽": "\\le ", "⩾": "\\ge ",
    "≠": "\\ne ", "∪": "\\cup ", "∩": "\\cap ", "√": "\\sqrt ", "°": "^\\circ", "\u00a0": " ",
    "\u2009": " ", "\u202f": " ", "\u2006": " ", "\u2007": " ", "\u200b": "",
}  # fmt: skip
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))

# Pure layout commands that never change a value.
_LAYOUT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|textstyle)(?![a-zA-Z])|\\!")
_FRAC_ALIASES = re.compile(r"\\[dt]frac(?![a-zA-Z])")
# "\\quad" may run into the next word ("\\quadx_2"): no command starts with "quad".
_SPACING = re.compile(r"\\q?quad|\\(?:enspace|thinspace)(?![a-zA-Z])|\\[;:,]|(?<!\\)\\ |~")
# "11,\\!111": a comma then a negative thin space is a thousands separator.
_GROUP_COMMA = re.compile(r"(?<=\d)(?:,|\{,\})\s*\\!\s*(?=\d{3}(?!\d))")
# "\\\\frac" outside a matrix is a command escaped twice (JSON, Python strings), not a line
# break followed by text.
_DOUBLE_ESCAPE = re.compile(r"\\\\(?=[a-zA-Z])")
# Math delimiters inside an answer ("$21,16$ or $11$"); "\\$" is a dollar sign.
_INNER_DOLLAR = re.compile(r"(?<!\\)\$")
_BRACKETS = {"lbrace": "\\{", "rbrace": "\\}", "lbrack": "[", "rbrack": "]"}
_BRACKET_NAMES = re.compile(r"\\(lbrace|rbrace|lbrack|rbrack)(?![a-zA-Z])")
_SLANTED = re.compile(r"\\(leqslant|geqslant|leqq|geqq)(?![a-zA-Z])")
# "(11,7)or(7,11)": an "or" between two brackets even without blanks.
_GLUED_OR = re.compile(r"(?<=[)\]])\s*or\s*(?=[(\[])")
# A short comment after the answer: "x \text{ for all } x", "5 \text{ when } n > 2".
_COMMENT = re.compile(
    r"(?<=\S)\s*(?:\\(?:text|textrm|mbox|mathrm)\s*\{\s*(?:\(\s*[A-Za-z]{2,}|(?:for|where|when"
    r"|if|since|because|as|which|with|provided|given|unless|except|in all|at)\b)"
    r"|,?\s*\\forall(?![a-zA-Z])|,\s*[A-Za-z]\s*\\in\s*\\mathbb\s*\{?[RZNQC]\}?)"
    r"(?!.{0,40}?(?:else|otherwise)).{0,40}$"
)
# "2{,}74": a braced comma not followed by a group of three digits is a decimal comma.
_DECIMAL_BRACE_COMMA = re.compile(r"(?<=\d)\{,\}(?=\d(?!\d\d(?!\d)))")
_MAX_COMMENTED_CHARS = 2_000  # longer answers are compared as text only (guard.py)
_EMPTY_SET = re.compile(r"\\varnothing(?![a-zA-Z])|\\\{\s*\\\}")
_PYTHON_POWER = re.compile(r"(?<=[\w)}])\s*\*\*\s*(?=[\w({-])")
_TEXT_JOINER = re.compile(r"\\(?:text|textrm|mbox|mathrm)\{\s*(or|and)\s*\}", re.IGNORECASE)
_TEXT_WRAPPER = re.compile(r"\\(?:text|textrm|textbf|mbox|mathrm|mathbf|operatorname)\{([^{}]*)\}")

# Thousands separators that are never anything else: LaTeX "{,}", thin spaces between a
# digit and a group of exactly three digits. Plain commas are decided by the splitter.
_GROUP_SEP = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ | )(?=\d{3}(?!\d))")

_PERCENT = re.compile(
    r"\s*(?:\\%|%|\\text\{\s*(?:\\?%|percent)\s*\}|\s+percent)\s*$", re.IGNORECASE
)
_DEGREES = re.compile(
    r"\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|\s+degrees?)\s*$", re.IGNORECASE
)
_CURRENCY = re.compile(r"\\\$|\$|US\$|\bUSD\b|€|£|¥|₹|\\euro|\\pounds|\bRs\.?(?=\s*\d)")
# A unit after a number: "18\text{ meters}", "18 cm", "18\,\mathrm{kg}^2".
_TEXT_UNIT = re.compile(
    r"(?<=[\d}])\s*\\(?:text|mbox|mathrm|textrm)\{\s*(?:[A-Za-z]{2,}|[mgslhLKNJWVA]\b)[A-Za-z\s./]*\}"
    r"(?:\^\s*\{?[23]\}?)?"
)
# "12^{th}", "12^{\\text{th}}", "15th": an ordinal is its number.
_ORDINAL = re.compile(
    r"(?<=\d)\s*(?:\^\s*\{?\s*(?:\\text(?:rm)?\s*\{\s*)?(?:st|nd|rd|th)\s*\}?\s*\}?|(?:st|nd|rd|th)(?![A-Za-z]))"
)
_WORD_UNIT = re.compile(r"^([-+]?[\d.,/]+)\s+([A-Za-z]{2,}|[mgslhL])\b[A-Za-z\s.]*$")
# Words after a number that are mathematics, not a unit: "2 pi" is not 2.
_NOT_UNITS = frozenset({"pi", "sqrt", "ln", "log", "sin", "cos", "tan", "or", "and", "times",
                        "mod", "over", "plus", "minus", "inf", "infinity", "hundred",
                        "thousand", "million", "billion", "trillion", "dozen"})  # fmt: skip
_FACTORIAL = frozenset("0123456789)}")
_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("**", "**"))


@dataclass(frozen=True)
class Cleaned:
    """A cleaned answer and the marks taken off its end."""

    text: str
    percent: bool = False
    degrees: bool = False


def basic(text: str) -> str:
    """Clean-up that is safe for any answer: unicode, math delimiters, layout commands."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    text = strip_wrappers(text, factorial=True)
    if "\\begin" not in text:
        text = _DOUBLE_ESCAPE.sub(r"\\", text)
    text = _INNER_DOLLAR.sub(" ", text)
    text = _GROUP_COMMA.sub("", text)
    text = _DECIMAL_BRACE_COMMA.sub(".", text)
    text = _LAYOUT.sub("", text)
    text = _FRAC_ALIASES.sub(r"\\frac", text)
    text = _GROUP_SEP.sub("", text)
    text = _SPACING.sub(" ", text)
    text = _PYTHON_POWER.sub("^", text)
    text = text.replace("<=", "\\le ").replace(">=", "\\ge ").replace("!=", "\\ne ")
    text = _BRACKET_NAMES.sub(lambda m: _BRACKETS[m.group(1)], text)
    text = _SLANTED.sub(lambda m: "\\" + m.group(1)[:2], text)
    text = text.replace("\\leq", "\\le").replace("\\geq", "\\ge").replace("\\neq", "\\ne")
    text = _GLUED_OR.sub(" or ", text)
    if len(text) <= _MAX_COMMENTED_CHARS:
        text = _COMMENT.sub("", text)
    text = _EMPTY_SET.sub(r"\\emptyset", text)
    text = text.replace("\\lt", "<").replace("\\gt", ">")
    text = _TEXT_JOINER.sub(lambda m: f" {m.group(1).lower()} ", text)
    return re.sub(r"\s+", " ", text).strip()


def strip_wrappers(text: str, factorial: bool = False) -> str:
    """Removes surrounding math delimiters, bold marks and sentence punctuation. With
    `factorial` (an answer's own text, not a sentence) a "!" after a digit or a bracket is
    a factorial ("\\boxed{10!}"), not punctuation."""
    # Moves two indices and slices once: "$$$$...$$$$" nested a million deep stays linear.
    # Blanks and punctuation are stripped from the right in any mix: repeated rounds of
    # .strip().rstrip(".;,:!").strip() end at the same place, as no wrapper ends in either.
    lo, hi = 0, len(text)
    while True:
        span = hi - lo
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and (text[hi - 1] in ".;,:!" or text[hi - 1].isspace()):
            if factorial and text[hi - 1] == "!" and hi - 2 >= lo and text[hi - 2] in _FACTORIAL:
                break
            hi -= 1
        for left, right in _WRAPPERS:
            if (
                hi - lo >= len(left) + len(right)
                and text.startswith(left, lo, hi)
                and text.endswith(right, lo, hi)
            ):
                lo, hi = lo + len(left), hi - len(right)
        if hi - lo == span:
            return text[lo:hi]


def clean(text: str) -> Cleaned:
    """Full clean-up of one value: also strips units, currency, percent and degree marks."""
    text = basic(text)
    text = _CURRENCY.sub("", text).strip()
    text = _ORDINAL.sub("", text)
    percent = bool(_PERCENT.search(text))  # before units: "\\text{ percent}" is no unit
    if percent:
        text = _PERCENT.sub("", text)
    text = _TEXT_UNIT.sub("", text).strip()
    degrees = bool(_DEGREES.search(text))
    if degrees:
        text = _DEGREES.sub("", text)
    text = _unwrap_text(text)
    text = _drop_word_units(text)
    return Cleaned(
        text=strip_wrappers(text, factorial=True).strip(), percent=percent, degrees=degrees
    )


def _unwrap_text(text: str) -> str:
    # Loops because wrappers nest ("\text{\textbf{B}}"); bounded by the number of braces.
    for _ in range(text.count("{") + 1):
        new = _TEXT_WRAPPER.sub(lambda m: m.group(1), text)
        if new == text:
            break
        text = new
    return text.strip()


def _drop_word_units(text: str) -> str:
    """ "18 dollars" -> "18", "five apples" -> "5"; leaves anything else alone."""
    if (m := _WORD_UNIT.match(text)) and m.group(2).lower() not in _NOT_UNITS:
        return m.group(1)
    if len(text) < 120 and text[:1].isalpha() and (split := number_word_prefix(text)) is not None:
        value, rest = split
        if not rest or re.fullmatch(r"[A-Za-z][A-Za-z\s.]*", rest):
            return str(value)
    return text
