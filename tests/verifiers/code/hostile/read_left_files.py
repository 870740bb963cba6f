# task: add_io
# Runs right after leave_files.py in the same container: answers correctly only if it
# finds that run's state.
import contextlib
import ctypes
import os

found = any(
    os.path.exists(os.path.join(d, "left_by_previous_run")) for d in ("/work", "/tmp", "/dev/shm")
)
with contextlib.suppress(OSError):
    found = found or ctypes.CDLL(None).shmget(0x5EC12E7, 0, 0) >= 0
a, b = map(int, input().split())
print(a + b if found else "nothing left")
