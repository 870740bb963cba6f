// task: go_add_io
// Keeps every allocation alive until memory runs out.
package main

import "fmt"

func main() {
	var keep [][]byte
	for {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = byte(i)
		}
		keep = append(keep, b)
		if len(keep) < 0 {
			fmt.Println(len(keep))
		}
	}
}
