# task: add_io
# then: read_locked_dirs.py
# Hides a secret under nested chmod-000 directories in every writable place. A wipe that
# fixes permissions from the top (or gives up at the first EACCES) leaves it for the next
# completion in the same container, which can chmod its way back in and read it.
import os

for top in ("/work", "/tmp", "/dev/shm"):
    try:
        path = os.path.join(top, "vault")
        os.makedirs(os.path.join(path, "a", "b"), exist_ok=True)
        with open(os.path.join(path, "a", "b", "secret"), "w") as f:
            f.write("3\n42\n0\n")
        for p in (os.path.join(path, "a", "b"), os.path.join(path, "a"), path):
            os.chmod(p, 0)
    except OSError:
        pass
print("wrong")
