"""Relations in an answer other than "=", "<", ">", "\\le", "\\ge" and "\\approx" (see verify.py).

"42 \\ne 43", "42 \\equiv 0", "x^2 = 4 \\implies x = 2" or "A \\subset B" are statements, not
values: the parser would keep one side and drop the relation. Such an answer is WRONG
unless the gold uses the same relation (then the usual comparison decides). The
approximation family (\\approx, \\sim, \\simeq, \\cong, ...) is read by answer.py as a chain
whose sides must all be the answer.
"""

from __future__ import annotations

import re

APPROX = "\\approx"
# Written differently, meant the same: each side is a value close to the other.
_APPROX_FAMILY = re.compile(
    r"\\(?:approxeq|approx|thickapprox|simeq|sim|thicksim|cong|doteqdot|doteq|fallingdotseq"
    r"|risingdotseq)(?![a-zA-Z])"
)
_OTHER = re.compile(
    r"\\(?:ne|equiv|propto|ll|gg|lll|ggg|lesssim|gtrsim|lessapprox|gtrapprox|lessgtr|gtrless"
    r"|nless|ngtr|nleq|ngeq|nleqslant|ngeqslant|prec|succ|preceq|succeq|subset|subseteq"
    r"|subsetneq|supset|supseteq|supsetneq|notin|ni|to|rightarrow|longrightarrow|Rightarrow"
    r"|Longrightarrow|implies|impliedby|iff|Leftrightarrow|Longleftrightarrow|leftrightarrow"
    r"|leftarrow|Leftarrow|gets|mapsto|longmapsto|perp|parallel|nparallel|nmid|asymp"
    r"|vdash|models|therefore|because)(?![a-zA-Z])"
)


_UNICODE = {
    "≈": "\\approx", "≃": "\\simeq", "≅": "\\cong", "∼": "\\sim", "≐": "\\doteq",
    "≡": "\\equiv", "∝": "\\propto", "→": "\\to", "⇒": "\\Rightarrow", "⟹": "\\implies",
    "⇔": "\\iff", "⊂": "\\subset", "⊆": "\\subseteq", "∉": "\\notin",
}  # fmt: skip
_UNICODE_RE = re.compile("|".join(_UNICODE))


def normalize(text: str) -> str:
    """Relation symbols as commands; the approximation family written as "\\approx"."""
    text = _UNICODE_RE.sub(lambda m: f" {_UNICODE[m.group(0)]} ", text)
    return _APPROX_FAMILY.sub(lambda _: f" {APPROX} ", text)


def foreign_relation(gold: str, answer: str) -> str | None:
    """The first relation of `answer` (see above) that `gold` does not use, else None."""
    found = {m.group(0) for m in _OTHER.finditer(answer)}
    if not found:
        return None
    missing = found - {m.group(0) for m in _OTHER.finditer(gold)}
    return min(missing) if missing else None
