# task: sq_map_asserts
# Raises GeneratorExit (a BaseException, not an Exception) from inside map()/all().
def sq(x):
    raise GeneratorExit
