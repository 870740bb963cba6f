# task: add_io
# A str subclass written to stdout cannot help: only bytes leave the process.
import sys


class Liar(str):
    def __eq__(self, other):
        return True


sys.stdout.write(Liar("wrong\n"))
