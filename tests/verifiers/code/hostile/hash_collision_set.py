# task: inc_function
# Returns a set of ints that all share one hash (k * (2**61 - 1) + c): decoding it where
# the result is compared (the server, for FunctionTests) would cost n**2/2 probes, minutes
# of the server's CPU. The decoder counts collisions in linear time and refuses it.
def inc(x):
    return {k * (2**61 - 1) + 7 for k in range(1, 40_000)}
