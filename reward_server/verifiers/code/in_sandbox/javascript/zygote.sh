#!/bin/sh
# Starts the JavaScript zygote (zygote.js) as node.sh starts node for a task whose heap is
# HEAP_MB (the same heap sizes and start-up snapshot contents), with V8's helper threads
# off: a forked child would not have them (zygote.c says why it is also preloaded).
# Usage: zygote.sh HEAP_MB SOCKET_FD
heap=${1:-128}
shift
LD_PRELOAD=/opt/sandbox/javascript/zygote.node SANDBOX_HEAP_MB=$heap SANDBOX_SNAPSHOT=zygote \
    exec /opt/sandbox/javascript/node.sh --single-threaded /opt/sandbox/javascript/zygote.js "$@"
