// Package manager_test starts the operator's manager against a local control plane and checks that
// it serves its probes and metrics and shuts down cleanly.
package manager_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
	"github.com/litellm-operator/litellm-operator/test/harness"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
)

func TestManagerServesProbesAndStops(t *testing.T) {
	suite.SkipWithoutControlPlane(t)
	cp, err := controlplane.Start(controlplane.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cp.Stop()) })

	opts := operator.DefaultOptions()
	addrs, err := harness.FreeAddresses(2)
	require.NoError(t, err)
	opts.HealthProbeBindAddress, opts.MetricsBindAddress = addrs[0], addrs[1]
	opts.SecureMetrics = false
	mgr, err := operator.NewManager(cp.Config(), operator.NewScheme(), opts)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()

	for _, path := range []string{"/healthz", "/readyz"} {
		url := fmt.Sprintf("http://%s%s", opts.HealthProbeBindAddress, path)
		assert.Eventually(t, func() bool { return harness.OK(context.Background(), nil, url) }, 30*time.Second, 100*time.Millisecond, url)
	}
	assert.Eventually(t, func() bool {
		return harness.OK(context.Background(), nil, "http://"+opts.MetricsBindAddress+"/metrics")
	},
		30*time.Second, 100*time.Millisecond, "metrics endpoint")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "the manager stops without error when its context ends")
	case <-time.After(45 * time.Second):
		t.Fatal("manager did not stop")
	}
}
