// task: go_add_io
// Creates OS threads without end: each goroutine locks its thread and blocks in a syscall.
package main

import (
	"runtime"
	"runtime/debug"
	"syscall"
)

func main() {
	debug.SetMaxThreads(1 << 20)
	for {
		go func() {
			runtime.LockOSThread()
			for {
				var tv syscall.Timeval
				tv.Sec = 1000
				_, _ = syscall.Select(0, nil, nil, nil, &tv)
			}
		}()
	}
}
