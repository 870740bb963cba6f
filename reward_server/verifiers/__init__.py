"""The verifiers: one package per task kind (math, code), each judging a group's
completions and returning one Outcome per completion. base.py says what a verifier is,
registry.py which kinds a server runs and how each starts."""
