// task: go_add_io
// Floods stdout without end.
package main

import (
	"bufio"
	"os"
	"strings"
)

func main() {
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	line := strings.Repeat("x", 1000) + "\n"
	for {
		w.WriteString(line)
	}
}
