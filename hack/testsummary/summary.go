package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

// Actions of cmd/test2json that end a test or a package.
const (
	actionPass = "pass"
	actionFail = "fail"
	actionSkip = "skip"
)

// skip is a skipped test and why.
type skip struct{ pkg, test, reason string }

type summary struct {
	out                   io.Writer
	passed, failedTests   int
	skipped               []skip
	failedPkgs            []string
	output                map[string][]string // "pkg test" → output lines so far
	buildOutput           map[string][]string // import path → build output
	packagesWithoutResult map[string]bool
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, output: map[string][]string{}, buildOutput: map[string][]string{}, packagesWithoutResult: map[string]bool{}}
}

func (s *summary) read(r *bufio.Reader) error {
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			s.handle(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *summary) handle(line string) {
	var e event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
		// go test prints some messages outside the JSON stream; its exit status tells failures.
		fmt.Fprint(s.out, line)
		return
	}
	key := e.Package + " " + e.Test
	switch e.Action {
	case "build-output":
		s.buildOutput[e.ImportPath] = append(s.buildOutput[e.ImportPath], e.Output)
	case "build-fail":
		fmt.Fprintf(s.out, "# %s\n%s", e.ImportPath, strings.Join(s.buildOutput[e.ImportPath], ""))
	case "start":
		s.packagesWithoutResult[e.Package] = true
	case "output":
		s.output[key] = append(s.output[key], e.Output)
	case actionPass, actionFail, actionSkip:
		if e.Test == "" {
			s.packageDone(e)
			return
		}
		switch e.Action {
		case actionPass:
			s.passed++
		case actionFail:
			s.failedTests++
			fmt.Fprint(s.out, strings.Join(s.output[key], ""))
		case actionSkip:
			s.skipped = append(s.skipped, skip{pkg: e.Package, test: e.Test, reason: skipReason(s.output[key])})
		}
		delete(s.output, key)
	}
}

// packageDone prints the package's line, as go test does, with its output when it failed
// (a panic, a TestMain failure, a timeout).
func (s *summary) packageDone(e event) {
	delete(s.packagesWithoutResult, e.Package)
	key := e.Package + " "
	switch e.Action {
	case actionPass:
		fmt.Fprintf(s.out, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
	case actionSkip:
		fmt.Fprintf(s.out, "?   \t%s\t[no test files]\n", e.Package)
	case actionFail:
		fmt.Fprint(s.out, strings.Join(s.output[key], ""))
		if e.FailedBuild != "" {
			fmt.Fprintf(s.out, "FAIL\t%s [build failed]\n", e.Package)
		} else {
			fmt.Fprintf(s.out, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
		}
		s.failedPkgs = append(s.failedPkgs, e.Package)
	}
	delete(s.output, key)
}

// skipLine is where t.Skip's message sits in a test's output: "    file_test.go:12: reason".
var skipLine = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)

// skipReason is the message the test gave t.Skip (its last logged line before "--- SKIP").
func skipReason(lines []string) string {
	var reason string
	for _, l := range lines {
		l = strings.TrimRight(l, "\n")
		if m := skipLine.FindStringSubmatch(l); m != nil {
			reason = m[1]
		} else if strings.HasPrefix(l, "        ") && reason != "" {
			reason += " " + strings.TrimSpace(l) // a message over several lines
		}
	}
	if reason == "" {
		return "(no reason given)"
	}
	return reason
}

func (s *summary) failed() bool {
	return s.failedTests > 0 || len(s.failedPkgs) > 0 || len(s.packagesWithoutResult) > 0
}

func (s *summary) print() {
	fmt.Fprintf(s.out, "\nTests: %d passed, %d failed, %d skipped\n", s.passed, s.failedTests, len(s.skipped))
	if len(s.skipped) > 0 {
		fmt.Fprintln(s.out, "Skipped:")
		slices.SortFunc(s.skipped, func(a, b skip) int { return strings.Compare(a.pkg+" "+a.test, b.pkg+" "+b.test) })
		for _, sk := range s.skipped {
			fmt.Fprintf(s.out, "  %s %s: %s\n", sk.pkg, sk.test, sk.reason)
		}
	}
	for pkg := range s.packagesWithoutResult {
		s.failedPkgs = append(s.failedPkgs, pkg+" (no result: the test binary did not finish)")
	}
	if len(s.failedPkgs) > 0 {
		slices.Sort(s.failedPkgs)
		fmt.Fprintln(s.out, "Failed packages:\n  "+strings.Join(s.failedPkgs, "\n  "))
	}
}
