# task: add_io
# then: read_deep_tree.py
# A directory tree deeper than the open-files limit (and than PATH_MAX) with a marker at
# the bottom: a recursive wipe holding one descriptor per level, or one working on full
# paths, fails part way and leaves the tree to the next completion.
import os

for top in ("/work", "/tmp"):
    try:
        os.chdir(top)
        os.mkdir("deep")
        os.chdir("deep")
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
        with open("marker", "w") as f:
            f.write("x")
        os.chmod(".", 0o500)  # the bottom directory is not writable either
    except OSError:
        pass
print("wrong")
