# task: add_io
# Runs right after lock_nested_dirs.py in the same container: it answers correctly only
# by replaying the secret it finds there (chmod-ing its way back into the locked tree).
import os


def find() -> bool:
    for top in ("/work", "/tmp", "/dev/shm"):
        path = os.path.join(top, "vault")
        try:
            for p in (path, os.path.join(path, "a"), os.path.join(path, "a", "b")):
                os.chmod(p, 0o700)
            with open(os.path.join(path, "a", "b", "secret")) as f:
                return bool(f.read())
        except OSError:
            continue
    return False


a, b = map(int, input().split())
print(a + b if find() else "nothing left")
