// Package manager_test starts the operator's manager against a local control plane and checks that
// it serves its probes and metrics and shuts down cleanly.
package manager_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/operator"
	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

func TestManagerServesProbesAndStops(t *testing.T) {
	cp, err := controlplane.Start(controlplane.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cp.Stop()) })

	opts := operator.DefaultOptions()
	opts.HealthProbeBindAddress = freeAddress(t)
	opts.MetricsBindAddress = freeAddress(t)
	opts.SecureMetrics = false
	mgr, err := operator.NewManager(cp.Config(), operator.NewScheme(), opts)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()

	for _, path := range []string{"/healthz", "/readyz"} {
		url := fmt.Sprintf("http://%s%s", opts.HealthProbeBindAddress, path)
		assert.Eventually(t, func() bool { return httpOK(url) }, 30*time.Second, 100*time.Millisecond, url)
	}
	assert.Eventually(t, func() bool { return httpOK("http://" + opts.MetricsBindAddress + "/metrics") },
		30*time.Second, 100*time.Millisecond, "metrics endpoint")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "the manager stops without error when its context ends")
	case <-time.After(45 * time.Second):
		t.Fatal("manager did not stop")
	}
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func httpOK(url string) bool {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
