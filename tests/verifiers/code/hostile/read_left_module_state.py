# task: inc_asserts
# Runs after leave_module_state.py: correct only if it sees that run's interpreter state.
import builtins
import json
import sys

SEEN = (
    hasattr(json, "LEFT_BY_PREVIOUS_RUN")
    or hasattr(builtins, "LEFT_BY_PREVIOUS_RUN")
    or "left_by_previous_run" in sys.modules
    or any(hasattr(m, "LEFT_BY_PREVIOUS_RUN") for m in list(sys.modules.values()))
)


def inc(x):
    return x + 1 if SEEN else 0
