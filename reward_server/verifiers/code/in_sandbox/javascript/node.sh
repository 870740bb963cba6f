#!/bin/sh
# Starts node with the task's heap limit ($SANDBOX_HEAP_MB, set by the server) from the
# largest start-up snapshot built for a heap no larger (a snapshot only loads with the
# V8 flags it was built with, so there is one per heap size, see the Dockerfile).
# $SANDBOX_SNAPSHOT names the set: heap (the default) or zygote (zygote.sh's flags).
# Usage: node.sh [node flags] script [args]
heap=${SANDBOX_HEAP_MB:-128}
set=${SANDBOX_SNAPSHOT:-heap}
for size in 1024 512 256 128 64 32; do
    if [ "$heap" -ge "$size" ]; then
        exec node --snapshot-blob "/opt/sandbox/javascript/$set-$size.blob" \
            --max-old-space-size="$size" --v8-pool-size=1 "$@"
    fi
done
exec node --max-old-space-size="$heap" --v8-pool-size=1 "$@"
