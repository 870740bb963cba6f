# task: add_io
# Floods stdout as fast as it can.
import os

block = b"y" * 65536
while True:
    os.write(1, block)
