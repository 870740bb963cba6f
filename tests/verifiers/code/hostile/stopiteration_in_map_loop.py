# task: sq_loop_asserts
# Raises StopIteration inside the map() a test loops over: the for loop would end
# quietly and its asserts never run.
def sq(x):
    raise StopIteration
