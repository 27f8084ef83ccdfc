// Command bundlevalidate validates an OLM bundle directory (see package validate) and fails on any
// error or warning: `go run ./hack/bundlevalidate -k8s-version 1.37 ./bundle`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/litellm-operator/litellm-operator/hack/bundlevalidate/validate"
)

func main() {
	k8sVersion := flag.String("k8s-version", "", "Kubernetes version to check removed APIs against (default: the CSV's minKubeVersion)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundlevalidate [-k8s-version 1.37] <bundle directory>")
		os.Exit(2)
	}
	findings, err := validate.Bundle(flag.Arg(0), *k8sVersion)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	for _, f := range findings {
		fmt.Println(f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d validation errors and warnings: fix them\n", flag.Arg(0), len(findings))
		os.Exit(1)
	}
	fmt.Printf("%s: no errors and no warnings\n", flag.Arg(0))
}
