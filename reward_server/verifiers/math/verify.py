"""Math answer verification: is the final answer of a completion the gold answer?

Public interface (the worker pool calls it; parse the gold once per group):

    gold = parse_gold("\\frac{1}{2}")      # ValueError if the gold has no usable answer
    outcome = verify(gold, completion)      # never raises
    outcome = verify(gold, completion, pair)  # a group's own reasoning tags (ReasoningPair)

`verify` returns an `Outcome` with verdict CORRECT (correctness 1.0), WRONG or NO_ANSWER
(both 0.0), the judged answer in `extracted_answer` (at most 200 characters) and a short
`detail`. On CORRECT the detail starts with how it was decided: "exact" (equal after
normalisation), "numeric" (exact `Fraction` arithmetic, no sympy) or "symbolic" (sympy /
math-verify). Most GSM8K answers are decided "exact" or "numeric" without touching sympy.

Gold answers
    LaTeX or plain: "42", "\\frac{1}{2}", "[1,3)", "x=5", "25\\%", "\\$1,000", sets, tuples,
    matrices, equations. A GSM8K solution ending in "#### n" gives n (commas allowed); a
    solution with \\boxed{} gives its last box; boxes at most three words apart
    ("\\boxed{1} and \\boxed{-2}") are the list of their parts. A worked solution without a
    box gives its last answer phrase ("Final Answer: The final answer is $28$"). Everything
    expensive (numbers, sympy values,
    set members) is computed in `parse_gold`; `Gold` is a picklable frozen dataclass.

Which text is judged (extract.py)
    Only the text after the reasoning block (`split_reasoning(c, pair).answer`, one
    splitter for every template: <think>, <redacted_thinking>, <thinking>, <reasoning>,
    <|begin_of_thought|> (then the <|begin_of_solution|> block's content), harmony (the
    final channel's message), or the group's own pair; rules in reward_server/reasoning.py).
    The last closing tag of any template ends the reasoning; a block opened and never
    closed (also one opened again after the answer) is NO_ANSWER; an answer only inside a
    reasoning block of any template does not count. Of
    that text only the last 64 KiB are read (extract.answer_window): the final answer is at
    the end, so a degenerate 2 MB answer costs what 64 KiB cost; a box or phrase found
    only further back (an answer too long, or too far from the end) is WRONG.
    Within that text the first form present wins and the others are ignored: every
    \\boxed{} / \\fbox{} / "\\boxed 5"; else answer phrases ("the answer is ...",
    "final answer: ...", "Answer: ..."); else GSM8K "#### n"; else a fallback for bare
    answers only: a single line of at most 100 characters that holds one math span (or
    spans joined one to the next by "and", "or" or commas, read as in answer phrases), or
    a line of mathematics only, judged whole ("x = 1, y = 2", "-5 \\le a \\le -5/2"; names of
    up to 4 capitals and \\text{} are fine, a word glued to a digit or two numbers with
    only a blank between them are not), or one number, or at most three tokens without
    prose, or a sentence stating one value
    ("so the number is 10 which is 1,000.99": the value after its last "is"). The limit is
    on the prose around a math span: a display block ("Answer \\[ 9 \\]") may be long or
    span lines, inline math ("$..$") may not. A number glued to letters ("AZYUK2A") is no
    number. We never take "the last number anywhere": a completion listing candidate
    numbers has no answer (NO_ANSWER).
    Answer phrases: "Final Answer: The final answer is 5" is one answer (a phrase followed
    by only words and another phrase is a heading); a phrase whose text is a sentence
    states the value after its last "is" ("The largest $n$ is 34") or its only number
    ("Jane started it 3 hours ago"); clauses "<name> is <value>" joined by "and" or commas
    state a labelled list ("The maximum is 2 and the minimum is 1", also as a bare
    answer); math spans joined by "and" or commas ("$x = 3$ and
    $y = 4$") are one list, joined by "or" ("$2$ or $3$", "$4$ (or $5$)") alternatives.
    Later answers (later.py): an answer phrase or "#### n" line after the last box, or a
    "#### n" line after the last answer phrase, is judged as well; if it differs, the answer
    is WRONG "hedged: a later answer differs" ("\\boxed{42}. Wait, actually the answer is
    43."). A phrase stating no value ("I hope the answer is correct", "#### Verification")
    and a restatement ("So the answer is 42.") are fine. Answers before the final box are
    still ignored: "the answer is 43 ... \\boxed{42}" is judged 42.

Hedging
    Different final answers ("\\boxed{2} or \\boxed{3}", "the answer is 2 or 3", two
    different boxes after the reasoning) score WRONG with detail "hedged", even when one
    of them is right. Repeating an answer, or restating it in an equivalent form
    (\\boxed{1/2} ... \\boxed{0.5}), is fine: every answer given must be correct. When the
    gold is a list of several values, the separate answers (boxes, or "x=1 or x=2") are
    read together as one list instead. More than 4 different answers, or more than 32
    different answer strings, are WRONG at once; of thousands of answer phrases only the
    last 256 are read (spam costs no time).

Sets, tuples, intervals, matrices
    A bare list ("1, 2", "x=1, x=2"), a set "\\{1,2\\}" and a list of solutions compare in
    any order; tuples/points "(1,2)" and vectors compare in order; matrices
    (pmatrix/bmatrix/...) element-wise with equal shapes; matrix arithmetic in an answer
    ("A + B", "2A", "AB") is evaluated first. Whether order matters is decided
    by the gold. A missing or an extra member is WRONG ("incomplete" / "too many values").
    "x=1, y=2" (different variables) is an ordered solution: variables must match.
    A system written as a block ("\\begin{cases} x = 1 \\\\ y = 2 \\end{cases}", aligned,
    gathered, an array after "\\{") or as lines broken by "\\\\" is that list, when every line
    is an equation.
    A solution set counts a member given twice once. "p=5, q=2; p=7, q=2" is a list of
    solutions; "(11,7) or (7,11)" and "21, 16 or 11" in a gold are lists. Indexed names of
    one unknown ("x_1 = 2, x_2 = 3"; x, y, z, t) list its roots in any order; other
    indexed names ("a_1, a_2") keep their order. "2,74" with no blank is a list, or the
    decimal 2.74 against a gold of one value (and gold "1,22" accepts 1.22); "0,111" has
    no thousands separator; "2{,}74" is 2.74 ("1{,}000" stays 1000). LaTeX spacing
    ("\\ ", "\\,", "\\!", "\\;", "\\quad", "~"), "\\left( \\right)", "\\lbrace \\rbrace",
    "\\dfrac" / "\\tfrac", "11,\\!111", inner "$" and commands escaped twice ("\\\\frac"
    outside a matrix) are spelling only.
    "\\pm 2" is the list {2, -2} and "1 \\pm \\sqrt{2}" is {1+\\sqrt{2}, 1-\\sqrt{2}}.
    Intervals: open/closed ends must match exactly; "(a,b)" may be a point or an open
    interval and matches either reading. Inequalities are intervals: gold "[2,5)" matches
    "2 \\le x < 5", "(-\\infty,3]" matches "x \\le 3"; unions ("\\cup", "or") compare as sets
    of intervals (not merged: "[1,2]\\cup[2,3]" is not "[1,3]"). "x \\in [1,2]" is the
    interval and a set-builder "\\{x : x > 3\\}" (also "\\{x \\in \\mathbb{R} \\mid ...\\}") is its
    condition. "\\leqslant", "≤", "⩽" are "\\le"; "-x > -1" is "x < 1"; "|x| < 2" is (-2, 2)
    and "|x - 1| \\ge 3" is (-\\infty, -2] \\cup [4, \\infty),
    "1 \\le |z| \\le 2" is [-2, -1] \\cup [1, 2]; "\\mathbb{R}" is (-\\infty, \\infty);
    "x \\ge 1 and x \\le 3" (or with a comma) is [1, 3] (intervals.py).

Labelled answers (labels.py)
    A left side that names the quantity is a label, not an equation: a variable, a word or
    segment ("AB", "\\text{Maximum}"), a function at a point ("T(10)", "f(x)"), a ratio,
    quotient or absolute value of names ("A:B", "\\frac{NO}{BO}", "|AB|"), a tuple of names
    ("(p, q) = (3, 2)"). A labelled answer equals the bare value and the reverse; when
    both sides name a value the names must agree ("x = 5" is not "y = 5"; words ignore
    case), and names pair the members of a list in any order ("q = 2, p = 3" is
    "(p, q) = (3, 2)"). A function's argument is a bound variable: "f(z) = z" is
    "f(x) = x", unless the answer also uses the gold's letter ("f(t) = 3x - 2").

Numbers (numbers.py, no sympy)
    Integers, decimals, fractions "a/b" and "\\frac{a}{b}", mixed numbers "2\\frac{1}{2}" and
    "2 1/2" (= 5/2, not 2*1/2), "1.5\\times10^{3}", "1e2", number words up to billions
    ("twenty-three", "one hundred and five", also "five apples"). Compared exactly with
    `fractions.Fraction`: 1/2^99 and 1/2^98 differ, 1-1/e and 1+1/e differ.
    Decimals: a decimal the model wrote equals a value whose expansion does not end
    (1/3, \\sqrt{2}, \\pi) only if it has at least 3 significant digits and is that value
    rounded (half away from zero) or truncated to the digits written: 1/3 accepts 0.333,
    0.3333 and 0.33333, not 0.33 or 0.334. A value with a finite expansion (1/8) must be
    written exactly (0.125, not 0.13). ".4" is 0.4; "0.\\overline{3}" is 1/3 exactly. A "!"
    after a digit or bracket inside an answer is a factorial ("\\boxed{10!}").
    Rounded-decimal golds: a decimal gold with d places (2 significant digits or more)
    accepts an exact answer that rounds to it at d places, half away from zero, when the
    answer's expansion does not end: gold 30.52 accepts \\frac{1587}{52}, gold 0.33 accepts
    1/3, gold 1.41 accepts \\sqrt{2}; gold 2.5 rejects 49/20 (2.45 ends: it must equal the
    gold) and gold 0.5 accepts only 1/2. A decimal answer must equal a decimal gold.
    Thousands separators: "1,000,000", "1{,}000", "1\\,000", "1 000" — only groups of exactly
    three digits, so "1,2" stays the list (1, 2) and "1, 234" is two values. Inside
    brackets a comma always separates members.
    Percent: "25\\%" is 0.25 and a percent sign may also simply be dropped: gold "25\\%"
    accepts "25", "25\\%" and "0.25"; gold "0.25" accepts "25\\%"; gold 25 accepts "25\\%".
    Units and currency are dropped: "\\$18", "18 dollars", "18 cm", "18\\text{ meters}",
    "USD 18", "€18", "40 candies", "40 \\text{ km/h}"; ordinals are their number ("12^{th}",
    "15th day"); a scale word is no unit ("5 thousand" is not 5).
    Degrees: a degree mark may be dropped or converted: gold "90^\\circ" accepts "90",
    "90°" and "\\frac{\\pi}{2}"; gold "\\frac{\\pi}{2}" accepts "90^\\circ" (but not a bare 90,
    which is ambiguous); gold "90" accepts "90^\\circ". Degrees inside an expression are
    converted ("\\sin 60^\\circ" is \\frac{\\sqrt{3}}{2}).

    Bases (bases.py): a subscript on a number is its base, 2 to 36 in digits: "101_2" is 5,
    "42_{10}" 42, "FF_{16}" 255; "(101)_2", "101_{(2)}" and "\\text{101}_2" too. Any other
    subscript on a number, or a digit outside the base, is WRONG, never the bare number:
    "42_{1000}", "42_x", "42_3", and "42_10" (as in LaTeX an unbraced subscript is one
    character: base 1). Tokens with letters are numerals only in one case, two characters
    or more, every one a digit of the base ("FF_{16}"); "x_1", "A_1", "CO_2" stay variables.
    A gold written in a base (not 10) asks for that base: gold "101_2" accepts "101_2",
    "(101)_2" and the bare digits "101", not "5" (the conversion the question asked for)
    nor "11_4". Math-Verify drops the subscript instead (it reads "101_2" as 101).

Equations
    Gold "5" accepts "x = 5" and "x=5"; gold "x=5" accepts "5" (labels above: when both
    sides name it, the names must agree). "y = 2x+1" and "2x+1" are equal either way, as
    are "f(x) = 1" and "1". "2+3=5" and chains "x = 10/2 = 5" are judged by
    their last side (as Math-Verify does: a derivation ends in its value). Other equations
    are equal when lhs - rhs agree up to a nonzero constant factor: "y = 2x + 1" accepts
    "2x - y + 1 = 0", not "y = 2x + 2". A number equal to an expression ("7 = 11a + c") is
    an equation, not the value 11a + c.
    Text and comments: "\\text{5}" is 5; a short comment after the answer is dropped
    ("x \\text{ for all } x", "\\forall x \\in \\mathbb{R}", ", x \\in \\mathbb{R}",
    "4 \\text{ (the only solution)}",
    "\\text{ when ...}", not a piecewise "\\text{ if } ... \\text{ else }"); "\\varnothing" and
    "\\{\\}" are "\\emptyset".
    Approximations (\\approx, \\sim, \\simeq, \\cong, \\thickapprox, \\doteq, "≈"...): an
    answer that states the value exactly and rounded must have both right, so every side
    is judged (each may be an "=" chain; a leading variable name or nothing is allowed):
    gold \\pi accepts "\\pi \\approx 3.14" and "\\approx 3.1416", not "\\pi \\approx 3.15";
    gold 42 rejects "42 \\approx 1000"; gold 3.14 accepts "x \\approx 3.14" and
    "\\pi \\approx 3.14" (a rounded-decimal gold), not "\\pi \\approx 3.15". An
    approximation inside an expression ("(42 \\approx 1000)") is WRONG.
    Other relations ("\\ne", "\\equiv", "\\propto", "\\ll", "\\subset", "\\to", "\\implies",
    "\\iff", ...; relations.py) make an answer WRONG unless the gold uses the same relation
    (gold "x \\ne 2" accepts "x \\neq 2"); "=", "<", ">", "\\le", "\\ge" keep the rules above.

Hidden and decorated content (markup.py)
    An answer is judged as a reader sees it. "\\phantom{X}" / "\\hphantom{X}" show a blank
    ("41\\phantom{+1}" is 41; "4\\phantom{+}2" shows "4 2", two numbers: WRONG);
    "\\vphantom", "\\label", "\\nonumber", "\\strut" show nothing. "\\smash", "\\boldsymbol",
    "\\bm", "\\underline", "\\href" show their content, as do "\\overset" / "\\underset" /
    "\\stackrel" with an empty annotation and "\\underbrace" / "\\overbrace" without one.
    "\\color{red}{42}", "{\\color{red} 42}", "\\textcolor", "\\colorbox" show their content when
    every colour is a plain name visible on light and dark pages (red, blue, green, ...);
    white, black, mixes ("red!5"), models ("[rgb]") and codes may hide it: WRONG. WRONG too:
    strike-outs ("\\cancel", "\\bcancel", "\\xcancel", "\\cancelto", "\\sout", "\\xout",
    "\\not": a struck term may mean removed or shown and wrong, and the value depends on
    which), overlays ("\\rlap", "\\llap", "\\clap", "\\mathrlap", ..., "\\raisebox", negative
    "\\hspace" / "\\kern" / "\\mkern"), "\\tag" (a second number beside the answer),
    annotations ("\\overset{?}{42}", "\\underbrace{42}_{43}") and styling that may hide
    ("\\htmlClass", "\\htmlStyle", "\\style", "\\class", "\\bbox", "\\scalebox", ...). A brace
    group around the whole answer is dropped ("{42}" is 42). An answer that is the gold's
    own text is still CORRECT ("exact").

Everything else: symbolic equivalence
    sympy / math-verify decide (\\sqrt{8} = 2\\sqrt{2}, \\frac{\\sqrt3}{2}, e^{i\\pi} forms;
    "i" is the imaginary unit, Python's "x**2" is x^2). Unicode digits count as digits.
    Constants are compared exactly (60 significant digits, and sympy simplification when
    those cannot tell), never with math-verify's 6-digit float rounding; polynomials with
    rational coefficients by expanding their difference. math-verify's timeouts are off
    (parsing_timeout=None, timeout_seconds=None): they use SIGALRM, and our caller
    enforces a wall-clock limit by killing the worker process instead.

Robustness
    Nothing reaches sympy unless guard.py allows it: at most 400 characters, bracket depth
    at most 24, no power tower or exponent above 10^4, no factorial above 1000, no literal
    of more than 400 digits, no more than 10 words of prose. Other answers are compared as
    text only: equal text is CORRECT ("exact"), anything else WRONG with detail "too
    large" / "too complex" / "prose, not a value"
    (10^{10^{10}} vs 10^{10^{10}}+1 is WRONG, 5^{5^{5^{5^5}}} vs itself is CORRECT).
    Two numbers with only a blank between them ("4 2") never reach sympy, which adds them.
    Braces are matched iteratively (20,000 nested braces are fine). `verify` never raises:
    an internal error is a bug, not a wrong answer: INFRA_ERROR (not judged, reward NaN)
    with the error and where it was raised in the detail (internal_error.py).

Speed
    `_judge` (one final answer against the gold, the part that may reach sympy) is shared
    through verdict_cache.py: in a worker, answers repeated within a group, or seen with
    the same gold before, are compared once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from reward_server.outcome import Outcome, Verdict
from reward_server.quoting import quote
from reward_server.reasoning import ReasoningPair, split_reasoning
from reward_server.verifiers.math import relations
from reward_server.verifiers.math.answer import parse_answer, shown
from reward_server.verifiers.math.compare import equivalent, prepare_gold
from reward_server.verifiers.math.extract import (
    BOX,
    MAX_DISTINCT_ANSWERS,
    Extraction,
    answer_window,
    extract_final_answers,
)
from reward_server.verifiers.math.guard import MAX_SYMBOLIC_CHARS
from reward_server.verifiers.math.internal_error import describe_error
from reward_server.verifiers.math.later import later_answers
from reward_server.verifiers.math.normalize import basic
from reward_server.verifiers.math.scan import matching_braces, split_top
from reward_server.verifiers.math.tree import Items, Node
from reward_server.verifiers.math.verdict_cache import shared_verdicts

MAX_SHOWN_CHARS = 200
MAX_DIFFERENT_ANSWERS = 4
_MAX_GAP_WORDS = 3
_ALTERNATIVE = (" or ", "\\lor ", "\\vee ")
_RELATIONS = ("<", ">", "\\le", "\\ge")


@dataclass(frozen=True)
class Gold:
    """A parsed gold answer. Picklable: it is sent to worker processes once per group."""

    raw: str
    answer: str  # the answer part of `raw` (after "####", inside the last \boxed{})
    tree: Node  # parsed, with sympy values precomputed

    @property
    def is_list(self) -> bool:
        return isinstance(self.tree, Items) and len(self.tree.members) > 1


def parse_gold(gold: str) -> Gold:
    """Parses a gold answer once; raises ValueError when it has no usable answer."""
    if not isinstance(gold, str) or not gold.strip():
        raise ValueError("gold answer is empty")
    answer = _gold_answer(gold)
    tree = parse_answer(answer)
    if tree is None:
        raise ValueError(f"gold answer has no usable value: {quote(gold)}")
    # If sympy fails on a usable gold, verify() computes what it needs lazily instead.
    with contextlib.suppress(Exception):
        tree = prepare_gold(tree)
    return Gold(raw=gold, answer=answer, tree=tree)


def _gold_answer(gold: str) -> str:
    if "####" in gold:
        answer = gold.rsplit("####", 1)[1].strip()
        if not answer:
            raise ValueError("gold solution has '####' but no answer after it")
        return answer
    extraction = extract_final_answers(gold)
    if extraction.source == "boxed":
        # "\\boxed{1} and \\boxed{-2}": a gold boxed in parts, a few words apart, is the
        # list of its parts; boxes further apart are steps of a solution, the last is final.
        if all(len(gap.split()) <= _MAX_GAP_WORDS for gap in _box_gaps(gold)):
            return ", ".join(dict.fromkeys(extraction.answers))
        return extraction.answers[-1]
    if extraction.source == "answer phrase":
        return extraction.answers[-1]  # a worked solution ending "Final Answer: ... is 28"
    if "\\boxed" in gold or "\\fbox" in gold:
        raise ValueError(f"gold answer has an empty or unclosed box: {quote(gold)}")
    return gold.strip()


def _box_gaps(text: str) -> list[str]:
    """The texts between consecutive boxes."""
    pairs = matching_braces(text)
    gaps: list[str] = []
    end = None
    for m in BOX.finditer(text):
        if end is not None:
            gaps.append(text[end : m.start()])
        close = pairs.get(m.end())
        end = close + 1 if close is not None else m.end()
    return gaps


def verify(gold: Gold, completion: str, pair: ReasoningPair | None = None) -> Outcome:
    """Judges the final answer of `completion` against `gold`. Never raises. `pair`: the
    group's own reasoning tags (None: the known templates)."""
    try:
        return _verify(gold, completion, pair)
    except Exception as error:  # a broken answer must not take the worker down
        return Outcome.infra_error(describe_error(error))


def _verify(gold: Gold, completion: str, pair: ReasoningPair | None) -> Outcome:
    if not isinstance(completion, str):
        return Outcome(verdict=Verdict.NO_ANSWER, detail="completion is not text")
    split = split_reasoning(completion, pair)
    if not split.closed:
        return Outcome(verdict=Verdict.NO_ANSWER, detail="reasoning block never closed")
    answer, cut = answer_window(split.answer)
    extraction = extract_final_answers(answer)
    if not extraction.answers and cut:
        return Outcome(
            verdict=Verdict.WRONG, detail="final answer too long or too far from the end"
        )
    if not extraction.answers:
        return Outcome(verdict=Verdict.NO_ANSWER, detail="no final answer found")
    outcome = _judge_final(gold, extraction.answers, extraction.source)
    if outcome.verdict != Verdict.CORRECT:
        return outcome
    differing = _differing_later_answer(gold, answer, extraction)
    if differing is None:
        return outcome
    return Outcome(
        verdict=Verdict.WRONG,
        extracted_answer=f"{outcome.extracted_answer} ; {differing}"[:MAX_SHOWN_CHARS],
        detail=f"hedged: a later answer differs; from {extraction.source}",
    )


def _judge_final(gold: Gold, answers: tuple[str, ...], source: str) -> Outcome:
    """The verdict on the answers of the winning form (boxes, phrases, ...)."""
    raw = list(dict.fromkeys(answers))
    # Distinct strings before normalisation ("5", "5.", "$5$" are one answer, three strings).
    if len(raw) > MAX_DISTINCT_ANSWERS:
        return Outcome(
            verdict=Verdict.WRONG,
            extracted_answer=" ; ".join(raw[:3])[:MAX_SHOWN_CHARS],
            detail=f"hedged: {len(raw)} different answer strings; from {source}",
        )
    candidates = _candidates(raw)
    display = " ; ".join(candidates)[:MAX_SHOWN_CHARS]
    if not candidates:
        return Outcome(verdict=Verdict.NO_ANSWER, detail="final answer is empty")

    def outcome(ok: bool, detail: str) -> Outcome:
        verdict = Verdict.CORRECT if ok else Verdict.WRONG
        return Outcome(verdict, 1.0 if ok else 0.0, extracted_answer=display, detail=detail)

    where = f"from {source}"
    if len(candidates) > 1 and gold.is_list:
        ok, how = _judge(gold, ", ".join(candidates))
        if ok:
            return outcome(True, f"{how}; {where}")
    if len(candidates) > MAX_DIFFERENT_ANSWERS:
        return outcome(False, f"hedged: {len(candidates)} different answers; {where}")
    results = [_judge(gold, c) for c in candidates]
    if all(ok for ok, _ in results):
        how = max((h for _, h in results), key=("exact", "numeric", "symbolic").index)
        return outcome(True, f"{how}; {where}")
    if len(candidates) > 1:
        return outcome(False, f"hedged: {len(candidates)} different answers; {where}")
    return outcome(False, f"{results[0][1]}; {where}")


def _differing_later_answer(gold: Gold, text: str, extraction: Extraction) -> str | None:
    """An answer stated after the final one (later.py) that is not the gold, if any."""
    later = [a for a in dict.fromkeys(later_answers(text, extraction.source)) if a.strip()]
    later = [a for a in later if a not in extraction.answers]
    if len(later) > MAX_DIFFERENT_ANSWERS:
        return later[0]
    for answer in later:
        candidates = _candidates([answer])
        if not all(_judge(gold, c)[0] for c in candidates):
            return answer
    return None


def _candidates(answers: list[str]) -> list[str]:
    """Distinct answers in order, with "2 or 3" split into its alternatives."""
    seen: dict[str, None] = {}
    for answer in answers:
        text = shown(answer).text
        parts = [text]
        # Answers too long for sympy are compared as text anyway; skip the character scan.
        if len(text) <= MAX_SYMBOLIC_CHARS and not any(r in text for r in _RELATIONS):
            parts = [p for p in split_top(text, _ALTERNATIVE) if p]
        for part in parts:
            seen.setdefault(part, None)
        if len(seen) > MAX_DIFFERENT_ANSWERS + 1:
            break
    return list(seen)


@shared_verdicts
def _judge(gold: Gold, candidate: str) -> tuple[bool, str]:
    relation = relations.foreign_relation(relations.normalize(basic(gold.answer)), candidate)
    if relation is not None:
        return False, f"relation {relation} that the gold does not use"
    node = parse_answer(candidate)
    if node is None:
        return False, "empty answer"
    match = equivalent(gold.tree, node)
    return match.ok, match.how
