package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("hello from go (%s)\n", runtime.GOOS)
}
