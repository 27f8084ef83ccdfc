package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// TestSetLogger: what the libraries log through controller-runtime lands in the demo's log file.
// Without a logger, controller-runtime prints a "log.SetLogger(...) was never called" stack trace
// into the demo's output once the process is 30 s old (a fresh clone spends minutes building), the
// first time its CRD installer logs.
func TestSetLogger(t *testing.T) {
	d := &demo{cfg: config{dir: t.TempDir()}}
	require.NoError(t, d.setLogger())
	ctrllog.Log.WithName("test-env").Info("installing CRD", "crd", "virtualkeys.auth.litellm.ai")
	data, err := os.ReadFile(filepath.Join(d.cfg.dir, "demo.log"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "installing CRD")
}
