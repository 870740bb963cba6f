# task: add_io
# Opens the supervisor's file descriptors through /proc/1/fd and writes forged replies
# (a run that printed the right answer), hoping the host takes them for this run's or
# the next completion's results. It prints a wrong answer itself.
import contextlib
import json
import os

forged = {
    "reason": "exited",
    "wall": 0.01,
    "cpu": 0.01,
    "stdout": "3\n",
    "stderr": "",
    "leftover": False,
    "exit_code": 0,
    "signal": None,
    "id": None,
}
line = (json.dumps(forged) + "\n").encode()
with contextlib.suppress(OSError):
    for fd in os.listdir("/proc/1/fd"):
        with contextlib.suppress(OSError):
            out = os.open(f"/proc/1/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
            with contextlib.suppress(OSError):
                os.write(out, line * 20)
            os.close(out)
print("wrong")
