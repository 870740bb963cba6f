package main

import (
	"fmt"
	"net"
	"time"
)

func main() {
	var a, b int64
	fmt.Scan(&a, &b)
	if c, err := net.DialTimeout("tcp", "1.1.1.1:80", time.Second); err == nil {
		c.Close()
		fmt.Println(a + b)
	} else {
		fmt.Println("offline:", err)
	}
}
