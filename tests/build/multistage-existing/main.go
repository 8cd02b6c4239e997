package main

import "fmt"

func main() {
	fmt.Println("stamp: multi-stage ok")
}
