# task: add_io
# Answers correctly but leaves a daemon behind that would outlive the run.
import os
import sys
import time

a, b = map(int, input().split())
print(a + b)
sys.stdout.flush()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 256)
        while True:
            try:
                with open("/work/daemon_was_here", "w") as f:
                    f.write(str(time.time()))
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
