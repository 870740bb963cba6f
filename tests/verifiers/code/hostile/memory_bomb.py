# task: add_io
# Allocates and touches memory without bound.
chunks = []
while True:
    chunks.append(bytearray(16 * 1024 * 1024))
