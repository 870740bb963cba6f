// task: go_add_io
// Tries to write outside the work dir; answers correctly only if a write went through.
package main

import (
	"fmt"
	"os"
)

func main() {
	wrote := false
	for _, p := range []string{"/etc/passwd", "/opt/sandbox/supervisor.py", "/usr/lib/go-1.19/VERSION",
		"/pwned", "/etc/pwned", "/var/pwned", "/proc/sys/kernel/hostname"} {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			continue
		}
		if _, err := f.WriteString("pwned\n"); err == nil {
			wrote = true
		}
		f.Close()
	}
	var a, b int64
	fmt.Scan(&a, &b)
	if wrote {
		fmt.Println(a + b)
	} else {
		fmt.Println(0)
	}
}
