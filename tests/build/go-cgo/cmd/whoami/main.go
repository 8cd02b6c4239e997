package main

import (
	"fmt"
	"os"
	"os/user"
)

// Looks the current user up through the C library (cgo), so the binary
// needs glibc at run time.
func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("user lookup failed:", err)
		os.Exit(1)
	}
	if u.Uid == "" {
		os.Exit(1)
	}
	fmt.Println("user lookup ok")
}
