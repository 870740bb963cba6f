// task: go_add_io
// Fills /tmp, /work and /dev/shm until writes fail.
package main

import (
	"fmt"
	"os"
)

func main() {
	block := make([]byte, 4<<20)
	for _, d := range []string{"/tmp", "/work", "/dev/shm"} {
		for i := 0; i < 10000; i++ {
			if err := os.WriteFile(fmt.Sprintf("%s/fill%d", d, i), block, 0o644); err != nil {
				break
			}
		}
	}
	fmt.Println("wrong")
}
