# task: inc_asserts
# Hard exit with status 0 while the program loads: no atexit, no finally blocks.
import os

os._exit(0)
