# task: sq_genexpr_asserts
# Raises StopIteration inside a generator expression passed to all()/any() (PEP 479
# turns it into RuntimeError there; the judge must not depend on that alone).
def sq(x):
    raise StopIteration
