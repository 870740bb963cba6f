"""Reasoning traces for the language-share tests: one problem reasoned in English, Chinese,
Russian and French, and the mixed traces a policy drifts into (sentences alternating
between English and the other language)."""

from __future__ import annotations

import re

CLEAN = {
    "en": (
        "Okay, so I need to find the sum of the first ten positive integers. Let me think "
        "about it. The formula is n(n+1)/2, so with n = 10 that gives 10 * 11 / 2 = 55. "
        "Wait, let me double-check by adding them directly: 1 + 2 = 3, plus 3 is 6, plus 4 "
        "is 10, and so on up to 55. Yes, that matches what the formula says. Hmm, is there "
        "another way to see it? Pairing the first and the last numbers gives 1 + 10 = 11, and "
        "there are five such pairs, so 5 * 11 = 55 again. So the answer is 55."
    ),
    "zh": (
        "好的，我需要求前十个正整数的和。让我想一想。公式是 n(n+1)/2，所以当 n = 10 时，"
        "得到 10 * 11 / 2 = 55。等等，让我直接相加来验证一下：1 + 2 = 3，再加 3 是 6，"
        "再加 4 是 10，依此类推直到 55。是的，和公式的结果一致。嗯，还有别的方法吗？"
        "把第一个数和最后一个数配对得到 1 + 10 = 11，一共有五对，所以 5 * 11 = 55。"
        "所以答案是 55。"
    ),
    "ru": (
        "Хорошо, мне нужно найти сумму первых десяти положительных целых чисел. Давайте "
        "подумаем. Формула n(n+1)/2, поэтому при n = 10 получаем 10 * 11 / 2 = 55. "
        "Подождите, проверю, сложив их напрямую: 1 + 2 = 3, плюс 3 будет 6, плюс 4 будет "
        "10, и так далее до 55. Да, это совпадает с формулой. Есть ли другой способ? Если "
        "сложить первое и последнее число, получится 1 + 10 = 11, и таких пар пять, значит "
        "5 * 11 = 55. Итак, ответ 55."
    ),
    "fr": (
        "D'accord, je dois trouver la somme des dix premiers entiers positifs. Réfléchissons "
        "un peu. La formule est n(n+1)/2, donc avec n = 10 on obtient 10 * 11 / 2 = 55. "
        "Attendez, vérifions en les additionnant directement : 1 + 2 = 3, plus 3 donne 6, "
        "plus 4 donne 10, et ainsi de suite jusqu'à 55. Oui, cela correspond à la formule. "
        "Y a-t-il une autre façon de le voir ? En associant le premier et le dernier nombre "
        "on obtient 1 + 10 = 11, et il y a cinq paires, donc 5 * 11 = 55. La réponse est 55."
    ),
}

_SENTENCE = re.compile(r"(?<=[.?。？])\s*")


def mixed(other: str) -> str:
    """The English trace and the `other` one, sentence by sentence in turn."""
    english = [s for s in _SENTENCE.split(CLEAN["en"]) if s]
    foreign = [s for s in _SENTENCE.split(CLEAN[other]) if s]
    return " ".join(s for pair in zip(english, foreign, strict=False) for s in pair)


def think(reasoning: str, answer: str = "\\boxed{55}") -> str:
    return f"<think>{reasoning}</think>{answer}"
