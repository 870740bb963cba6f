// task: go_add_io
// then: go_find_left_process.go
// Answers correctly but leaves a copy of itself behind in a new session, writing a file.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "daemon" {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		for {
			os.WriteFile("/work/daemon_was_here", []byte("x"), 0o644)
			time.Sleep(10 * time.Millisecond)
		}
	}
	var a, b int64
	fmt.Scan(&a, &b)
	fmt.Println(a + b)
	cmd := exec.Command("/proc/self/exe", "daemon")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	_ = cmd.Start()
}
