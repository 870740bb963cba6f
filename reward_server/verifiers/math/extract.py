"""Finds the final answer(s) in the visible part of a completion.

Precedence, first form present wins:
1. `\\boxed{...}` / `\\fbox{...}` / `\\boxed 5` (every box, so that hedging can be seen);
2. an answer phrase: "the answer is ...", "final answer: ...", "Answer: ...";
3. a GSM8K line `#### n`;
4. fallback, only for a bare answer: the whole visible answer is one line of at most
   100 characters, and it holds exactly one math span (taken), or exactly one number
   (taken), or is at most three tokens (taken whole: "x = 5", "\\frac{1}{2}", "1, 2").
   Anything longer yields nothing: unlike Math-Verify's "last number anywhere" we never
   pick one number out of several, so dumping candidates cannot score.

All answers of the winning form are returned, in order; verify.py decides what several
different answers mean (a hedge).

Every scan here is linear in the text (completions may be megabytes of degenerate
repetition): no regex can backtrack over a run of unbounded length more than once, nested
boxes are tracked by index and sliced once, and only the last MAX_PHRASES phrases are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reward_server.verifiers.math.normalize import strip_wrappers
from reward_server.verifiers.math.numbers import NUMBER_WORDS
from reward_server.verifiers.math.prose import stated_labels, stated_value
from reward_server.verifiers.math.scan import group_at, matching_braces

FALLBACK_MAX_CHARS = 100
FALLBACK_MAX_SPAN_CHARS = 2_000
_PHRASE_MAX_CHARS = 300
MAX_PHRASES = 256
# More different answer strings than this is spam: verify.py judges it a hedge without
# normalising each one, so extraction may stop reading there.
MAX_DISTINCT_ANSWERS = 32

_BOX = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])\s*")
BOX = _BOX
_BARE_BOX = re.compile(r"[^\s$\\{}]+")
# "final answer", "the answer" and "answer" all end in "answer": the phrase is the word
# "answer" then "is" or ":"/"=". Spelled as character classes rather than IGNORECASE so the
# regex engine can skip ahead on the literal (3x faster on long answers); the word boundary
# before "answer" is checked in _phrases. The optional bold marks are `(?:\*+\s*)?`, not
# `\**\s*`: two adjacent `\s*` would split a long blank run every possible way (quadratic).
_PHRASE = re.compile(r"[aA][nN][sS][wW][eE][rR]\s*(?:\*+\s*)?(?:[iI][sS]\b\s*:?|[:=])\s*\**")
# The line after "####" whole (trailing blanks are stripped in Python): a lazy group before
# `\s*$` would rescan a long blank tail once per character. Only blanks of the line itself
# may precede "####" (`^\s*` would rescan every following blank line from each line start).
_GSM8K = re.compile(r"^[^\S\n]*####\s*(.*)$", re.MULTILINE)
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# For a bare answer: inline math ("$..$", "\\(..\\)") stays on one line, display math may not;
# an escaped dollar ("\\$") inside inline math is a dollar sign, not its end.
_BARE_SPAN = re.compile(
    r"\$\$(.+?)\$\$|(?<!\\)\$((?:[^\n$\\]|\\[^\n])+?)\$|\\\(([^\n]+?)\\\)|\\\[(.+?)\\\]", re.DOTALL
)
_SENTENCE_END = re.compile(r"\.(?=\s+[A-Z(<]|\s*$)|\n")
_JOINED_SPAN = re.compile(
    r"\s*(,?\s*\(?\s*(?:and|or)|,)\s*(?:maybe|perhaps|possibly|even|also)?\s*"
    r"(?:\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\])",
    re.DOTALL,
)
_TEXT_GROUP = re.compile(r"\\(?:text|textrm|mathrm|mbox|textbf)\s*\{[^{}]*\}")
_SPACED_NUMBERS = re.compile(r"\d\s+\d")
_GLUED = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\d")  # "AZYUK2A" is a code, not a product
_MATH_WORDS = NUMBER_WORDS | {"and", "or"}
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LEAD_IN = re.compile(r"[\sA-Za-z*]{0,40}")
_MATHY = re.compile(r"[\d\\=^+<>/]")
# A number not glued to letters ("AZYUK2A" holds none); ".4" and "2,74" are one each.
_NUMBER = re.compile(
    r"(?<![A-Za-z\d.])[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+,\d+|\d+)(?:\.\d+)?|\.\d+)(?:\s*/\s*\d+)?%?"
    r"(?![A-Za-z\d])"
)


@dataclass(frozen=True)
class Extraction:
    """`answers` are the raw final-answer strings; `source` names the form they came from."""

    answers: tuple[str, ...]
    source: str  # "boxed", "answer phrase", "####", "fallback" or "none"


ANSWER_WINDOW_CHARS = 1 << 16


def answer_window(text: str) -> tuple[str, bool]:
    """The last ANSWER_WINDOW_CHARS of an answer, where its final answer must lie, and
    whether the text cut off holds an answer form (a box, an answer phrase, "####"): an
    answer that is not found in the window was then too long or too far from the end,
    which is a wrong answer rather than none."""
    if len(text) <= ANSWER_WINDOW_CHARS:
        return text, False
    head = text[:-ANSWER_WINDOW_CHARS]
    last_box = None
    for last_box in _BOX.finditer(head):  # noqa: B007 - the last one is wanted
        pass
    closed_box = last_box is not None and (
        text[last_box.end() : last_box.end() + 1] != "{"  # a bare "\boxed 5"
        or group_at(text, last_box.end()) is not None  # an unclosed box is no answer
    )
    cut = closed_box or bool(_PHRASE.search(head)) or "####" in head
    return text[-ANSWER_WINDOW_CHARS:], cut


def extract_final_answers(text: str) -> Extraction:
    """All final answers of the highest-precedence form present in `text`."""
    for source, finder in (
        ("boxed", _boxed),
        ("answer phrase", _phrases),
        ("####", _gsm8k),
        ("fallback", _fallback),
    ):
        answers = [a for a in finder(text) if a.strip()]
        if answers:
            return Extraction(tuple(answers), source)
    return Extraction((), "none")


def _boxed(text: str) -> list[str]:
    first = _BOX.search(text)
    if first is None:
        return []
    pairs = matching_braces(text, first.start())
    # (box start, box end, content start, content end): contents are sliced only for boxes
    # that do not nest, so boxes nested 100,000 deep do not copy the text 100,000 times.
    found: list[tuple[int, int, int, int]] = []
    distinct: set[str] = set()
    for m in _BOX.finditer(text, first.start()):
        span = _box_content(text, m.end(), pairs)
        if span is None:
            continue
        begin, end = span
        stop = end + 1 if text[m.end()] == "{" else end
        if found and m.start() < found[-1][1]:
            # A box inside the previous box: "\boxed{\boxed{5}}" means 5 once.
            outer = found[-1]
            if _opens_group(text, outer[0], m.start()) and stop == outer[1] - 1:
                found[-1] = (outer[0], outer[1], begin, end)
            continue
        found.append((m.start(), stop, begin, end))
        distinct.add(text[begin:end])
        if len(distinct) > MAX_DISTINCT_ANSWERS:
            break  # already a hedge whatever the remaining boxes say
    return [text[begin:end] for _, _, begin, end in found]


def _box_content(text: str, start: int, pairs: dict[int, int]) -> tuple[int, int] | None:
    """The span of a box's content: its brace group, or a bare token ("\boxed 5")."""
    if start < len(text) and text[start] == "{":
        end = pairs.get(start)
        return None if end is None else (start + 1, end)  # None: never closed, no answer
    bare = _BARE_BOX.match(text, start)
    return None if bare is None else bare.span()


def _opens_group(text: str, lo: int, index: int) -> bool:
    """Whether the last non-blank character of text[lo:index] is "{" (without a slice)."""
    index -= 1
    while index >= lo and text[index].isspace():
        index -= 1
    return index >= lo and text[index] == "{"


def _phrases(text: str) -> list[str]:
    # Only the last phrases are read: a section that says "answer:" thousands of times is
    # spam, and reading 300 characters after each occurrence would cost seconds.
    found = [
        m
        for m in _PHRASE.finditer(text)
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")
    ][-MAX_PHRASES:]
    # "Final Answer: The final answer is 5": a phrase followed by only words and another
    # phrase is a heading of that phrase, not an answer of its own.
    starts = [
        m.end()
        for m, following in zip(found, [*found[1:], None], strict=False)
        if following is None or not _LEAD_IN.fullmatch(text, m.end(), following.start())
    ]
    answers = [a for start in starts if (a := _phrase_answer(text, start))]
    # "... to check the answer is correct. The answer is 5.": when some phrases give
    # mathematics, the ones that give only prose were not answers (and are no hedge).
    math = [a for a in answers if not _has_prose(a) or _MATHY.search(a)]
    return math or answers


def _phrase_answer(text: str, start: int) -> str:
    rest = text[start : start + _PHRASE_MAX_CHARS].lstrip(" \t")
    if rest.startswith("\n"):
        # "Final answer:\n\n$$42$$": the answer is on the next non-empty line.
        rest = rest.lstrip()
    span = _MATH_SPAN.match(rest)
    if span:
        return _joined_spans(rest, span)[0]
    end = _SENTENCE_END.search(rest)
    # Markdown bold may close after the answer: "The answer is: **5**".
    answer = (rest[: end.start()] if end else rest).strip()
    if start > 0 and text[start - 1] == "*":
        answer = answer.replace("**", " ", 1)  # the phrase took the bold's opening marks
    # Markdown bold around the value ("**6** apples") is emphasis, not a Python power.
    answer = strip_wrappers(_BOLD.sub(r"\1", answer).strip().strip("*"))
    if answer[:1].isalpha() and _has_prose(answer):
        # "Final Answer: The largest $n$ is 34." states 34 (prose.py).
        return stated_labels(answer) or stated_value(answer) or answer
    return answer


def _joined_spans(text: str, span: re.Match[str]) -> tuple[str, int]:
    """The value of a math span and of the spans joined to it, and where they end.
    "$x = 3$ and $y = 4$": spans joined by "and" or a comma are one list; "$2$ or $3$" and
    "$2$ (or maybe $3$)" are alternatives, judged as a hedge."""
    joined_text = next(g for g in span.groups() if g is not None)
    count = 1
    while (joined := _JOINED_SPAN.match(text, span.end())) and count < 16:
        span, count = joined, count + 1
        value = next(g for g in joined.groups()[1:] if g is not None)
        joined_text += (" or " if "or" in joined.group(1) else ", ") + value
    return joined_text, span.end()


def _gsm8k(text: str) -> list[str]:
    return [m.group(1).rstrip() for m in _GSM8K.finditer(text)]


def _fallback(text: str) -> list[str]:
    line = text.strip()
    if _BOX.search(line):
        return []  # an empty or unclosed box is a failed answer, not a bare one
    if len(line) > FALLBACK_MAX_SPAN_CHARS:
        return []
    spans = list(_BARE_SPAN.finditer(line))
    # The limits hold for the prose around a math span, not for the span itself: a bare
    # matrix or a display block ("Answer \\[ 9 \\]") may be long or span lines.
    outside = _BARE_SPAN.sub(" ", line).strip()
    if not line or len(outside) > FALLBACK_MAX_CHARS or "\n" in outside:
        return []
    if len(spans) == 1:
        return [next(g for g in spans[0].groups() if g is not None)]
    if spans:
        # "So $x = 1$ and $y = 2$.": spans joined one to the next are one answer.
        joined, end = _joined_spans(line, spans[0])
        if not line[end:].strip(" .;!"):
            return [joined]
        labelled = stated_labels(line)  # "The maximum is $2$ and the minimum is $1$."
        return [labelled] if labelled else []
    bare = strip_wrappers(line)
    if _is_math(bare):
        return [bare]  # "x = 1, y = 2", "-5 \le a \le -5/2": judged whole, nothing picked
    numbers = _NUMBER.findall(bare)
    if len(numbers) == 1:
        return numbers
    if (stated := stated_labels(bare) or stated_value(bare)) is not None:
        return [stated]  # "so the number is 10 which is 1,000.99"
    # A short bare expression is judged whole ("\frac{1}{2}", "x = 5", "1, 2"): a list
    # here can only score if the whole list is the gold, so nothing is picked out of it.
    if len(bare.split()) <= 3 and not _has_prose(bare):
        return [bare]
    return []


def _is_math(text: str) -> bool:
    """A line of mathematics only: no prose word outside \\text{} (names of up to 4
    capitals such as "AB", number words and "and"/"or" are fine), something mathematical,
    no two numbers with only a blank between them ("1 2 3" lists candidates) and no word
    glued to a digit ("AZYUK2A")."""
    if not _MATHY.search(text) or _SPACED_NUMBERS.search(text) or _GLUED.search(text):
        return False
    outside = _TEXT_GROUP.sub(" ", text)
    if any(ch.isalpha() and not ch.isascii() and not "\u0370" <= ch <= "\u03ff" for ch in outside):
        return False  # prose in another script ("الجواب هو 5"); Greek letters are symbols
    words = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", outside)
    return all((w.isupper() and len(w) <= 4) or w.lower() in _MATH_WORDS for w in words)


def _has_prose(text: str) -> bool:
    """Words that are neither LaTeX commands nor number words ("I don't know")."""
    words = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", text)
    return any(w.lower() not in NUMBER_WORDS for w in words)
