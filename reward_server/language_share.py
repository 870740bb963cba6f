"""The share of a text's words written in one language (R1's language-consistency reward).

How the share is measured:
- Words are runs of letters; each Han or kana character counts as one word (Chinese and
  Japanese put no spaces between words, and one character is close to one morpheme).
  One-letter words (math variables), digits and LaTeX commands are not words.
- The words are cut into segments where the script changes and at sentence ends; short
  sentences of one script join the next so a classifier sees a few words, not "Wait.".
- Each segment is classified with py3langid (langid.py's model, shipped in the wheel, no
  download) and counts with its number of words: share = target words / all words.
- A long text is read in a few evenly spread windows, so a 2 MB completion costs as much
  as a 20 KB one. No words at all: 0 (an empty reasoning earns no consistency reward).
"""

from __future__ import annotations

import functools
import re
import threading
from typing import TYPE_CHECKING

from reward_server.reasoning import ReasoningPair, split_reasoning

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The model's ISO 639-1 labels (it also has a few 639-3 ones, not accepted here); the test
# of this module checks the list against the model so it need not be loaded to validate.
REASONING_LANGUAGES: tuple[str, ...] = (
    "af", "am", "an", "ar", "as", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "cs",
    "cy", "da", "de", "dz", "el", "en", "eo", "es", "et", "eu", "fa", "fi", "fo", "fr",
    "fy", "ga", "gd", "gl", "gu", "ha", "he", "hi", "hr", "ht", "hu", "hy", "id", "ig",
    "is", "it", "ja", "jv", "ka", "kk", "km", "kn", "ko", "ku", "ky", "la", "lb", "lg",
    "ln", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl",
    "nn", "no", "oc", "om", "or", "pa", "pl", "ps", "pt", "qu", "ro", "ru", "rw", "sa", "se",
    "si", "sk", "sl", "sn", "so", "sq", "sr", "st", "sv", "sw", "ta", "te", "tg", "th",
    "tk", "tl", "tr", "tt", "ug", "uk", "ur", "uz", "vi", "vo", "wa", "xh", "yo", "zh",
    "zu",
)  # fmt: skip

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]{{2,}}")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_SENTENCE_END = re.compile(r"[.!?;:\n。！？；：]")
_MIN_SEGMENT_WORDS = 8  # a sentence shorter than this joins the next one of its script
_WINDOWS = 8
_WINDOW_CHARS = 2500


_LOADING = threading.Lock()  # groups scored at once in threads load the model once


def _identifier() -> LanguageIdentifier:
    with _LOADING:
        return _load()


@functools.cache
def _load() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # Loaded on first use (~0.8 s): a server whose groups never ask for a language skips it.
    return LanguageIdentifier.from_model_file(MODEL_FILE)


def _script(word: str) -> int:
    """A coarse script id: the 128-code-point block of the word's first letter, with Latin
    (basic, supplement, extended, additional) as one and Han with kana as one."""
    code = ord(word[0])
    if code < 0x250 or 0x1E00 <= code < 0x1F00:
        return 0
    if 0x3040 <= code < 0x3100 or 0x3400 <= code < 0xA000 or 0xF900 <= code < 0xFB00:
        return 1
    return code >> 7


def _sample(text: str) -> list[str]:
    if len(text) <= _WINDOWS * _WINDOW_CHARS:
        return [text]
    step = (len(text) - _WINDOW_CHARS) // (_WINDOWS - 1)
    return [text[i * step : i * step + _WINDOW_CHARS] for i in range(_WINDOWS)]


def segments(text: str) -> list[tuple[str, int]]:
    """(segment text, its word count) for each segment of one script and whole sentences."""
    out: list[tuple[str, int]] = []
    for window in _sample(text):
        window = _LATEX_COMMAND.sub(" ", window)
        spans: list[list[int]] = []  # [start, end, words, script]
        for word in _WORD.finditer(window):
            here = _script(word.group())
            last = spans[-1] if spans else None
            if (
                last is not None
                and last[3] == here
                and (
                    last[2] < _MIN_SEGMENT_WORDS
                    or _SENTENCE_END.search(window, last[1], word.start()) is None
                )
            ):
                last[1], last[2] = word.end(), last[2] + 1
            else:
                spans.append([word.start(), word.end(), 1, here])
        # A short last sentence joins the one before it when that one is of its script.
        if len(spans) > 1 and spans[-1][2] < _MIN_SEGMENT_WORDS and spans[-2][3] == spans[-1][3]:
            tail = spans.pop()
            spans[-1][1], spans[-1][2] = tail[1], spans[-1][2] + tail[2]
        out.extend((window[start:end], words) for start, end, words, _ in spans)
    return out


def language_share(text: str, language: str) -> float:
    """The share of `text`'s words in `language` (an ISO 639-1 code), in [0, 1]."""
    identifier = _identifier()
    total = matching = 0
    for segment, count in segments(text):
        total += count
        if identifier.classify(segment)[0] == language:
            matching += count
    return matching / total if total else 0.0


def reasoning_language_share(
    completion: str, language: str, pair: ReasoningPair | None = None
) -> float:
    """The language share of a completion's reasoning block (of the group's own tags when
    `pair` is set), or of its answer when it has none (a model that does not think aloud
    is judged on what it says)."""
    split = split_reasoning(completion, pair)
    text = split.reasoning if split.reasoning is not None else split.answer
    return language_share(text, language)


def group_language_shares(
    completions: list[str], language: str, pair: ReasoningPair | None = None
) -> list[float]:
    """One share per completion; CPU work, so the server runs it in a thread."""
    return [reasoning_language_share(c, language, pair) for c in completions]
