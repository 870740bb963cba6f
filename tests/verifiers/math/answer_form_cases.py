"""Case-table blocks for answer forms (labels, solution sets, relations, numbers written
differently, rounded-decimal golds, functions, text and comments), merged into CASES by
test_math_cases.py. Each block has right and wrong rows; the rules are in verify.py."""

from __future__ import annotations

from reward_server.outcome import Verdict

C, W, N = Verdict.CORRECT, Verdict.WRONG, Verdict.NO_ANSWER
SUM = r"\begin{pmatrix}6&8\\10&12\end{pmatrix}"

ANSWER_FORM_CASES: dict[str, list[tuple[str, str, Verdict]]] = {
    "labelled answers": [
        ("x = 1, y = 2", r"\boxed{(1, 2)}", C),
        ("x = 1, y = 2", r"\boxed{y = 2,\ x = 1}", C),
        ("x = 1, y = 2", r"\boxed{(2, 1)}", W),
        ("(p, q) = (3, 2)", r"\boxed{(3, 2)}", C),
        ("(p, q) = (3, 2)", r"\boxed{q = 2, p = 3}", C),
        ("(p, q) = (3, 2)", r"\boxed{p = 2, q = 3}", W),
        ("AB = 4, CD = 5", r"\boxed{4, 5}", C),
        ("AB = 4, CD = 5", r"\boxed{CD = 5, AB = 4}", C),
        ("AB = 4, CD = 5", r"\boxed{AB = 5, CD = 4}", W),
        (r"\text{Maximum} = 2, \text{Minimum} = 1", r"\boxed{2, 1}", C),
        (r"\text{Maximum} = 2, \text{Minimum} = 1", r"\boxed{1, 2}", W),
        ("T(10) = 2, T(11) = 4", r"\boxed{2, 4}", C),
        ("T(10) = 2, T(11) = 4", r"\boxed{T(11) = 2, T(10) = 4}", W),
        ("T(10) = 2, T(11) = 4", r"\boxed{T(10)=2,\;T(11)=4}", C),  # "\;" before a letter
        ("a = 2", r"\boxed{2}", C),
        ("2", r"\boxed{a = 2}", C),
        ("a = 2", r"\boxed{b = 2}", W),  # both name it: the names must agree
        (r"\frac{NO}{BO} = \frac{1}{\sqrt{6}}", r"\boxed{\frac{\sqrt{6}}{6}}", C),
        ("|AB| = 1", r"\boxed{2}", W),
        (r"\overline{AB} = 4", r"\boxed{AB = 4}", C),  # decorations do not rename
        (r"\overline{AB} = 4", r"\boxed{CD = 4}", W),
        (r"S = \{1, 2, 3\}", r"\boxed{\{3, 2, 1\}}", C),  # a label may name a set
        (r"S = \{1, 2, 3\}", r"\boxed{\{3, 2\}}", W),
        (r"\{(1, 2)\}", r"\boxed{(x, y) = (1, 2)}", C),  # a set of one tuple and the tuple
        (r"\{(1, 2)\}", r"\boxed{(2, 1)}", W),
        ("x_1 = 3, x_2 = 5", r"\boxed{5, 3}", C),  # roots of one unknown: any order
        ("a_1 = 3, a_2 = 5", r"\boxed{5, 3}", W),  # terms of a sequence: in order
        ("p=5, q=2; p=7, q=2", r"\boxed{(7, 2), (5, 2)}", C),
        ("p=5, q=2; p=7, q=2", r"\boxed{(5, 2)}", W),
        ("x = 1, y = 2", r"\boxed{\begin{cases} x = 1 \\ y = 2 \end{cases}}", C),  # a system
        ("x = 1, y = 2", r"\boxed{\begin{aligned} x &= 2 \\ y &= 1 \end{aligned}}", W),
        ("x = 1, y = 2", r"\boxed{\left\{\begin{array}{l} x = 1 \\ y = 2 \end{array}\right.}", C),
    ],
    "solution sets and lists": [
        ("(1, 2), (2, 1), (3, 3)", r"\boxed{(3,3),\ (2,1),\ (1,2)}", C),
        ("(1, 2), (2, 1), (3, 3)", r"\boxed{(1,2), (2,1), (3,3), (2,1)}", C),  # repeated
        ("(1, 2), (2, 1), (3, 3)", r"\boxed{(1,2), (2,1)}", W),
        ("(1, 2), (2, 1), (3, 3)", r"\boxed{(1,2), (1,2), (3,3)}", W),
        ("(11,7)or(7,11)", r"\boxed{(7,11),\ (11,7)}", C),
        (r"\{2, 3, 5, 7, 11, 13\}", r"\boxed{13, 11, 7, 5, 3, 2}", C),
        (r"\{2, 3, 5, 7, 11, 13\}", r"\boxed{13, 11, 7, 5, 3, 1}", W),
        (r"\{2, 3, 5\}", r"\boxed{\left\lbrace 5, 3, 2 \right\rbrace}", C),
        (r"\left( \frac{1}{2}, 3 \right)", r"\boxed{\left(\dfrac12,\,3\right)}", C),
        (r"\left( \frac{1}{2}, 3 \right)", r"\boxed{\left(\tfrac13,\;3\right)}", W),
        ("11111", r"\boxed{11,\!111}", C),
        ("11111", r"\boxed{11,\!112}", W),
        (r"\{1, 2, 3\}", r"\boxed{1}, \boxed{2}, \boxed{3}", C),
        (r"\{1, 2, 3\}", r"\boxed{1}, \boxed{2}", W),
        ("2", r"\boxed{2}, \boxed{3}", W),  # one value asked: two boxes are a hedge
        (r"\boxed{1} and \boxed{-2}", r"\boxed{-2, 1}", C),  # a gold boxed in parts
        (r"\boxed{1} and \boxed{-2}", r"\boxed{1}", W),
        ("$21,16$ or $11$", r"\boxed{11, 16, 21}", C),
    ],
    "relations as intervals": [
        ("[-5, -5/2]", r"\boxed{-5 \leqslant a \leqslant -\frac{5}{2}}", C),
        ("[-5, -5/2]", r"\boxed{-5 \leqslant a < -\frac{5}{2}}", W),
        (r"-2 \le x \le 7", r"\boxed{x \in [-2, 7]}", C),
        (r"-2 \le x \le 7", r"\boxed{x \in (-2, 7]}", W),
        (r"x \geq 4", r"\boxed{x ≥ 4}", C),
        (r"x \geq 4", r"\boxed{x ≤ 4}", W),
        ("x < 1", r"\boxed{-x > -1}", C),
        ("x < 1", r"\boxed{-x < -1}", W),
        (r"(-\infty, -2) \cup (5, \infty)", r"\boxed{\{x \mid x < -2 \text{ or } x > 5\}}", C),
        (r"(0, \infty)", r"\boxed{\{x \in \mathbb{R} : x > 0\}}", C),
        (r"(0, \infty)", r"\boxed{\{x \in \mathbb{R} : x \ge 0\}}", W),
        (r"(-\infty, -1) \cup (1, \infty)", r"\boxed{|x| > 1}", C),
        (r"(-\infty, -1) \cup (1, \infty)", r"\boxed{|x| < 1}", W),
        (r"[-3, -1] \cup [1, 3]", r"\boxed{1 \le |x| \le 3}", C),
        (r"[-3, -1] \cup [1, 3]", r"\boxed{1 < |x| \le 3}", W),
        (r"\mathbb{R}", r"\boxed{(-\infty, \infty)}", C),
        ("[1, 3]", r"\boxed{x \geq 1 \text{ and } x \leq 3}", C),  # both bounds of one variable
        ("[1, 3)", r"\boxed{x \geq 1 \text{ and } x \leq 3}", W),
        ("[1, 3]", r"\boxed{x \geq 1 \text{ and } y \leq 3}", W),
    ],
    "numbers written differently": [
        ("0.4", r"\boxed{.4}", C),
        ("0.4", r"\boxed{.5}", W),
        ("2.74", "Soucis : 2,74", C),  # a decimal comma next to a one-value gold
        ("2.74", r"\boxed{2,47}", W),
        ("0,111", r"\boxed{0.111}", C),
        ("2.74", r"\boxed{2{,}74}", C),  # a braced comma before other than 3 digits
        ("2.74", r"\boxed{2{,}75}", W),
        ("1000.99", "so the number is 10 which is 1,000.99m²", C),
        ("12", r"\boxed{12^{th}}", C),
        ("12", r"\boxed{13^{th}}", W),
        ("15", "It happens on the 15th day.", C),
        ("15", r"\boxed{15\text{th day}}", C),
        ("15", "The answer is the $15^{\\text{th}}$ day.", C),
        ("40", r"\boxed{40 \text{ candies}}", C),
        ("40", r"\boxed{4 \text{ candies}}", W),
        ("40", r"\boxed{40 \text{ km/h}}", C),
        ("0.5", r"\boxed{50\text{ percent}}", C),
        ("5000", r"\boxed{5 \text{ thousand}}", W),  # a scale word is no unit
        (r"0.\overline{3}", r"\boxed{\frac{1}{3}}", C),  # a repeating decimal is exact
        (r"0.\overline{3}", r"\boxed{0.333}", C),
        (r"0.\overline{3}", r"\boxed{\frac{3}{10}}", W),
        ("3628800", r"\boxed{10!}", C),  # a factorial, not an exclamation mark
        ("10", r"\boxed{10!}", W),
        (r"\frac{\sqrt{3}}{2}", r"\boxed{\sin 60^\circ}", C),  # degrees inside a function
        (r"\frac{1}{2}", r"\boxed{\sin 60^\circ}", W),
        ("2", "AZYUK2A", N),  # a number inside a word is no answer
    ],
    "rounded-decimal golds": [
        ("30.52", r"\boxed{\frac{1587}{52}}", C),
        ("30.52", r"\boxed{\frac{1588}{52}}", W),
        ("4.123105625617661", r"\boxed{\sqrt{17}}", C),
        ("1.41", r"\boxed{\sqrt{2}}", C),
        ("1.42", r"\boxed{\sqrt{2}}", W),
        ("2.5", r"\boxed{\frac{49}{20}}", W),  # 2.45 ends: it must equal the gold
        ("0.5", r"\boxed{\frac{\sqrt{2}}{3}}", W),  # one significant digit: maybe exact
    ],
    "functions and equations": [
        ("f(x) = x", r"\boxed{f(z) = z}", C),
        ("f(x) = x", r"\boxed{f(z) = x}", W),  # that x is not the argument
        ("f(x) = x", r"\boxed{g(x) = x}", W),
        ("y = 2x + 1", r"\boxed{2x + 1}", C),
        ("2x + 1", r"\boxed{y = 2x + 1}", C),
        ("y = 2x + 1", r"\boxed{2x - 1}", W),
        ("1", r"\boxed{f(x) = 1}", C),
        ("1", r"\boxed{f(x) = 2}", W),
        ("7 = 11a + c", r"\boxed{11a + c}", W),  # an equation, not the value 11a + c
        ("7 = 11a + c", r"\boxed{11a + c = 7}", C),
        ("11a + c", r"\boxed{7 = 11a + c}", W),
    ],
    "matrix arithmetic": [
        (SUM, r"\boxed{2\begin{pmatrix}3&4\\5&6\end{pmatrix}}", C),
        (SUM, r"\boxed{2\begin{pmatrix}3&4\\5&7\end{pmatrix}}", W),
        (
            SUM,
            r"\boxed{\begin{pmatrix}1&2\\3&4\end{pmatrix}+\begin{pmatrix}5&6\\7&8\end{pmatrix}}",
            C,
        ),
        (
            SUM,
            r"\boxed{\begin{pmatrix}1&2\end{pmatrix}+\begin{pmatrix}5&6\\7&8\end{pmatrix}}",
            W,  # shapes that do not add
        ),
    ],
    "text and trailing comments": [
        ("5", r"\boxed{\text{5}}", C),
        ("5", r"\boxed{\text{6}}", W),
        ("f(x) = x", r"\boxed{f(x) = x \text{ for all } x}", C),
        ("f(x) = x", r"\boxed{f(x) = x \quad \forall x \in \mathbb{R}}", C),
        ("f(x) = x", r"\boxed{f(x) = -x \text{ for all } x}", W),
        ("f(x) = 2x", r"\boxed{f(x) = 2x, x \in \mathbb{R}}", C),
        ("4", r"\boxed{4 \text{ (the only solution)}}", C),
        (r"\text{(A)}", r"\boxed{\text{(A)}}", C),
        (r"\text{(A)}", r"\boxed{B}", W),
    ],
    "prose answers": [
        ("34", "Final Answer: The largest $n$ is 34.", C),
        ("34", "Final Answer: The largest $n$ is 35.", W),
        ("28", "Final Answer: The final answer is $28$. I hope it is correct.", C),
        ("3", "Final Answer: Jane started growing Sphere 3 hours ago.", C),
        ("x = 3, y = 4", "The answer is $x = 3$ and $y = 4$.", C),
        ("x = 3, y = 4", "The answer is $x = 3$ and $y = 5$.", W),
        ("Maximum = 2, Minimum = 1", "The maximum is $2$ and the minimum is $1$.", C),
        ("Maximum = 2, Minimum = 1", "The maximum is 1 and the minimum is 2.", W),
        ("1", "the maximum is 2 and the minimum is 1", W),  # not the last value of the two
        ("9", "Answer \\[ \n 9 \n \\]", C),
        ("9", "Answer $ \n 9 \n $", N),  # inline math does not span lines
        ("10/9", r"Answer $ \frac{1}{2} \$ = \frac{10}{9} $", C),  # \$ inside math is a dollar
        ("2", "The answer is $2$ or $3$.", W),  # alternatives in math spans are a hedge
        ("2, 3", "The answer is $2$ or $3$.", C),
        ("4", "Answer: $4$ (or maybe $5$ if the ends count)", W),
    ],
}
