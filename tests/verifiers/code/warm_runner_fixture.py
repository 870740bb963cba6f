"""A warm io runner for Python programs, speaking warm_io.py's protocol: the stand-in the
warm-io tests give the Python runtime (`io_serve`) so the host side is tested on its own.

Each test runs the program in a fresh namespace with its own stdin and stdout. Comments in
the program make the runner misbehave the ways a real runner might, so the tests can show
the host copes: `#warm-cold` (declines in its hello), `#warm-lie` (reports a wrong output),
`#warm-garbage` (an unreadable reply), `#warm-die` (exits mid-test), `#warm-taint` (flags
every test tainted), `#warm-flood` (reports an output over the cap).
"""

import base64
import io
import os
import sys
import traceback

with open("/work/main.py") as f:
    SOURCE = f.read()
CAP = int(os.environ["SANDBOX_MAX_OUTPUT"])
channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer


def send(line: str) -> None:
    channel_out.write(line.encode() + b"\n")
    channel_out.flush()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def run(data: bytes) -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    sys.stdout = io.TextIOWrapper(out, write_through=True)
    sys.stderr = io.TextIOWrapper(err, write_through=True)
    code = 0
    try:
        exec(compile(SOURCE, "/work/main.py", "exec"), {"__name__": "__main__"})
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    result = code, out.getvalue(), err.getvalue()  # before the wrappers go, closing them
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
    return result


send("cold asked to" if "#warm-cold" in SOURCE else "ready")
for line in channel_in:
    word, _, arg = line.decode().strip().partition(" ")
    code, out, err = run(base64.b64decode(arg))
    flags = "tainted" if "#warm-taint" in SOURCE else "-"
    if "#warm-lie" in SOURCE:
        out = b"a lie\n"
    if "#warm-flood" in SOURCE:
        out, flags = b"x" * CAP, "output_limit"
    if "#warm-die" in SOURCE:
        os._exit(5)
    if "#warm-garbage" in SOURCE:
        send("done what")
        continue
    send(f"done {code} {flags} {b64(out[:CAP])} {b64(err[:16384])}")
