package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Counts its starts in a file in the working directory.
func main() {
	n := 0
	if b, err := os.ReadFile("starts.txt"); err == nil {
		n, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	n++
	if err := os.WriteFile("starts.txt", []byte(strconv.Itoa(n)), 0o644); err != nil {
		fmt.Println("cannot write starts.txt:", err)
		os.Exit(1)
	}
	fmt.Println("counter saved")
}
