"""Splits a completion into its reasoning and the answer a user should be shown.

Reasoning models think inside a block and answer after it. Only the answer counts: an
answer that appears only while the model is still thinking is not an answer. Every
judge (math and code extraction, the format reward) and the client's `visible_answer`
split here, so no template can turn that rule off.

Templates recognised by default (TEMPLATES); known tags match in any letter case:
- `<think>`, `<redacted_thinking>`, `<thinking>`, `<reasoning>` (each with its `</...>`):
  the answer is the text after the block.
- `<|begin_of_thought|>...<|end_of_thought|>`: the answer is the content of the
  `<|begin_of_solution|>...<|end_of_solution|>` block that follows (to the end of the
  text when it is cut off), or the text after the block when there is none.
- harmony: `<|channel|>analysis<|message|>...<|end|>` (and `commentary` messages) are
  reasoning; the answer is the `final` channel's message,
  `<|start|>assistant<|channel|>final<|message|>...` up to `<|return|>` or `<|end|>`.

Rules, whatever templates are mixed:
1. The last closing tag of any template ends the reasoning (for harmony the final
   channel's header is that tag). The reasoning runs from the first opening tag of any
   template before it, or from the start: a template that opens the block in the prompt
   leaves only the closing tag in the completion.
2. The answer is what follows, cut to that template's answer block (solution, final).
3. An opening tag with no closing tag after it means the model stopped while thinking:
   no answer (`closed` is False), also when an answer came before it.
4. A completion without any tag is all answer.
So text inside any known block is never an answer.

A group may name its own pair (ReasoningPair, from RewardSpec.reasoning_open/close): it
replaces the known templates and matches exactly. With only the closing tag set the
block opens in the prompt, and a completion without that tag is unclosed.

Each scan is one regex search over the text with no backtracking over runs, and the last
closing tag is found window by window from the end: linear on megabytes of tags.
"""

from __future__ import annotations

import collections
import functools
import itertools
import re
from dataclasses import dataclass

_WINDOW = 1 << 16
_OVERLAP = 128  # longer than any tag (and shorter than _WINDOW): a tag across a window's
# edge is found whole in the next window
MAX_PAIR_CHARS = 64


@dataclass(frozen=True)
class Template:
    """A template's tags, as regexes. `answer_open` / `answer_close` delimit the answer
    when the template puts it in a block of its own."""

    name: str
    open: str
    close: str
    answer_open: str = ""
    answer_close: str = ""


# Every known tag starts with "<" (the scans rely on it, see _Syntax).
_HARMONY_OPEN = (
    r"<(?:\|start\|>assistant<)?\|channel\|>(?!final<\|message\|>)"
    r"(?:(?:analysis|commentary)<\|message\|>)?"
)
# The `<|end|>` that ends the last reasoning message belongs to the final header.
_HARMONY_FINAL = r"<(?:\|end\|><)?(?:\|start\|>assistant<)?\|channel\|>final<\|message\|>"

TEMPLATES: tuple[Template, ...] = (
    Template("think", "<think>", "</think>"),
    Template("redacted_thinking", "<redacted_thinking>", "</redacted_thinking>"),
    Template("thinking", "<thinking>", "</thinking>"),
    Template("reasoning", "<reasoning>", "</reasoning>"),
    Template(
        "thought",
        r"<\|begin_of_thought\|>",
        r"<\|end_of_thought\|>",
        r"<\|begin_of_solution\|>",
        r"<\|end_of_solution\|>",
    ),
    Template("harmony", _HARMONY_OPEN, _HARMONY_FINAL, "", r"<\|(?:return|end)\|>"),
)


@dataclass(frozen=True)
class ReasoningPair:
    """A group's own reasoning tags; an empty `open` means the prompt opens the block."""

    open: str
    close: str


def reasoning_pair(open_tag: str, close_tag: str) -> ReasoningPair | None:
    """The pair a RewardSpec names, or None (both empty: the known templates)."""
    return ReasoningPair(open_tag, close_tag) if open_tag or close_tag else None


def pair_problem(open_tag: str, close_tag: str) -> str | None:
    """What is wrong with a custom pair (None: usable, or not set)."""
    if not open_tag and not close_tag:
        return None
    if not close_tag.strip():
        return (
            "a reasoning pair needs a non-blank reward.reasoning_close (set only "
            "reasoning_close for a template that opens the block in the prompt)"
        )
    if open_tag and not open_tag.strip():
        return "reward.reasoning_open is blank; leave it empty or name the opening tag"
    if max(len(open_tag), len(close_tag)) > MAX_PAIR_CHARS:
        return f"reward.reasoning_open/close may be at most {MAX_PAIR_CHARS} characters"
    if open_tag and (open_tag in close_tag or close_tag in open_tag):
        return "reward.reasoning_open and reasoning_close must differ, neither inside the other"
    return None


@dataclass(frozen=True)
class Split:
    """`reasoning` is None when the completion has no reasoning block at all.

    `closed` is False when a block was opened and never closed (the model was cut off
    while thinking); then `answer` is empty. `only_block` is True when the completion has
    one closed block, its answer block when the template has one, and no other tag of
    any template: what the R1 format reward asks for. `template` names the template whose
    closing tag ended the reasoning.
    """

    reasoning: str | None
    answer: str
    closed: bool
    only_block: bool = False
    template: str | None = None


class _Syntax:
    """The compiled tags of a set of templates.

    Known tags are searched as "<" and a gate: a lookahead for a tag-like name rejects a
    run of "<" or "</" at once, and only where a tag could be are the alternatives tried.
    """

    def __init__(
        self, templates: tuple[Template, ...], flags: int, gated: bool, prompt_opened: bool
    ) -> None:
        self.templates = templates
        self.prompt_opened = prompt_opened
        names = [f"t{i}" for i in range(len(templates))]
        self.closes = _alternation([t.close for t in templates], flags, gated, names)
        self.opens = _alternation([t.open for t in templates], flags, gated)
        answers = [a for t in templates for a in (t.answer_open, t.answer_close) if a]
        # Closing tags first: harmony's final header starts with the `<|end|>` it owns.
        every = [t.close for t in templates] + [t.open for t in templates] + answers
        self.tags = _alternation(every, flags, gated)
        self.answer_opens = [_compiled(t.answer_open, flags) for t in templates]
        self.answer_closes = [_compiled(t.answer_close, flags) for t in templates]

    def last_close(self, text: str) -> re.Match | None:
        """The last closing tag, searched window by window from the end: a text made of
        tags costs one window of them, not a match object per tag."""
        end = len(text)
        while True:
            start = max(0, end - _WINDOW)
            tail = collections.deque(self.closes.finditer(text, start, end), maxlen=1)
            if tail:
                # Searched again from a little earlier, so that a window edge does not
                # cut an optional prefix off the tag (harmony's `<|end|>`).
                begin = max(0, tail[0].start() - _OVERLAP)
                again = collections.deque(self.closes.finditer(text, begin, tail[0].end()), 1)
                return again[0] if again and again[0].end() == tail[0].end() else tail[0]
            if start == 0:
                return None
            end = start + _OVERLAP


_GATE = r"<(?=[/|]?[a-z_]{3,20}\|?>)"


def _alternation(
    patterns: list[str], flags: int, gated: bool, names: list[str] | None = None
) -> re.Pattern:
    """One regex for any of `patterns`, each a named group when `names` are given. Gated,
    every pattern starts with "<", which the gate matches instead."""
    if gated:
        assert all(p.startswith("<") for p in patterns)
        patterns = [p[1:] for p in patterns]
    groups = (
        [f"(?P<{n}>{p})" for n, p in zip(names, patterns, strict=True)]
        if names
        else [f"(?:{p})" for p in patterns]
    )
    alternation = "|".join(groups)
    return re.compile(f"{_GATE}(?:{alternation})" if gated else alternation, flags)


def _compiled(pattern: str, flags: int) -> re.Pattern | None:
    return re.compile(pattern, flags) if pattern else None


_KNOWN = _Syntax(TEMPLATES, re.IGNORECASE, gated=True, prompt_opened=False)


@functools.lru_cache(maxsize=256)
def _custom(pair: ReasoningPair) -> _Syntax:
    opener = re.escape(pair.open) if pair.open else "(?!)"  # (?!) never matches
    template = Template("custom", opener, re.escape(pair.close))
    return _Syntax((template,), 0, gated=False, prompt_opened=not pair.open)


def split_reasoning(text: str, pair: ReasoningPair | None = None) -> Split:
    """Returns the reasoning and the answer that follows it (rules in the module doc).

    `pair` replaces the known templates with a group's own tags (None: the templates)."""
    syntax = _KNOWN if pair is None else _custom(pair)
    last = syntax.last_close(text)
    if last is None:
        return _unclosed_or_plain(text, syntax)
    opened = syntax.opens.search(text, 0, last.start())
    start = opened.end() if opened else 0
    if syntax.opens.search(text, last.end()):  # thinking again, never closed
        return Split(reasoning=text[start:], answer="", closed=False)
    index = int(last.lastgroup[1:])
    begin, end, answer_tags = _answer_span(text, last.end(), syntax, index)
    wanted = (1 if opened else 0) + 1 + answer_tags
    # The count stops one past the tags a well-formed completion has, so a text made of
    # tags costs no more than one that has a few.
    tags = sum(1 for _ in itertools.islice(syntax.tags.finditer(text), wanted + 1))
    has_answer_block = syntax.answer_opens[index] is None or answer_tags == 2
    return Split(
        reasoning=text[start : last.start()],
        answer=text[begin:end],
        closed=True,
        only_block=tags == wanted and has_answer_block,
        template=syntax.templates[index].name,
    )


def _answer_span(text: str, after: int, syntax: _Syntax, index: int) -> tuple[int, int, int]:
    """Where the answer lies after the reasoning, and how many answer tags bound it."""
    begin, end, tags = after, len(text), 0
    opener, closer = syntax.answer_opens[index], syntax.answer_closes[index]
    if opener is not None and (found := opener.search(text, after)):
        begin, tags = found.end(), tags + 1
    if closer is not None and (found := closer.search(text, begin)):
        end, tags = found.start(), tags + 1
    return begin, end, tags


def _unclosed_or_plain(text: str, syntax: _Syntax) -> Split:
    opened = syntax.opens.search(text)
    if opened:
        return Split(reasoning=text[opened.end() :], answer="", closed=False)
    if syntax.prompt_opened:  # the prompt opened the block and it never closed
        return Split(reasoning=text, answer="", closed=False)
    return Split(reasoning=None, answer=text, closed=True)


def visible_answer(text: str, pair: ReasoningPair | None = None) -> str:
    """What a user should be shown: the answer after the reasoning, stripped."""
    return split_reasoning(text, pair).answer.strip()
