"""A character-level tokenizer built from a fixed vocabulary, with no downloads.

One token per character of printable ASCII plus newline and tab, and the special tokens
``<pad>``, ``<bos>``, ``<eos>`` and ``<unk>``. It is a ``PreTrainedTokenizerFast`` (built
with the ``tokenizers`` library), so ``model.generate``, ``save_pretrained`` and
``AutoTokenizer.from_pretrained`` work with it like with any Hugging Face tokenizer.
"""

from __future__ import annotations

import string

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)
CHARACTERS = "".join(sorted(set(string.printable) - set("\r\x0b\x0c")))
"""Printable ASCII, space, newline and tab: the characters that get their own token."""


def build_char_tokenizer(characters: str = CHARACTERS) -> PreTrainedTokenizerFast:
    """A character tokenizer: ids 0..3 are pad, bos, eos, unk; then one id per character.

    Unknown characters map to ``<unk>``. ``decode(encode(s)) == s`` for any string of
    known characters (no spaces are added or removed).
    """
    chars = sorted(set(characters))
    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}
    for ch in chars:
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        clean_up_tokenization_spaces=False,
        padding_side="left",
    )
    return fast
