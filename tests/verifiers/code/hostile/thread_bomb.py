# task: inc_asserts
# Starts threads until something breaks.
import threading
import time


def spin():
    time.sleep(60)


def inc(x):
    while True:
        threading.Thread(target=spin, daemon=True).start()
