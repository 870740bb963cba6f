"""Commands that hide, overlay, strike out or decorate part of an answer.

An answer is judged as a reader sees it. The parser behind sympy keeps or drops such
content silently (it reads "41\\phantom{+1}" as 42), so every command below is either
interpreted here or refused (the answer is WRONG unless it is the gold's own text):

- blank: \\phantom{X}, \\hphantom{X} show a space; \\vphantom (no width), \\label,
  \\nonumber, \\notag, \\strut and \\mathstrut show nothing.
- shown as written: \\smash, \\boldsymbol, \\bm, \\underline, \\href{url}{X}; \\overset,
  \\underset and \\stackrel with an empty annotation; \\underbrace / \\overbrace without one.
- colour: \\color, \\textcolor, \\colorbox, \\fcolorbox keep their content when every
  colour is a plain name that shows on light and dark pages (red, blue, ...). White,
  black, mixes ("red!5"), models ("[rgb]") and codes may hide it: refused.
- refused: strike-outs (\\cancel, \\bcancel, \\xcancel, \\cancelto, \\sout, \\xout, \\not): a
  struck term may mean "removed" or "shown and wrong", and the value depends on which;
  overlays (\\rlap, \\llap, \\clap, \\mathrlap, \\mathllap, \\mathclap, \\raisebox, and
  negative or unreadable \\hspace, \\kern, \\mkern, \\mskip, \\hskip, \\mspace); \\tag (a
  second number beside the answer); annotations (\\overset{43}{42}); styling that may hide
  (\\htmlClass, \\htmlStyle, \\htmlId, \\htmlData, \\style, \\class, \\cssId, \\bbox,
  \\toggle, \\mathtip, \\texttip, \\scalebox, \\resizebox, \\mathchoice).
Finally a brace group around the whole answer is dropped ("{42}" shows 42).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from reward_server.verifiers.math.guard import MAX_SYMBOLIC_DEPTH
from reward_server.verifiers.math.scan import group_at, max_depth

# Longer answers are never handed to sympy (guard.MAX_SYMBOLIC_CHARS); they are compared
# as text, so interpreting them would gain nothing and cost a pass per command.
MAX_INTERPRETED_CHARS = 2_000

_STRUCK = "struck-out content"
_OVERLAID = "overlaid content"
_STYLED = "styled content that may be hidden"
_STRIKES = ("cancel", "bcancel", "xcancel", "cancelto", "sout", "xout", "not")
_OVERLAYS = ("rlap", "llap", "clap", "mathrlap", "mathllap", "mathclap", "raisebox")
_STYLES = ("htmlClass", "htmlStyle", "htmlId", "htmlData", "style", "class", "cssId", "bbox",
           "toggle", "mathtip", "texttip", "scalebox", "resizebox", "mathchoice")  # fmt: skip
_REFUSED = {
    **dict.fromkeys(_STRIKES, _STRUCK),
    **dict.fromkeys(_OVERLAYS, _OVERLAID),
    **dict.fromkeys(_STYLES, _STYLED),
    "tag": "equation tag beside the answer",
}
_BLANK = {"phantom": " ", "hphantom": " ", "vphantom": "", "label": ""}
_NOTHING = ("nonumber", "notag", "strut", "mathstrut")
_SHOWN = ("smash", "boldsymbol", "bm", "underline")
_ANNOTATED = ("overset", "underset", "stackrel")
_BRACES = ("overbrace", "underbrace")
_SPACES = ("hspace", "kern", "mkern", "mskip", "hskip", "mspace")
_COLOURS = {"color": 1, "textcolor": 1, "colorbox": 1, "fcolorbox": 2}  # colour arguments
_NAMES = (
    *_REFUSED, *_BLANK, *_NOTHING, *_SHOWN, *_ANNOTATED, *_BRACES, *_SPACES, *_COLOURS, "href"
)  # fmt: skip
_COMMAND = re.compile(r"\\(" + "|".join(sorted(_NAMES, key=len, reverse=True)) + r")(?![a-zA-Z])")
_REFUSED_COMMAND = re.compile(
    r"\\(" + "|".join(sorted(_REFUSED, key=len, reverse=True)) + r")(?![a-zA-Z])"
)

# Colours that show on a white and on a dark page alike.
_VISIBLE = frozenset({
    "red", "green", "blue", "cyan", "magenta", "orange", "purple", "violet", "brown", "teal",
    "olive", "maroon", "navy", "gray", "grey", "darkgreen", "darkblue", "darkred", "crimson",
})  # fmt: skip
_LENGTH = re.compile(r"\s*(\{\s*)?(-?)\s*\d*\.?\d+\s*(?:em|ex|mu|pt|px|cm|mm|in|bp|pc)\s*(?(1)\})")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")
_SCRIPT_BEFORE = re.compile(r"(?:\\[A-Za-z]+|[\^_}\]])\s*$")


@dataclass(frozen=True)
class Interpreted:
    """The answer as shown, or the reason it cannot be judged (`refused`)."""

    text: str
    refused: str | None = None


def interpret(text: str) -> Interpreted:
    """Interprets or refuses the commands above; other text is left as it is."""
    if "\\" not in text and "{" not in text:
        return Interpreted(text)
    if refused := _REFUSED_COMMAND.search(text):
        return Interpreted(text, f"{_REFUSED[refused.group(1)]}: \\{refused.group(1)}")
    if len(text) > MAX_INTERPRETED_CHARS:
        return Interpreted(text)
    for _ in range(len(_COMMAND.findall(text))):
        # The last command first: its arguments hold no other command to interpret.
        tail = deque(_COMMAND.finditer(text), maxlen=1)
        if not tail:
            break
        last = tail[0]
        step = _apply(text, last)
        if step.refused is not None:
            return Interpreted(text, step.refused)
        text = step.text
    return Interpreted(_drop_outer_braces(text).strip())


def _apply(text: str, m: re.Match[str]) -> Interpreted:
    name, before, at = m.group(1), text[: m.start()], m.end()
    if name in _COLOURS:
        return _colour(text, m)
    if name in _NOTHING:
        return Interpreted(before + text[at:])
    if name in _SPACES:
        length = _LENGTH.match(text, _skip_star(text, at))
        if length is None or length.group(2):
            return Interpreted(text, f"{_OVERLAID}: \\{name}")
        return Interpreted(before + " " + text[length.end() :])
    count = 2 if name in (*_ANNOTATED, "href") else 1
    args = _arguments(text, _skip_option(text, at), count)
    if args is None:
        return Interpreted(text, f"unreadable \\{name}")
    values, end = args
    if name in _BLANK:
        return Interpreted(before + _BLANK[name] + text[end:])
    if name in _ANNOTATED and values[0].strip():
        return Interpreted(text, f"annotated value: \\{name}")
    if name in _BRACES and re.match(r"\s*[\^_]", text[end:]):
        return Interpreted(text, f"annotated value: \\{name}")
    return Interpreted(_insert(before, values[-1], text[end:]))


def _colour(text: str, m: re.Match[str]) -> Interpreted:
    name, before = m.group(1), text[: m.start()]
    at = _skip_space(text, m.end())
    if text.startswith("[", at):
        return Interpreted(text, f"colour given by a model: \\{name}")
    switch = name == "color"
    args = _arguments(text, at, _COLOURS[name] + (0 if switch else 1))
    if args is None:
        return Interpreted(text, f"unreadable \\{name}")
    values, end = args
    colours = values[: _COLOURS[name]]
    if any(c.strip().lower() not in _VISIBLE for c in colours):
        return Interpreted(text, f"colour that may hide content: {colours[0].strip()[:20]}")
    if not switch:
        return Interpreted(_insert(before, values[-1], text[end:]))
    # "\color{red}{42}" (MathJax) colours the group that follows; "{\color{red} 42}" (LaTeX)
    # the rest of its group. Either group is only a scope: it shows its content.
    rest = text[end:]
    follow = _skip_space(rest, 0)
    if (group := group_at(rest, follow)) is not None:
        return Interpreted(_insert(before, group[0], rest[group[1] :]))
    opener = len(before.rstrip()) - 1
    if opener >= 0 and before[opener] == "{" and (scope := group_at(text, opener)) is not None:
        inner = before[opener + 1 :] + rest[: scope[1] - 1 - end]
        return Interpreted(_insert(before[:opener], inner, text[scope[1] :]))
    return Interpreted(before + rest)


def _insert(before: str, content: str, after: str) -> str:
    """Puts shown content in place of its command; braces stay where they group a script."""
    if _SCRIPT_BEFORE.search(before) or re.match(r"\s*[\^_]", after):
        return f"{before}{{{content}}}{after}"
    return before + content + after


def _arguments(text: str, at: int, count: int) -> tuple[list[str], int] | None:
    values = []
    for _ in range(count):
        at = _skip_space(text, at)
        group = group_at(text, at)
        if group is not None:
            values.append(group[0])
            at = group[1]
            continue
        token = _TOKEN.match(text, at)
        if token is None or token.group(0) in "{}":
            return None
        values.append(token.group(0))
        at = token.end()
    return values, at


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _skip_star(text: str, at: int) -> int:
    at = _skip_space(text, at)
    return at + 1 if text.startswith("*", at) else at


def _skip_option(text: str, at: int) -> int:
    """Skips "*" and an optional "[...]" ("\\smash[b]{x}", "\\hspace*{1em}")."""
    at = _skip_star(text, at)
    if text.startswith("[", at) and (close := text.find("]", at)) != -1:
        return close + 1
    return at


def _drop_outer_braces(text: str) -> str:
    text = text.strip()
    if max_depth(text) > MAX_SYMBOLIC_DEPTH:
        return text  # the guard refuses it as too complex, braces or not
    while text.startswith("{") and (group := group_at(text, 0)) is not None:
        if group[1] != len(text):
            break
        text = group[0].strip()
    return text
