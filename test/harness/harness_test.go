package harness

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func shell(t *testing.T, script string) Command {
	return Command{Name: "sh", Path: "/bin/sh", Args: []string{"-c", script}, LogPath: filepath.Join(t.TempDir(), "sh.log")}
}

func TestStopEndsTheProcessGroup(t *testing.T) {
	// The shell forks a child that ignores nothing: Stop must reach it through the process group.
	p, err := Start(shell(t, "sleep 60 & echo started; wait"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(p.Tail(100), "started") }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, p.Stop(5*time.Second))
	assert.True(t, p.Exited())
	assert.Eventually(t, func() bool { return syscall.Kill(-p.Pid(), 0) == syscall.ESRCH }, 5*time.Second, 10*time.Millisecond,
		"no process of the group is left (the forked child got the signal too)")
	assert.NoError(t, p.Stop(time.Second), "Stop is idempotent")
}

func TestStopKillsWhatIgnoresTerm(t *testing.T) {
	p, err := Start(shell(t, "trap '' TERM; echo ready; while :; do sleep 0.1; done"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(p.Tail(100), "ready") }, 5*time.Second, 10*time.Millisecond)
	start := time.Now()
	require.NoError(t, p.Stop(200*time.Millisecond))
	assert.Less(t, time.Since(start), 5*time.Second, "SIGKILL after the grace period")
	assert.Contains(t, p.ExitStatus(), "killed")
}

func TestKillIsACrash(t *testing.T) {
	p, err := Start(shell(t, "sleep 60"))
	require.NoError(t, err)
	p.Kill()
	assert.Equal(t, "signal: killed", p.ExitStatus())
}

func TestStartPrintingURL(t *testing.T) {
	p, url, err := StartPrintingURL(shell(t, "echo http://127.0.0.1:1234; echo more output; sleep 60"), 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop(time.Second) })
	assert.Equal(t, "http://127.0.0.1:1234", url)
	assert.Eventually(t, func() bool { return strings.Contains(p.Tail(100), "more output") }, 5*time.Second, 10*time.Millisecond,
		"the rest of stdout goes to the log")

	_, _, err = StartPrintingURL(shell(t, "echo cannot listen >&2; exit 3"), 5*time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exit status 3")
	assert.Contains(t, err.Error(), "cannot listen", "the error shows the end of the log")
}

func TestWaitHTTP(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, WaitHTTP(ctx, nil, srv.URL, nil))
	assert.EqualValues(t, 3, calls.Load(), "polls until 200")
	assert.True(t, OK(ctx, nil, srv.URL), "a nil client is http.DefaultClient")

	p, err := Start(shell(t, "echo crashed; exit 1"))
	require.NoError(t, err)
	err = WaitHTTP(ctx, nil, "http://127.0.0.1:1/readyz", p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited during start-up", "gives up as soon as the process died")
	assert.Contains(t, err.Error(), "crashed")
}

func TestFreePortsAreDistinctAndFree(t *testing.T) {
	addrs, err := FreeAddresses(5)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, a := range addrs {
		assert.False(t, seen[a], "distinct")
		seen[a] = true
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", a)
		require.NoError(t, err, "%s can be bound", a)
		_ = ln.Close()
	}
}

func TestMetrics(t *testing.T) {
	const text = `# TYPE reconcile_total counter
reconcile_total{controller="virtualkey",result="success"} 3
reconcile_total{controller="virtualkey",result="error"} 1
reconcile_total{controller="team",result="success"} 5
# TYPE latency_seconds histogram
latency_seconds_bucket{le="1"} 2
latency_seconds_bucket{le="+Inf"} 4
latency_seconds_sum 3.5
latency_seconds_count 4
`
	m, err := ParseMetrics(strings.NewReader(text))
	require.NoError(t, err)
	assert.InDelta(t, 9, m.Sum("reconcile_total", nil), 1e-9)
	assert.InDelta(t, 4, m.Sum("reconcile_total", LabelsMatch(map[string]string{"controller": "virtualkey"})), 1e-9)
	assert.InDelta(t, 4, m.Sum("latency_seconds_count", nil), 1e-9, "a histogram's samples are named as in the text format")
	assert.InDelta(t, 2, m.Sum("latency_seconds_bucket", LabelsMatch(map[string]string{"le": "1"})), 1e-9)
	assert.Zero(t, m.Sum("absent", nil))

	_, err = ParseMetrics(strings.NewReader("broken{a=1} 2\n"))
	assert.Error(t, err)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(text)) }))
	t.Cleanup(srv.Close)
	scraped, err := ScrapeMetrics(context.Background(), nil, srv.URL)
	require.NoError(t, err)
	assert.Len(t, scraped, 2)
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.WriteFile(path, []byte("first line\nsecond line\nthird line\n"), 0o600))
	assert.Equal(t, "third line", Tail(path, 14), "from a line start")
	assert.Equal(t, "first line\nsecond line\nthird line", Tail(path, 1000))
	assert.Empty(t, Tail(filepath.Join(t.TempDir(), "absent"), 10))
}
