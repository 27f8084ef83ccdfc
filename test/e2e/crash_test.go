package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrashSafety kills the operator (SIGKILL) while it is creating 50 VirtualKeys, starts it
// again, and checks that LiteLLM ends up with exactly the 50 keys, none twice and none orphaned, and
// that every VirtualKey is Ready.
func TestCrashSafety(t *testing.T) {
	const ns, count = "crash", 50
	createNamespace(t, ns)

	// Slow LiteLLM down so that the kill lands in the middle, and lose a few /key/generate
	// responses after LiteLLM applied them (as a network failure would).
	simAdmin(t, http.MethodPost, "faults", map[string]any{
		"latency":          "150ms",
		"drop_after_apply": []map[string]any{{"path": "/key/generate", "n": 3}},
	}, nil)
	t.Cleanup(func() { simAdmin(t, http.MethodPost, "faults/clear", nil, nil) })

	created := make(chan error, 1)
	go func() {
		for i := range count {
			if err := env.k8s.Create(context.Background(), newVirtualKey(ns, fmt.Sprintf("key-%02d", i))); err != nil {
				created <- err
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		created <- nil
	}()

	inLiteLLM := func() int {
		n := 0
		for _, k := range simKeys(t) {
			if strings.HasPrefix(k.alias(), ns+"-") {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return inLiteLLM() >= 5 }, 60*time.Second, 20*time.Millisecond,
		"the operator starts creating keys")
	env.operator.proc.kill()
	t.Logf("killed the operator with %d of %d keys in LiteLLM", inLiteLLM(), count)
	require.NoError(t, <-created)

	simAdmin(t, http.MethodPost, "faults/clear", nil, nil)
	var err error
	env.operator, err = startOperator()
	require.NoError(t, err)

	waitAllReady(t, ns, count, 2*time.Minute)
	for i := range count {
		alias := fmt.Sprintf("%s-key-%02d", ns, i)
		assert.Len(t, simKeysByAlias(t, alias), 1, "exactly one LiteLLM key with alias %s", alias)
	}
	assert.Equal(t, count, inLiteLLM())
	assertLiteLLMMatchesCluster(t)
}
