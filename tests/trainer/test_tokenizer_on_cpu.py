"""The character tokenizer: round trip, special tokens, save and reload."""

from __future__ import annotations

from transformers import AutoTokenizer

from trainer_client.tokenizer import build_char_tokenizer

TEXT = "Q: Tom has 3 apples and buys 4 more.\nA: <think>3+4=7</think>\\boxed{7}  {x}\t~"


def test_round_trip_one_token_per_character():
    tok = build_char_tokenizer()
    ids = tok(TEXT, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(TEXT)
    assert tok.decode(ids) == TEXT


def test_special_tokens_and_skipping_them():
    tok = build_char_tokenizer()
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2)
    ids = [
        tok.bos_token_id,
        *tok("ab", add_special_tokens=False)["input_ids"],
        tok.eos_token_id,
        tok.pad_token_id,
    ]
    assert tok.decode(ids, skip_special_tokens=True) == "ab"
    assert tok.padding_side == "left"


def test_unknown_characters_map_to_unk():
    tok = build_char_tokenizer()
    ids = tok("a\u00e9b", add_special_tokens=False)["input_ids"]
    assert ids[1] == tok.unk_token_id and len(ids) == 3


def test_save_and_reload_with_auto_tokenizer(tmp_path):
    tok = build_char_tokenizer()
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path, local_files_only=True)
    assert again(TEXT)["input_ids"] == tok(TEXT)["input_ids"]
    assert again.decode(again(TEXT, add_special_tokens=False)["input_ids"]) == TEXT
    assert again.eos_token_id == tok.eos_token_id and len(again) == len(tok)
