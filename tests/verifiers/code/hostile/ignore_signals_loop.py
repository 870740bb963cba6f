# task: add_io
# Ignores every catchable signal and spins.
import contextlib
import signal

for sig in range(1, signal.NSIG):
    with contextlib.suppress(OSError, ValueError):
        signal.signal(sig, signal.SIG_IGN)
while True:
    pass
