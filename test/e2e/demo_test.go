package e2e

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// TestDemo runs the demo as a user would: first interactively, killed with SIGKILL once it waits
// for Ctrl-C (a crash), then `make demo DEMO_ONCE=1` in the same folder, which must start cleanly,
// succeed, and leave no process behind. DEMO_DIR keeps it away from a developer's own .demo/.
func TestDemo(t *testing.T) {
	suite.SkipWithoutControlPlane(t) // the demo would build it from source: minutes, not seconds
	dir := filepath.Join(t.TempDir(), "demo")
	bin := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/demo") //nolint:gosec // fixed arguments
	build.Dir = env.root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	environ := append(cleanEnviron(), "DEMO_DIR="+dir)

	// A demo that crashes while the user explores.
	first := exec.Command(bin) //nolint:gosec // built above
	first.Dir = env.root
	first.Env = environ
	stdout, err := first.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	first.Stderr = &stderr
	require.NoError(t, first.Start())
	waiting := make(chan string, 1)
	go func() {
		var seen strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Press Ctrl-C") {
				waiting <- seen.String()
				break
			}
		}
		close(waiting)
		for sc.Scan() { // drain
		}
	}()
	var firstOut string
	select {
	case firstOut = <-waiting:
	case <-time.After(4 * time.Minute):
	}
	if firstOut == "" {
		_ = first.Process.Kill()
		_ = first.Wait()
		t.Fatalf("the demo did not reach the exploring stage:\n%s", stderr.String())
	}
	assertDemoOutput(t, firstOut)
	firstPIDs := readPIDs(t, dir)
	require.GreaterOrEqual(t, len(firstPIDs), 6, "the demo, etcd, kube-apiserver, kube-controller-manager, the simulator and the operator")
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()

	// The next run starts cleanly in the same folder, and stops by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	second := exec.CommandContext(ctx, "make", "--no-print-directory", "demo")
	second.Dir = env.root
	second.Env = append(environ, "DEMO_ONCE=1")
	out, err = second.CombinedOutput()
	require.NoError(t, err, "make demo DEMO_ONCE=1:\n%s", out)
	assertDemoOutput(t, string(out))
	assert.Contains(t, string(out), "DEMO_ONCE is set")

	for _, p := range firstPIDs {
		assert.False(t, p.alive(), "process %s of the killed demo is still running", p)
	}
	assert.Empty(t, processesMentioning(dir), "no process of either demo is left")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, strings.HasSuffix(e.Name(), ".log") || e.Name() == ".litellm-demo", "only logs are kept, found %s", e.Name())
	}
}

func assertDemoOutput(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		"✓ VirtualKey/example-service", "✓ VirtualKey/jane-key", "✓ User/jane", "✓ Team/research",
		"✓ TeamMemberAssociation/jane-research", "✓ VirtualKey/blocked-service",
		"200 OK", "401 refused: Authentication Error, Key is blocked.",
		"has spent 0.05 USD", "export KUBECONFIG=",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "log.SetLogger(...) was never called", "the demo sets a logger before anything logs")
}

// cleanEnviron is the test's environment without make's variables (the test may run under make).
func cleanEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DEMO_ONCE", "DEMO_DIR", "DEMO_LITELLM_URL", "DEMO_LITELLM_MASTER_KEY":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// pid is a process recorded in the demo's pid file.
type pid struct {
	pid         int
	start, name string
}

func (p pid) String() string { return p.name + " (" + strconv.Itoa(p.pid) + ")" }

// alive reports that the same process (same start time) still runs and is not a zombie.
func (p pid) alive() bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid), "stat"))
	if err != nil {
		return false
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 19 && fields[0] != "Z" && (p.start == "-" || fields[19] == p.start)
}

func readPIDs(t *testing.T, dir string) []pid {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pids"))
	require.NoError(t, err)
	var out []pid
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 3, line)
		n, err := strconv.Atoi(f[0])
		require.NoError(t, err)
		out = append(out, pid{pid: n, start: f[1], name: strings.Join(f[2:], " ")})
	}
	return out
}

// processesMentioning lists running processes whose command line or environment contains s: every
// process the demo starts has its folder in one or the other.
func processesMentioning(s string) []string {
	dirs, _ := os.ReadDir("/proc")
	var found []string
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil || d.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if bytes.Contains(cmdline, []byte(s)) || bytes.Contains(environ, []byte(s)) {
			found = append(found, d.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}
