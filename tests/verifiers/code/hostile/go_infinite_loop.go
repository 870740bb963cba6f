// task: go_add_io
// Spins forever on every core it is given, ignoring the terminating signals.
package main

import (
	"os/signal"
	"syscall"
)

var n uint64

func main() {
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	for i := 0; i < 4; i++ {
		go func() {
			for {
				n++
			}
		}()
	}
	for {
		n++
	}
}
