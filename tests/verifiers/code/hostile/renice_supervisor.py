# task: add_io
# Succeeds (prints the right sum) only if it could change the scheduling of another
# process: the supervisor's priority, or the warm interpreter's CPU affinity or limits.
import contextlib
import os
import resource


def reached_another_process() -> bool:
    me = os.getpid()
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 10)
            return True
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {0})
            return True
        with contextlib.suppress(OSError, ValueError):
            soft, hard = resource.prlimit(pid, resource.RLIMIT_CORE)
            resource.prlimit(pid, resource.RLIMIT_CORE, (soft, hard))
            return True
    return False


a, b = map(int, input().split())
print(a + b if reached_another_process() else "could not")
