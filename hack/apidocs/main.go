// Command apidocs writes docs/api-reference.md from the Go types in api/v1alpha1.
//
//	go run ./hack/apidocs                  # from the repository root
//	go run ./hack/apidocs -out -           # print instead of writing
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/litellm-operator/litellm-operator/hack/apidocs/markdown"
)

func main() {
	api := flag.String("api", "api/v1alpha1", "folder of the API package to document")
	out := flag.String("out", "docs/api-reference.md", `file to write, or "-" for standard output`)
	flag.Parse()

	if *out == "-" {
		md, err := markdown.Generate(*api)
		if err == nil {
			_, err = os.Stdout.Write(md)
		}
		exitOn(err)
		return
	}
	exitOn(markdown.WriteFile(*api, *out))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "apidocs:", err)
		os.Exit(1)
	}
}
