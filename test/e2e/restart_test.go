package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// TestRestartMakesNoWrites restarts the operator with 100 Ready VirtualKeys (and those of the
// other tests): it reads every key again, and writes nothing to LiteLLM, neither after the restart
// nor at the next periodic resync.
func TestRestartMakesNoWrites(t *testing.T) {
	const ns, count = "steady", 100
	createNamespace(t, ns)
	for i := range count {
		require.NoError(t, env.k8s.Create(context.Background(), newVirtualKey(ns, fmt.Sprintf("key-%03d", i))))
	}
	waitAllReady(t, ns, count, 2*time.Minute)
	var all v1alpha1.VirtualKeyList
	require.NoError(t, env.k8s.List(context.Background(), &all))
	total := len(all.Items)

	env.operator.stop()
	simAdmin(t, http.MethodPost, "calls/reset", nil, nil)
	var err error
	env.operator, err = startOperator()
	require.NoError(t, err)

	// After a restart every object is reconciled once; then, after the resync period, again.
	for round := 1; round <= 2; round++ {
		require.Eventually(t, func() bool {
			done, idle, err := env.operator.reconcileStats()
			return err == nil && done >= round*total && idle
		}, 2*time.Minute, 100*time.Millisecond, "round %d: every one of the %d VirtualKeys reconciled", round, total)
		calls := simCalls(t)
		writes, which := keyWrites(calls)
		assert.Zero(t, writes, "round %d: no LiteLLM write for unchanged keys, got %v", round, which)
		assert.GreaterOrEqual(t, calls["GET /key/info"], round*total, "round %d: each key was read", round)
	}
	waitAllReady(t, ns, count, 30*time.Second)
	assertLiteLLMMatchesCluster(t)
}
