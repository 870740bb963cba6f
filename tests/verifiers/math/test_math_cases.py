"""Table of (gold, completion, verdict) cases, one block per rule of the math verifier (verify.py).

Many rows are Math-Verify's known failure modes; each block has positive and negative rows.
"""

from __future__ import annotations

import pytest
from answer_form_cases import ANSWER_FORM_CASES

from reward_server.outcome import Verdict
from reward_server.verifiers.math.verify import parse_gold, verify

C, W, N = Verdict.CORRECT, Verdict.WRONG, Verdict.NO_ANSWER

MATRIX = r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"
GSM8K_SOLUTION = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nIn total 48+24 = 72.\n#### 72"

CASES: dict[str, list[tuple[str, str, Verdict]]] = {
    "gold formats": [
        ("42", r"\boxed{42}", C),
        (GSM8K_SOLUTION, r"\boxed{72}", C),
        (GSM8K_SOLUTION, r"\boxed{24}", W),
        ("Some work.\n#### 1,234", "The answer is 1234.", C),
        ("Some work.\n#### 1,234", "The answer is 1,234.", C),
        ("Some work.\n#### 1,234", "The answer is 1243.", W),
        (r"The sum is $\boxed{\frac{1}{2}}$.", r"\boxed{0.5}", C),
        (r"\$1,000", r"\boxed{1000}", C),
        (r"\$1,000", r"\boxed{100}", W),
        ("x=5", r"\boxed{5}", C),
        (r"\text{(B)}", r"\boxed{\text{(B)}}", C),
        (r"\text{(B)}", r"\boxed{\text{(C)}}", W),
    ],
    "reasoning block": [
        ("5", r"<think>so 5</think>The answer is \boxed{5}.", C),
        ("5", r"<think>\boxed{5}</think>", N),
        ("5", r"<think>the answer is \boxed{5}", N),
        ("5", r"<think>\boxed{5}</think> The answer is \boxed{6}", W),
        ("5", r"<think>\boxed{6}</think> The answer is \boxed{5}", C),
        ("5", r"<think>I think 5</think>I don't know.", N),
        ("5", r"Thinking in the prompt template.</think>\boxed{5}", C),
    ],
    "boxed extraction": [
        ("5", r"First $x=3$, then \boxed{5}.", C),
        ("5", r"\fbox{5}", C),
        ("5", r"The answer is $\boxed 5$.", C),
        ("-5", r"\boxed -5", C),
        ("5", r"\boxed{\boxed{5}}", C),
        ("5", r"\boxed{5} ... as computed, \boxed{5}", C),
        ("5", r"\boxed{}", N),
        ("5", r"\boxed{6", N),
        (r"\frac{1}{2}", r"$$\boxed{\dfrac{1}{2}}$$", C),
        ("12", r"\boxed{12\text{ cm}^2}", C),
    ],
    "answer phrases": [
        ("7", "The answer is 7.", C),
        ("7", "Final answer: 7", C),
        ("7", "**Answer:** 7", C),
        ("7", "Answer: $7$", C),
        ("7", "The final answer is $7$. I hope it is correct.", C),
        ("7", "The answer is 8.", W),
        ("3.5", "The answer is 3.5. Done.", C),
        ("7", "Final answer:\n\n$$7$$", C),
        ("5", "The answer is: **5**", C),
        ("5", "The answer is: **6**", W),
        ("5", "To check the answer is correct we substitute. The answer is 5.", C),
        ("5", "The answer is 5. Checking, the answer is 6.", W),
    ],
    "gsm8k marker": [
        ("72", "She sold 72 clips.\n#### 72", C),
        ("72", "Work: 48 + 24.\n#### 72", C),
        ("72", "Work.\n#### 73", W),
        ("1000000", "Work.\n#### 1,000,000", C),
    ],
    "fallback": [
        ("42", "42", C),
        ("42", "So she has 42 apples left.", C),
        ("42", "$42$", C),
        (r"\frac{1}{2}", r"\frac{1}{2}", C),
        ("5", "1 2 3 4 5", N),
        ("5", "Candidates: 3, 4, 5, 6 and 7", N),
        ("5", "We tried 3 and then 5 and then 7 apples.", N),
        ("5", "Step 1: add 2 and 3.\nStep 2: the total is 5 in the end.", N),
        ("5", "", N),
        ("5", "   \n  ", N),
    ],
    "hedging": [
        ("2", r"\boxed{2} or \boxed{3}", W),
        ("2", "the answer is 2 or 3", W),
        ("3", "the answer is 2 or 3", W),
        ("2", r"The answer is \boxed{2}. Alternatively it could be \boxed{3}.", W),
        ("2", r"\boxed{2 \text{ or } 3}", W),
        ("2", r"\boxed{2} and again \boxed{2}", C),
        ("2", r"\boxed{2} which is \boxed{2.0}", C),
        (r"\frac{1}{2}", r"\boxed{\frac{1}{2}} = \boxed{0.5}", C),
        ("2", "The answer is 2. So the answer is 2.", C),
        ("2", r"\boxed{1}\boxed{2}\boxed{3}\boxed{4}\boxed{5}\boxed{6}", W),
        ("x=1, x=2", r"\boxed{x=1} or \boxed{x=2}", C),
        ("x=1, x=2", r"\boxed{1} or \boxed{3}", W),
    ],
    "sets and lists": [
        (r"\{1,2,3\}", r"\boxed{3, 2, 1}", C),
        (r"\{1,2,3\}", r"\boxed{\{3,1,2\}}", C),
        (r"\{1,2,3\}", r"\boxed{1, 2}", W),
        (r"\{1,2,3\}", r"\boxed{1, 2, 3, 4}", W),
        ("1, 2", r"\boxed{2, 1}", C),
        ("1, 2", r"\boxed{1}", W),
        ("x=1, x=2", r"\boxed{x = 2, x = 1}", C),
        ("x=1, x=2", r"\boxed{2, 1}", C),
        ("x=1, x=2", r"\boxed{x=2 \text{ or } x=1}", C),
        ("x=1, x=2", r"\boxed{x = 1}", W),
        ("x=1, y=2", r"\boxed{y = 2, x = 1}", C),
        ("x=1, y=2", r"\boxed{x = 2, y = 1}", W),
        (r"-\sqrt{2}, \sqrt{2}", r"\boxed{\pm\sqrt{2}}", C),
        (r"\pm 2", r"\boxed{x = 2, x = -2}", C),
        (r"\pm 2", r"\boxed{2}", W),
        (r"1 \pm \sqrt{2}", r"\boxed{1-\sqrt2, 1+\sqrt2}", C),
        (r"1 \pm \sqrt{2}", r"\boxed{1+\sqrt2}", W),
        (r"-\sqrt{2}, \sqrt{2}", r"\boxed{\sqrt2, -\sqrt2}", C),
        ("5", r"\boxed{\{5\}}", C),
        ("5", r"\boxed{5, 6}", W),
    ],
    "tuples, vectors and matrices": [
        ("(1,2)", r"\boxed{(1, 2)}", C),
        ("(1,2)", r"\boxed{(2,1)}", W),
        ("(1,2,3)", r"\boxed{(1,2,3)}", C),
        ("(1,2,3)", r"\boxed{(3,2,1)}", W),
        ("(1,2,3)", r"\boxed{(1,2)}", W),
        (r"\left(\frac12, 3\right)", r"\boxed{(0.5, 3)}", C),
        (MATRIX, r"\boxed{\begin{bmatrix}1&2\\3&4\end{bmatrix}}", C),
        (
            r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
            r"\boxed{\begin{pmatrix}1&3\\2&4\end{pmatrix}}",
            W,
        ),
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\boxed{\begin{pmatrix}1&2\end{pmatrix}}", W),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\boxed{(1, 2)}", C),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\boxed{(2, 1)}", W),
        (
            r"\begin{pmatrix}\frac12&0\\0&1\end{pmatrix}",
            r"\boxed{\begin{pmatrix}0.5&0\\0&1\end{pmatrix}}",
            C,
        ),
    ],
    "exact constants": [
        (r"1-\frac1e", r"\boxed{1-\frac{1}{e}}", C),
        (r"1-\frac1e", r"\boxed{1+\frac1e}", W),
        (r"1-\frac1e", r"\boxed{\frac{e-1}{e}}", C),
        (r"\frac{1}{2^{99}}", r"\boxed{\frac{1}{2^{98}}}", W),
        (r"\frac{1}{2^{99}}", r"\boxed{2^{-99}}", C),
        (r"\frac{1}{2^{99}}", r"\boxed{0}", W),
        (r"2^{100}", r"\boxed{2^{100}+1}", W),
        (r"\pi", r"\boxed{\frac{22}{7}}", W),
        (r"1000001", r"\boxed{1000000}", W),
    ],
    "decimals": [
        (r"\frac{1}{3}", r"\boxed{0.333}", C),
        (r"\frac{1}{3}", r"\boxed{0.3333}", C),
        (r"\frac{1}{3}", r"\boxed{0.33}", W),
        (r"\frac{1}{3}", r"\boxed{0.334}", W),
        (r"\frac{2}{3}", r"\boxed{0.667}", C),
        (r"\frac{2}{3}", r"\boxed{0.666}", C),
        (r"\frac{2}{3}", r"\boxed{0.67}", W),
        (r"\frac{1}{8}", r"\boxed{0.125}", C),
        (r"\frac{1}{8}", r"\boxed{0.13}", W),
        (r"\frac{1}{8}", r"\boxed{0.1250}", C),
        (r"\sqrt{2}", r"\boxed{1.414}", C),
        (r"\sqrt{2}", r"\boxed{1.41}", C),
        (r"\sqrt{2}", r"\boxed{1.4}", W),
        (r"\pi", r"\boxed{3.1416}", C),
        (r"\pi", r"\boxed{3.15}", W),
        ("100", r"\boxed{1e2}", C),
        ("100", r"\boxed{1e3}", W),
        ("1500", r"\boxed{1.5 \times 10^{3}}", C),
        ("0.33", r"\boxed{\frac{1}{3}}", C),  # a decimal gold is rounded: 1/3 rounds to it
        ("2.5", r"\boxed{\frac{5}{2}}", C),
        ("-1.5", r"\boxed{-\frac{3}{2}}", C),
    ],
    "percent": [
        (r"25\%", r"\boxed{25\%}", C),
        (r"25\%", r"\boxed{25}", C),
        (r"25\%", r"\boxed{0.25}", C),
        (r"25\%", r"\boxed{\frac{1}{4}}", C),
        (r"25\%", r"\boxed{26\%}", W),
        ("0.25", r"\boxed{25\%}", C),
        ("25", "The answer is 25%.", C),
        ("25", r"\boxed{0.25}", W),
        (r"12.5\%", r"\boxed{0.125}", C),
        (r"12.5\%", "The answer is 12.5 percent.", C),
    ],
    "units and currency": [
        ("18", r"\boxed{\$18}", C),
        ("18", "The answer is 18 dollars.", C),
        ("18", r"\boxed{18 \text{ cm}}", C),
        ("18", r"\boxed{18\text{ meters}}", C),
        ("18", "Answer: USD 18", C),
        ("18", r"\boxed{\$18.00}", C),
        ("18", r"\boxed{\$19}", W),
        ("18", "The answer is 81 dollars.", W),
        ("18", r"\boxed{18\,\mathrm{kg}}", C),
        ("18", "The answer is €18.", C),
        ("2", "The answer is 2 pi.", W),
        (r"2\pi", r"\boxed{2 \pi}", C),
        ("3", r"\boxed{3\mathrm{e}}", W),
    ],
    "thousands separators": [
        ("1000000", r"\boxed{1,000,000}", C),
        ("1000", r"\boxed{1\,000}", C),
        ("1000", r"\boxed{1{,}000}", C),
        ("1000", r"\boxed{1 000}", C),
        ("12", r"\boxed{1,2}", W),
        ("1,2", r"\boxed{1, 2}", C),
        ("1,2", r"\boxed{12}", W),
        ("1234.5", r"\boxed{1,234.5}", C),
        ("100", r"\boxed{1,00}", W),
        ("1000", r"\boxed{10,00}", W),
    ],
    "degrees and radians": [
        (r"90^\circ", r"\boxed{90}", C),
        (r"90^\circ", r"\boxed{90^{\circ}}", C),
        (r"90^\circ", r"\boxed{90°}", C),
        (r"90^\circ", r"\boxed{\frac{\pi}{2}}", C),
        (r"90^\circ", r"\boxed{\pi}", W),
        (r"90^\circ", r"\boxed{45^\circ}", W),
        (r"\frac{\pi}{2}", r"\boxed{90^\circ}", C),
        (r"\frac{\pi}{2}", r"\boxed{180^\circ}", W),
        ("90", r"\boxed{90^\circ}", C),
        ("30", "The answer is 30 degrees.", C),
    ],
    "intervals and inequalities": [
        ("[2, 5)", r"\boxed{[2,5)}", C),
        ("[2, 5)", r"\boxed{2 \le x < 5}", C),
        ("[2, 5)", r"\boxed{2 \leq x < 5}", C),
        ("[2, 5)", r"\boxed{(2, 5)}", W),
        ("[2, 5)", r"\boxed{[2, 5]}", W),
        ("[2, 5)", r"\boxed{2 < x \le 5}", W),
        (r"(-\infty, 3]", r"\boxed{x \le 3}", C),
        (r"(-\infty, 3]", r"\boxed{x < 3}", W),
        (r"(-\infty, 3]", r"\boxed{3 \ge x}", C),
        (r"(3, \infty)", r"\boxed{x > 3}", C),
        (r"(-\infty, 1) \cup (3, \infty)", r"\boxed{x < 1 \text{ or } x > 3}", C),
        (r"(-\infty, 1) \cup (3, \infty)", r"\boxed{(3,\infty)\cup(-\infty,1)}", C),
        (r"(-\infty, 1) \cup (3, \infty)", r"\boxed{(-\infty, 1]\cup(3,\infty)}", W),
        (r"(-\infty, 1) \cup (3, \infty)", r"\boxed{(-\infty, 1)}", W),
        ("(1, 2)", r"\boxed{1 < x < 2}", C),
        (r"[\frac12, 2]", r"\boxed{[0.5, 2]}", C),
        (r"x \in [1,2]", r"\boxed{[1,2]}", C),
        (r"\{x : x > 3\}", r"\boxed{x > 3}", C),
        (r"\{x : x > 3\}", r"\boxed{x \ge 3}", W),
        (r"\infty", r"\boxed{-\infty}", W),
    ],
    "mixed numbers and number words": [
        (r"2\frac{1}{2}", r"\boxed{\frac52}", C),
        (r"\frac{5}{2}", r"\boxed{2\frac{1}{2}}", C),
        (r"\frac{5}{2}", r"\boxed{2 1/2}", C),
        ("1", r"\boxed{2\frac{1}{2}}", W),
        (r"-2\frac{1}{2}", r"\boxed{-2.5}", C),
        ("5", "The answer is five.", C),
        ("23", "The answer is twenty-three.", C),
        ("100", "The answer is one hundred.", C),
        ("105", "The answer is one hundred and five.", C),
        ("2500000", "The answer is two million five hundred thousand.", C),
        ("5", "The answer is five apples.", C),
        ("6", "The answer is five apples.", W),
        ("13", "The answer is thirty.", W),
    ],
    "equations and values": [
        ("5", r"\boxed{x = 5}", C),
        ("5", r"\boxed{x=5}", C),
        ("x=5", r"\boxed{5}", C),
        ("x=5", r"\boxed{x = 6}", W),
        ("y = 2x + 1", r"\boxed{2x - y + 1 = 0}", C),
        ("y = 2x + 1", r"\boxed{y = 1 + 2x}", C),
        ("y = 2x + 1", r"\boxed{4x - 2y + 2 = 0}", C),
        ("y=2x+1", r"\boxed{y=2x+2}", W),
        ("y=2x+1", r"\boxed{2x - y - 1 = 0}", W),
        ("x^2 + y^2 = 1", r"\boxed{y^2 + x^2 = 1}", C),
        ("x^2 + y^2 = 1", r"\boxed{1}", W),
        ("5", r"\boxed{x = \frac{10}{2} = 5}", C),
        ("5", r"\boxed{2 + 3 = 5}", C),
        ("5", r"\boxed{x + y = 5}", W),
    ],
    "symbolic equivalence": [
        (r"\sqrt{8}", r"\boxed{2\sqrt{2}}", C),
        (r"\frac{\sqrt3}{2}", r"\boxed{\frac{\sqrt{3}}{2}}", C),
        (r"\frac{\sqrt3}{2}", r"\boxed{\frac{1}{2}\sqrt{3}}", C),
        (r"\frac{\sqrt3}{2}", r"\boxed{\frac{\sqrt{2}}{2}}", W),
        (r"e^{i\pi}", r"\boxed{-1}", C),
        (r"x^2 + 2x + 1", r"\boxed{(x+1)^2}", C),
        (r"x^2 + 2x + 1", r"\boxed{(x-1)^2}", W),
        (r"\frac{x}{2}", r"\boxed{0.5x}", C),
        (r"2\pi", r"\boxed{\pi \cdot 2}", C),
        (r"\sin^2 x + \cos^2 x", r"\boxed{1}", C),
        (r"\log_2 8", r"\boxed{3}", C),
        (r"\binom{5}{2}", r"\boxed{10}", C),
        (r"3+4i", r"\boxed{4i+3}", C),
        (r"3+4i", r"\boxed{3-4i}", W),
        ("x^2", r"\boxed{x**2}", C),
        ("x^2", r"\boxed{x**3}", W),
    ],
    "too large": [
        (r"5^{5^{5^{5^5}}}", r"\boxed{5^{5^{5^{5^5}}}}", C),
        (r"5^{5^{5^{5^5}}}", r"\boxed{5^{5^{5^{5^4}}}}", W),
        (r"10^{10^{10}}", r"\boxed{10^{10^{10}}+1}", W),
        (r"10^{10^{10}}", r"\boxed{10^{10^{10}}}", C),
        ("7", r"\boxed{10^{10^{10}}}", W),
        ("7", r"\boxed{100000!}", W),
        (r"2^{3^2}", r"\boxed{512}", C),
    ],
    # Judged as shown: a phantom is a blank, a visible colour shows its content; strike-outs,
    # overlays, tags, annotations and styling that may hide are refused (markup.py).
    "hidden and decorated content": [
        ("42", r"\boxed{41\phantom{+1}}", W),  # shows 41 (the parser read 41+1)
        ("41", r"\boxed{41\phantom{+1}}", C),
        ("42", r"\boxed{42\hphantom{0}}", C),
        ("6", r"\boxed{4\phantom{+}2}", W),  # shows "4 2": no sum of 4 and 2
        ("42", r"\boxed{42\vphantom{\frac12}}", C),
        ("42", r"\boxed{\color{red}{42}}", C),
        ("42", r"\boxed{{\color{blue} 42}}", C),
        ("42", r"\boxed{4{\color{red}2}}", C),
        ("42", r"\boxed{\textcolor{red}{42}}", C),
        ("43", r"\boxed{42\textcolor{white}{+1}}", W),  # white may hide "+1"
        ("42", r"\boxed{\color[rgb]{1,1,1}{42}}", W),
        ("42", r"\boxed{\cancel{42}}", W),  # struck out: removed or shown wrong?
        ("42", r"\boxed{42\cancel{+1}}", W),
        ("42", r"\boxed{\bcancel{1}42}", W),
        ("42", r"\boxed{\cancelto{42}{43}}", W),
        ("42", r"\boxed{\sout{43} 42}", W),
        ("42", r"\boxed{\not 43}", W),
        ("42", r"\boxed{\smash{42}}", C),
        ("42", r"\boxed{\mathrlap{42}}", W),  # overlays whatever follows
        ("42", r"\boxed{42\rlap{3}}", W),
        ("42", r"\boxed{\llap{1}42}", W),
        ("42", r"\boxed{42\hspace{-1em}3}", W),
        ("42", r"\boxed{42 \tag{43}}", W),  # a second number beside the answer
        ("42", r"\boxed{\overset{?}{42}}", W),
        ("42", r"\boxed{\stackrel{43}{42}}", W),
        ("42", r"\boxed{\underset{}{42}}", C),
        ("42", r"\boxed{\underbrace{42}_{\text{or } 43}}", W),
        ("42", r"\boxed{\htmlClass{x}{42}}", W),  # CSS may hide it
        ("42", r"\boxed{42\htmlStyle{display:none}{3}}", W),
        ("42", r"\boxed{{42}}", C),
    ],
    # Every side of an approximation must be the answer; other relations than = < > \le \ge
    # make an answer WRONG unless the gold uses them (relations.py).
    "approximations and relations": [
        ("42", r"\boxed{42 \approx 1000}", W),
        ("42", r"\boxed{42 \sim 43}", W),
        ("42", r"\boxed{42 \cong 43}", W),
        ("42", r"\boxed{(42 \approx 1000)}", W),
        ("42", "The answer is $42 ≈ 43$.", W),
        ("42", r"\boxed{x \simeq 42}", C),
        (r"\pi", r"\boxed{\pi \approx 3.14}", C),
        (r"\pi", r"\boxed{\approx 3.1416}", C),
        (r"\pi", r"\boxed{\pi \approx 3.15}", W),
        (r"\frac{1}{3}", r"\boxed{x = \frac13 \approx 0.333}", C),
        (r"\frac{1}{3}", r"\boxed{\frac13 \approx 0.33}", W),  # 0.33 is not 1/3 (decimals)
        ("3.14", r"\boxed{x \approx 3.14}", C),
        ("3.14", r"\boxed{\pi \approx 3.14}", C),  # pi rounds to the gold 3.14
        ("42", r"\boxed{42 \neq 43}", W),
        ("42", r"\boxed{42 \equiv 42}", W),
        ("42", r"\boxed{x^2 = 1764 \implies x = 42}", W),
        (r"x \ne 2", r"\boxed{x \neq 2}", C),
        (r"x \ne 2", r"\boxed{x \ne 3}", W),
    ],
    # A subscript on a number is its base (2..36, in digits); anything else is WRONG. A gold
    # written in a base asks for that base: its numeral or its bare digits (bases.py).
    "number bases": [
        ("42", r"\boxed{42_{1000}}", W),
        ("42", r"\boxed{42_x}", W),
        ("42", r"\boxed{42_3}", W),  # 4 is no base-3 digit
        ("42", r"\boxed{42_5}", W),  # 22
        ("42", r"\boxed{42_10}", W),  # unbraced: base 1, then a 0
        ("42", r"\boxed{42_{10}}", C),
        ("42", r"\boxed{101010_2}", C),
        ("42", r"\boxed{(101010)_2}", C),
        ("42", r"\boxed{101010_{(2)}}", C),
        ("255", r"\boxed{FF_{16}}", C),
        ("255", r"\boxed{\text{FF}_{16}}", C),
        ("8", r"\boxed{101_2 + 11_2}", C),
        ("101_2", r"\boxed{101_2}", C),
        ("101_2", r"\boxed{101}", C),
        ("101_2", r"\boxed{5}", W),  # the conversion the question asked for is missing
        ("101_2", r"\boxed{11_4}", W),
        ("x_1 + x_2", r"\boxed{x_2 + x_1}", C),  # indices of variables are no bases
    ],
    # An answer phrase or "####" after the final box (or "####" after the final phrase) that
    # differs is a hedge; answers before the final box stay ignored (later.py).
    "answers after the final box": [
        ("42", r"\boxed{42}. Wait, actually the answer is 43.", W),
        ("43", r"\boxed{42}. Wait, actually the answer is 43.", W),
        ("42", "\\boxed{42}\nFinal answer: 43", W),
        ("42", "\\boxed{42}\n#### 43", W),
        ("42", r"\boxed{42}. The answer is 43 apples.", W),
        ("42", "The answer is 42.\n#### 43", W),
        ("42", r"\boxed{42}. So the answer is 42.", C),
        ("42", r"\boxed{42}. The answer is $\frac{84}{2}$.", C),
        ("42", "\\boxed{42}\n#### 42", C),
        ("42", r"The answer is 43. No: \boxed{42}", C),  # the final box is the last word
        ("42", r"\boxed{42}. I hope the answer is correct.", C),  # prose states no value
        ("42", "The answer is 42.\n#### 42", C),
        ("42", "\\boxed{42}\n#### 2. Verification", C),  # a markdown heading, no answer
    ],
}

ROWS = [(rule, *row) for rule, rows in (CASES | ANSWER_FORM_CASES).items() for row in rows]


def _id(row: tuple[str, str, str, Verdict]) -> str:
    rule, gold, completion, verdict = row
    return f"{rule}: {gold[:30]!r} <- {completion[:40]!r} => {verdict.name}"


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 150
    for rule, rows in (CASES | ANSWER_FORM_CASES).items():
        verdicts = {v for _, _, v in rows}
        assert C in verdicts and (W in verdicts or N in verdicts), rule


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_case(row: tuple[str, str, str, Verdict]) -> None:
    _, gold, completion, expected = row
    outcome = verify(parse_gold(gold), completion)
    assert outcome.verdict == expected, outcome
    assert outcome.correctness == (1.0 if expected == C else 0.0)
    if expected != N:
        assert outcome.extracted_answer
    assert outcome.detail


@pytest.mark.parametrize(
    ("gold", "completion", "how"),
    [
        (GSM8K_SOLUTION, r"\boxed{72}", "exact"),
        ("#### 72", "The answer is 72.00.", "numeric"),
        (r"\frac{1}{2}", r"\boxed{0.5}", "numeric"),
        (r"\sqrt{8}", r"\boxed{2\sqrt{2}}", "symbolic"),
    ],
)
def test_detail_names_the_path(gold: str, completion: str, how: str) -> None:
    assert verify(parse_gold(gold), completion).detail.startswith(how)


def test_hedge_detail() -> None:
    outcome = verify(parse_gold("2"), r"\boxed{2} or \boxed{3}")
    assert outcome.verdict == W
    assert "hedged" in outcome.detail
