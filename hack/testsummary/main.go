// Command testsummary reads `go test -json` on standard input and prints what `go test` prints
// (a line per package, the full output of failed tests and of failed builds), then a summary that
// counts passed, failed and skipped tests and lists every skipped test with its reason, so no skip
// goes unnoticed. It exits 1 when a test, a package or a build failed.
//
//	go test -json ./... | go run ./hack/testsummary [-save results.json]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	save := flag.String("save", "", "also write the raw go test -json stream to this file")
	flag.Parse()

	var in io.Reader = os.Stdin
	if *save != "" {
		f, err := os.Create(*save)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = io.TeeReader(os.Stdin, f)
	}
	s := newSummary(os.Stdout)
	if err := s.read(bufio.NewReader(in)); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s.print()
	if s.failed() {
		os.Exit(1)
	}
}
