package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuthCache: a change reaches request-time enforcement at once when LiteLLM drops its cached
// copy of the key, and only after the TTL when it does not (/key/update by hash).
func TestAuthCache(t *testing.T) {
	restrict := func(ref string) func(sim *Simulator, c *apiClient) {
		return func(sim *Simulator, c *apiClient) {
			c.mustOK("/key/update", map[string]any{"key": ref, "models": []string{"other-model"}})
		}
	}
	cases := []struct {
		name, reason string
		ttl          time.Duration
		change       func(raw string) func(sim *Simulator, c *apiClient)
		wait         time.Duration
		wantStatus   int
	}{
		{name: "update by raw key", reason: "drops the key's own entry: enforced at once",
			change: func(raw string) func(*Simulator, *apiClient) { return restrict(raw) }, wantStatus: 403},
		{name: "update by hash", reason: "drops the hash of the hash: the stale copy still allows the old model",
			change: func(raw string) func(*Simulator, *apiClient) { return restrict(HashKey(raw)) }, wantStatus: 200},
		{name: "update by hash, after the TTL", reason: "the copy expires",
			change: func(raw string) func(*Simulator, *apiClient) { return restrict(HashKey(raw)) }, wait: DefaultAuthCacheTTL, wantStatus: 403},
		{name: "update by hash, no cache", reason: "AuthCacheTTL < 0: every change at once (the simulator's earlier behaviour)", ttl: -1,
			change: func(raw string) func(*Simulator, *apiClient) { return restrict(HashKey(raw)) }, wantStatus: 403},
		{name: "block by hash", reason: "/key/block refreshes the cache",
			change: func(raw string) func(*Simulator, *apiClient) {
				return func(_ *Simulator, c *apiClient) { c.mustOK("/key/block", map[string]any{"key": HashKey(raw)}) }
			}, wantStatus: 401},
		{name: "delete by hash", reason: "/key/delete drops the entry",
			change: func(raw string) func(*Simulator, *apiClient) {
				return func(_ *Simulator, c *apiClient) {
					c.mustOK("/key/delete", map[string]any{"keys": []string{HashKey(raw)}})
				}
			}, wantStatus: 401},
		{name: "direct mutation", reason: "edits behind LiteLLM's back are seen at once, so drift tests stay simple",
			change: func(raw string) func(*Simulator, *apiClient) {
				return func(sim *Simulator, _ *apiClient) {
					sim.MutateKey(raw, func(k *Key) { k.Models = []string{"other-model"} })
				}
			}, wantStatus: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.AuthCacheTTL = tc.ttl })
			raw := c.mustGenerate(map[string]any{"max_budget": 10})
			caller := c.withKey(raw)
			require.Equal(t, 200, caller.post("/chat/completions", chatBody("gpt-4o")).status, "the first call caches the key")
			tc.change(raw)(sim, c)
			sim.AdvanceClock(tc.wait)
			r := caller.post("/chat/completions", chatBody("gpt-4o"))
			assert.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
		})
	}
}

func TestAuthCacheKeepsSpendLive(t *testing.T) {
	sim, c := newTestSim(t, func(o *Options) { o.CostPerCall = 0.6 })
	raw := c.mustGenerate(map[string]any{"max_budget": 1})
	caller := c.withKey(raw)
	assert.Equal(t, 200, caller.post("/chat/completions", chatBody("m")).status)
	assert.Equal(t, 200, caller.post("/chat/completions", chatBody("m")).status, "0.6 < 1")
	assert.Equal(t, 422, caller.post("/chat/completions", chatBody("m")).status,
		"1.2 >= 1: budgets see the live spend, not the cached copy's")
	k, _ := sim.KeyByHash(raw)
	assert.InDelta(t, 1.2, k.Spend, 1e-9, "spend is booked on the stored row")
}
