# task: add_io
# Fills /tmp, /work and /dev/shm until writes fail.
import os

for d in ("/tmp", "/work", "/dev/shm"):
    for i in range(10000):
        try:
            with open(os.path.join(d, f"fill{i}"), "wb") as f:
                f.write(b"x" * (4 << 20))
        except OSError:
            break
print("wrong")
