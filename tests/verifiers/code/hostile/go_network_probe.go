// task: go_add_io
// Answers correctly only if it reaches the Docker socket, the host or the outside world.
package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func reachable() bool {
	for _, sock := range []string{"/var/run/docker.sock", "/run/docker.sock"} {
		if _, err := os.Stat(sock); err == nil {
			return true
		}
	}
	for _, addr := range []string{"172.17.0.1:2375", "172.17.0.1:22", "8.8.8.8:53",
		"deb.debian.org:80", "127.0.0.1:2375", "127.0.0.1:22"} {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
	}
	ifaces, _ := net.Interfaces()
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback == 0 && i.Flags&net.FlagUp != 0 {
			return true
		}
	}
	return false
}

func main() {
	reached := reachable()
	var a, b int64
	fmt.Scan(&a, &b)
	if reached {
		fmt.Println(a + b)
	} else {
		fmt.Println(0)
	}
}
