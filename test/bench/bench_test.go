package bench

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

// TestSmallRun runs the benchmark end to end with 50 keys, so it cannot rot. It asserts only what
// is known exactly, never a time: every key Ready, one LiteLLM key per VirtualKey, and resyncs of
// unchanged keys that write nothing and read LiteLLM at most once per object.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane, the operator and a simulator")
	}
	suite.SkipWithoutControlPlane(t)
	const keys = 50
	root, err := repositoryRoot()
	require.NoError(t, err)
	out := t.TempDir()

	cfg := DefaultConfig()
	cfg.RepoRoot = root
	cfg.ManagerBinary = buildManager(t, root)
	cfg.WorkDir = filepath.Join(out, "work")
	cfg.Keys = keys
	cfg.Concurrency = []int{4}
	cfg.Workers = 4
	cfg.ResyncPeriod = 2 * time.Second
	cfg.SteadyWindow = 5 * time.Second
	cfg.MemoryKeys = 0
	cfg.RequestCosts = 0
	cfg.JSONPath = filepath.Join(out, "bench.json")
	cfg.ChartPath = filepath.Join(out, "bench.png")
	cfg.Progress = func(line string, milestone bool) {
		if milestone {
			t.Log(line)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	rep, err := Run(ctx, cfg)
	require.NoError(t, err)
	require.Len(t, rep.Sweep, 1)
	run := rep.Sweep[0]
	assert.Equal(t, keys, run.Ready, "every VirtualKey Ready")
	assert.Equal(t, keys, run.SimulatorKeys, "exactly one LiteLLM key per VirtualKey")
	assert.Zero(t, run.ReconcileErrors, "no failed reconcile while creating")
	t.Logf("reads of key Secrets per key %.2f, of Secrets %.2f", run.KeySecretReadsPerKey, run.SecretReadsPerKey)

	require.NotNil(t, rep.Steady)
	objects := float64(rep.Steady.Keys)
	assert.GreaterOrEqual(t, rep.Steady.Restart.Reconciles, objects, "the restart reconciles every object")
	for _, w := range []struct {
		name   string
		window ResyncWindow
	}{
		{name: "restart", window: rep.Steady.Restart},
		{name: "periodic", window: rep.Steady.Periodic},
	} {
		t.Run(w.name, func(t *testing.T) {
			assert.Positive(t, w.window.Reconciles, "the window holds resyncs")
			assert.Zero(t, w.window.LiteLLMWrites, "no LiteLLM write for unchanged keys: %v", w.window.LiteLLMCalls)
			assert.Zero(t, w.window.KubeWrites, "no Kubernetes write for unchanged keys")
			assert.LessOrEqual(t, w.window.LiteLLMReads, w.window.Reconciles, "at most one LiteLLM read per object per resync")
		})
	}
	assert.FileExists(t, cfg.JSONPath)
	assert.FileExists(t, cfg.ChartPath)
}

// buildManager builds cmd/manager into a temporary folder: the benchmark runs the operator as its
// own process.
func buildManager(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "manager")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/manager")
	cmd.Dir = root
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/manager:\n%s", output)
	return bin
}
