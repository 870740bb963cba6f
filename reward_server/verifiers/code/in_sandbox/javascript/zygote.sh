#!/bin/sh
# Starts the JavaScript zygote (zygote.js) as node.sh starts node for a task whose heap is
# HEAP_MB (the same heap sizes and start-up snapshot contents), with V8's helper threads
# off: a forked child would not have them (zygote.c says why it is also preloaded).
# Usage: zygote.sh HEAP_MB SOCKET_FD
export LD_PRELOAD=/opt/sandbox/javascript/zygote.node
heap=${1:-128}
shift
for size in 1024 512 256 128 64 32; do
    if [ "$heap" -ge "$size" ]; then
        exec node --snapshot-blob "/opt/sandbox/javascript/zygote-$size.blob" \
            --max-old-space-size="$size" --v8-pool-size=1 --single-threaded \
            /opt/sandbox/javascript/zygote.js "$@"
    fi
done
exec node --max-old-space-size="$heap" --v8-pool-size=1 --single-threaded \
    /opt/sandbox/javascript/zygote.js "$@"
