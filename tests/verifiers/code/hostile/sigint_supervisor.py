# task: add_io
# SIGINT, SIGTERM, SIGHUP and SIGQUIT to PID 1 and to every other process: Python installs
# a SIGINT handler, so a supervisor sharing the candidate's uid would die of it (and the
# completion would escape its zero as INFRA_ERROR). Then it answers wrongly.
import contextlib
import os
import signal

me = os.getpid()
for pid in [1, os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if pid == me:
        continue
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
print("wrong")
