# Sourced by run and serve: the JVM flags of a program's run, sized from the task's memory
# limit (SANDBOX_MEMORY_MB, else this process's RLIMIT_DATA or RLIMIT_AS). The heap gets
# what the JVM's own needs (thread stacks, code cache, metaspace, malloc, the shared-class
# archive; about 40 MiB with one GC thread and one compiler tier, and a little more for a
# larger heap's tables) leave, so a program that fills its heap gets an OutOfMemoryError
# (MEMORY_LIMIT), not a JVM that fails to start or dies of a failed native allocation. No
# perf-data file; VM messages and warnings (unified logging writes them to stdout by
# default) go to stderr, never into the program's output.
mem=${SANDBOX_MEMORY_MB:-}
if [ -z "$mem" ]; then
  kb=$(ulimit -d)
  [ "$kb" = unlimited ] && kb=$(ulimit -v)
  case "$kb" in unlimited|'') mem=1024 ;; *) mem=$((kb / 1024)) ;; esac
fi
heap=$((mem - 40 - mem / 16))
[ "$heap" -lt 16 ] && heap=16
JVM_FLAGS="-Xmx${heap}m -Xms8m -Xss1m \
  -XX:MaxMetaspaceSize=64m -XX:CompressedClassSpaceSize=32m \
  -XX:ReservedCodeCacheSize=32m -XX:+UseSerialGC \
  -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=1 -XX:CICompilerCount=1 \
  -XX:-UsePerfData -Xshare:auto -XX:+ExitOnOutOfMemoryError \
  -XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning:stderr \
  -XX:ErrorFile=/tmp/hs_err_%p.log"
