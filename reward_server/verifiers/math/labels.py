"""Names in front of an answer: "x = 1", "AB = 4", "Maximum = 2", "T(10) = 2", "(p, q) = (3, 2)".

A label is the left side of "=" when it names the quantity asked for rather than stating
an equation: a variable ("x", "x_1", "\\alpha"), a word or a segment ("AB", "Maximum",
"\\text{area}"), a function applied to its argument ("f(x)", "T(10)"), a ratio, quotient or
absolute value of names ("A:B", "\\frac{NO}{BO}", "|AB|") or a tuple of names ("(p, q)").
Anything with a number or an operator outside an index or an argument ("x^2 + y^2",
"2x", "7") is not a label: "7 = 11a+c" is an equation, not the value 11a+c.

Names are compared after spelling is normalised ("x_{1}" is "x_1", "T(10)" is "T_10");
words of three letters or more ignore case and a trailing "value", and name extremes
alike ("\\max", "\\text{max}", "largest" are "maximum"). Two function labels with one
letter argument each ("f(x)" and "f(z)") name the same function: the argument is a bound
variable.
"""

from __future__ import annotations

import re

from reward_server.verifiers.math.scan import is_enclosed, split_top

_WRAPPER = re.compile(
    r"\\(?:text|textrm|textit|mathrm|mathit|mbox|operatorname|mathbf|bf)\s*\{([^{}]*)\}"
)
_SUBSCRIPT = re.compile(r"_\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9])")
_PRIME = re.compile(r"'+|\^\s*\{?\\prime\}?")
_ARGUMENT = re.compile(r"\((?:[^()]*)\)")
_FRAC = re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_DECORATION = re.compile(
    r"\\(?:angle|overline|bar|vec|overrightarrow|widehat|hat|triangle|measuredangle)(?![A-Za-z])"
)
_NAME_CHARS = re.compile(r"(?:[A-Za-z]|\\[A-Za-z]+|[\s:|/{}])+")
_NOT_NAMES = frozenset({
    "\\pi", "\\infty", "\\sqrt", "\\cdot", "\\times", "\\div", "\\pm", "\\sin", "\\cos", "\\tan",
    "\\log", "\\ln", "\\exp", "\\sum", "\\int",
})  # fmt: skip
_FUNCTION = re.compile(r"([A-Za-z](?:_\{?\w+\}?)?)\(\s*([A-Za-z])\s*\)")
_COMMANDS = re.compile(r"\\[A-Za-z]+")


def label_name(text: str) -> str | None:
    """The normalised name when `text` is a label (see above), else None."""
    text = text.strip()
    if not text or len(text) > 60:
        return None
    bare = _WRAPPER.sub(r"\1", text)
    bare = _FRAC.sub(r"\1/\2", bare)
    bare = _DECORATION.sub(" ", bare)
    bare = _PRIME.sub("", bare)
    bare = _SUBSCRIPT.sub("", bare)
    bare = _ARGUMENT.sub("", bare)
    if not _NAME_CHARS.fullmatch(bare) or not re.search(r"[A-Za-z]", bare):
        return None
    if any(c in _NOT_NAMES for c in _COMMANDS.findall(bare)):
        return None
    return normalise(text)


def tuple_names(text: str) -> list[str] | None:
    """ "(p, q)" -> ["p", "q"] when every member is a label, else None."""
    text = text.strip()
    if not is_enclosed(text, "(", ")"):
        return None
    members = split_top(text[1:-1], (",",))
    names = [label_name(m) for m in members]
    if len(names) < 2 or None in names:
        return None
    return [n for n in names if n is not None]


def normalise(name: str) -> str:
    """A label's name as compared (see the module's docstring)."""
    name = _WRAPPER.sub(r"\1", name)
    # "\\overline{AB}" and "AB" name one segment, "\\angle A" and "A" one angle.
    name = _DECORATION.sub("", name)
    name = re.sub(r"(?<![A-Za-z}])\{([A-Za-z]+)\}", r"\1", name)
    name = re.sub(r"_\s*\{\s*([^{}\s]*)\s*\}", r"_\1", name)
    name = re.sub(r"\s+", "", name)
    # "T(10)" and "T_{10}" name the same term of a sequence.
    name = re.sub(r"^([A-Za-z])\((\d+)\)$", r"\1_\2", name)
    if len(name.lstrip("\\")) >= 3 and name.lstrip("\\").isalpha():
        word = name.lstrip("\\").casefold().removesuffix("value")
        return _ALIASES.get(word, word)
    return name


def same_name(gold: str, answer: str) -> bool:
    """Whether two labels name the same thing (a function's bound variable is free)."""
    if gold == answer:
        return True
    g, a = _FUNCTION.fullmatch(gold), _FUNCTION.fullmatch(answer)
    return bool(g and a and g.group(1) == a.group(1))


def bound_rename(gold: str, answer: str, text: str) -> str | None:
    """The answer's value with its function's argument renamed to the gold's: for "f(z) = z"
    against "f(x) = ...", "z" becomes "x". None when the answer also uses the gold's letter
    ("f(t) = 3x - 2": that x is not the argument)."""
    g, a = _FUNCTION.fullmatch(gold), _FUNCTION.fullmatch(answer)
    if not (g and a) or g.group(2) == a.group(2):
        return text
    if _letter(g.group(2)).search(text):
        return None
    return _letter(a.group(2)).sub(g.group(2), text)


def _letter(letter: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z\\]){letter}(?![A-Za-z])")


# Words that name the same extreme ("\\max = 2" is "Maximum = 2").
_ALIASES = {
    "max": "maximum", "min": "minimum", "maximal": "maximum", "minimal": "minimum",
    "largest": "maximum", "smallest": "minimum", "greatest": "maximum", "least": "minimum",
}  # fmt: skip
_ROOT_NAMES = frozenset({"x", "y", "z", "t"})


def roots_of_one_unknown(names: list[str]) -> bool:
    """ "x_1", "x_2": indexed names of one unknown, which list its solutions in any order
    ("a_1", "a_2" name the terms of a sequence, in their order)."""
    bases = {name.split("_", 1)[0] for name in names}
    return len(bases) == 1 and bases <= _ROOT_NAMES and all("_" in name for name in names)
