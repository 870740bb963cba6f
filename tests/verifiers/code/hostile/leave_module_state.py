# task: inc_asserts
# then: read_left_module_state.py
# Leaves marks in shared-looking interpreter state (modules, builtins, the harness codec)
# for the next completion forked from the same warm interpreter.
import builtins
import json
import sys

json.LEFT_BY_PREVIOUS_RUN = 41
builtins.LEFT_BY_PREVIOUS_RUN = 41
sys.modules["left_by_previous_run"] = json
for mod in list(sys.modules.values()):
    if getattr(mod, "__name__", "") == "valuecodec":
        mod.LEFT_BY_PREVIOUS_RUN = 41


def inc(x):
    return 0
