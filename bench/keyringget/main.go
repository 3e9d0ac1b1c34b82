// Command keyringget does one go-keyring Get and prints its length: the
// floor of any keyring-backed tool, for the benchmarks.
package main

import (
	"fmt"
	"os"

	gokeyring "github.com/zalando/go-keyring"
)

func main() {
	v, err := gokeyring.Get(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(v))
}
