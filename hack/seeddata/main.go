// Command seeddata extracts what the tests need from the two documents of the operator whose API this
// one implements (release 1.1.2): the field list of its API reference, and the YAML examples and
// kubectl commands of its virtual-keys guide. The tests read only the extracted files under
// testdata/, so the repository stands alone; run this when a new release of those documents is
// adopted, and review the diff.
//
//	go run ./hack/seeddata -reference path/to/api-reference.md -guide path/to/virtual-keys-guide.md
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	reference := flag.String("reference", "", "the API reference (markdown) to extract the field list from")
	guide := flag.String("guide", "", "the virtual-keys guide (markdown) to extract the examples and commands from")
	out := flag.String("out", "testdata", "the repository's testdata folder")
	flag.Parse()
	if *reference == "" && *guide == "" {
		fmt.Fprintln(os.Stderr, "seeddata: give -reference, -guide or both")
		os.Exit(2)
	}
	if *reference != "" {
		exitOn(extractReference(*reference, filepath.Join(*out, "api-reference")))
	}
	if *guide != "" {
		exitOn(extractGuide(*guide, filepath.Join(*out, "virtual-keys-guide")))
	}
}

func extractReference(path, dir string) error {
	return extract(path, dir, func(md string) (map[string]string, error) {
		fields, err := ParseReference(md)
		if err != nil {
			return nil, err
		}
		return map[string]string{FieldsFile: FormatFields(fields)}, nil
	})
}

func extractGuide(path, dir string) error { return extract(path, dir, ExtractGuide) }

// extract reads a markdown document and writes the files extract makes of it into dir.
func extract(path, dir string, files func(md string) (map[string]string, error)) error {
	md, err := os.ReadFile(path) //nolint:gosec // the developer's own input file
	if err != nil {
		return err
	}
	out, err := files(string(md))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFiles(dir, out)
}

func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return err
		}
		fmt.Println("wrote", filepath.Join(dir, name))
	}
	return nil
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "seeddata:", err)
		os.Exit(1)
	}
}
