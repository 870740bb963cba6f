# task: add_io
# Runs right after deep_tree.py: answers correctly only if the deep tree survived.
import os


def survived() -> bool:
    for top in ("/work", "/tmp"):
        try:
            os.chdir(os.path.join(top, "deep"))
            for _ in range(1500):
                os.chdir("d")
            return os.path.exists("marker")
        except OSError:
            continue
    return False


a, b = map(int, input().split())
print(a + b if survived() else "nothing left")
