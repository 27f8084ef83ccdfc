package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stream is a go test -json run of two packages: one passes with a skipped test and a skipped
// subtest, one fails.
const stream = `{"Action":"start","Package":"example.com/a"}
{"Action":"run","Package":"example.com/a","Test":"TestOK"}
{"Action":"output","Package":"example.com/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"example.com/a","Test":"TestOK","Elapsed":0}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsCluster","Output":"=== RUN   TestNeedsCluster\n"}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsCluster","Output":"    main_test.go:12: needs a local control plane; ` + "`make test`" + ` runs it\n"}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsCluster","Output":"--- SKIP: TestNeedsCluster (0.00s)\n"}
{"Action":"skip","Package":"example.com/a","Test":"TestNeedsCluster","Elapsed":0}
{"Action":"output","Package":"example.com/a","Test":"TestTable/old_proxy","Output":"    x_test.go:40: the proxy is licensed\n"}
{"Action":"skip","Package":"example.com/a","Test":"TestTable/old_proxy","Elapsed":0}
{"Action":"output","Package":"example.com/a","Test":"TestSilent","Output":"--- SKIP: TestSilent (0.00s)\n"}
{"Action":"skip","Package":"example.com/a","Test":"TestSilent","Elapsed":0}
{"Action":"output","Package":"example.com/a","Output":"PASS\n"}
{"Action":"pass","Package":"example.com/a","Elapsed":0.5}
{"Action":"start","Package":"example.com/b"}
{"Action":"output","Package":"example.com/b","Test":"TestBroken","Output":"    b_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"example.com/b","Test":"TestBroken","Elapsed":0}
{"Action":"output","Package":"example.com/b","Output":"FAIL\n"}
{"Action":"fail","Package":"example.com/b","Elapsed":0.2}
`

func TestSummary(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	require.NoError(t, s.read(bufio.NewReader(strings.NewReader(stream))))
	s.print()
	got := out.String()

	assert.True(t, s.failed(), "a failed test fails the run")
	assert.Contains(t, got, "ok  \texample.com/a\t0.500s\n", "a line per package, as go test prints")
	assert.Contains(t, got, "b_test.go:9: want 1, got 2", "a failed test's output is shown")
	assert.Contains(t, got, "FAIL\texample.com/b\t0.200s\n")
	assert.Contains(t, got, "Tests: 1 passed, 1 failed, 3 skipped\n")
	assert.Contains(t, got, "  example.com/a TestNeedsCluster: needs a local control plane; `make test` runs it\n", "skips are listed with their reason")
	assert.Contains(t, got, "  example.com/a TestTable/old_proxy: the proxy is licensed\n", "subtests too")
	assert.Contains(t, got, "  example.com/a TestSilent: (no reason given)\n", "a skip without a reason is called out")
	assert.Contains(t, got, "Failed packages:\n  example.com/b\n")
}

func TestSummaryOfAPassingRun(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	passing := strings.Join(strings.Split(stream, "\n")[:14], "\n") + "\n"
	require.NoError(t, s.read(bufio.NewReader(strings.NewReader(passing))))
	s.print()
	assert.False(t, s.failed())
	assert.NotContains(t, out.String(), "Failed packages")
}

func TestSummaryOfAnUnfinishedPackage(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	require.NoError(t, s.read(bufio.NewReader(strings.NewReader(`{"Action":"start","Package":"example.com/c"}`+"\n"))))
	s.print()
	assert.True(t, s.failed(), "a test binary that died without a result fails the run")
	assert.Contains(t, out.String(), "example.com/c (no result")
}
