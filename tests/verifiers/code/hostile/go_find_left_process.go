// task: go_add_io
// Runs right after go_leave_process.go in the same container: answers correctly only if
// that run's process or its file is still there.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	time.Sleep(100 * time.Millisecond)
	_, err := os.Stat("/work/daemon_was_here")
	found := err == nil
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && pid != 1 && pid != os.Getpid() && pid != os.Getppid() {
			cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err == nil && strings.HasSuffix(string(cmd), "daemon\x00") {
				found = true
			}
		}
	}
	var a, b int64
	fmt.Scan(&a, &b)
	if found {
		fmt.Println(a + b)
	} else {
		fmt.Println(-1)
	}
}
