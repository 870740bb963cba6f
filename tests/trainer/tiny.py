"""The smallest trainer settings that still run every part of a GRPO step on CPU; test
modules override what their case needs."""

TINY = dict(
    n_layer=1,
    n_embd=32,
    n_head=2,
    n_positions=160,
    group_size=4,
    prompts_per_step=4,
    prompts_per_generate=2,
    max_new_tokens=8,
    learning_rate=1e-2,
    eval_size=0,
    progress=False,
    threads=1,
)
