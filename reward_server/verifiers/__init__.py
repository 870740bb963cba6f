"""The verifiers: one package per task kind (math, code), each judging a group's
completions and returning one Outcome per completion."""
