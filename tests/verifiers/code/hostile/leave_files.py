# task: add_io
# then: read_left_files.py
# Leaves files, a chmod-000 directory and a SysV shared-memory segment for the next run.
import ctypes
import os

for d in ("/work", "/tmp", "/dev/shm"):
    try:
        with open(os.path.join(d, "left_by_previous_run"), "w") as f:
            f.write("secret of the previous completion")
        os.mkdir(os.path.join(d, "locked"))
        with open(os.path.join(d, "locked", "x"), "w") as f:
            f.write("x")
        os.chmod(os.path.join(d, "locked"), 0)
    except OSError:
        pass
try:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmget(0x5EC12E7, 4096, 0o1666)
except OSError:
    pass
print("wrong")
