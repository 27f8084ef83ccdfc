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

	// Slow LiteLLM down so that the kill lands in the middle, and lose the /key/generate responses
	// of the first three keys after LiteLLM applied them (as a network failure would). The drops
	// are scoped to those keys, so no other test's key can take them.
	dropped := []string{ns + "-key-00", ns + "-key-01", ns + "-key-02"}
	var drops []map[string]any
	for _, alias := range dropped {
		drops = append(drops, map[string]any{"path": "/key/generate", "n": 1, "match": map[string]any{"key_alias": alias}})
	}
	simAdmin(t, http.MethodPost, "faults", map[string]any{"latency": "150ms", "drop_after_apply": drops}, nil)
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
	require.Eventually(t, func() bool {
		for _, alias := range dropped {
			if len(simKeysByAlias(t, alias)) == 0 {
				return false
			}
		}
		return inLiteLLM() >= 5
	}, 60*time.Second, 20*time.Millisecond, "the operator starts creating keys, the three with lost responses among them")
	env.operator.proc.Kill()
	t.Logf("killed the operator with %d of %d keys in LiteLLM", inLiteLLM(), count)
	require.NoError(t, <-created)

	var faults struct {
		Faults []struct {
			Match map[string]string `json:"match"`
			Hits  int               `json:"hits"`
		} `json:"faults"`
	}
	simAdmin(t, http.MethodGet, "faults", nil, &faults)
	require.Len(t, faults.Faults, len(dropped))
	for _, f := range faults.Faults {
		assert.Equal(t, 1, f.Hits, "the response for %s was lost", f.Match["key_alias"])
	}
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
