package litellmsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminAPI(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"key_alias": "dup"})
	sim.MutateKey(c.mustGenerate(map[string]any{"key_alias": "other"}), func(k *Key) { k.KeyAlias = "dup" })
	c.mustOK("/user/new", map[string]any{"user_id": "u1", "auto_create_key": false})
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})

	assert.Equal(t, 401, c.withKey("sk-other-key-1234").get("/__sim/state").status, "the admin API needs the master key")
	assert.Equal(t, 404, c.get("/__sim/nope").status)

	r := c.get("/__sim/keys?alias=dup")
	require.Equal(t, 200, r.status)
	assert.EqualValues(t, 2, r.obj()["count"], "number of keys per alias")
	r = c.get("/__sim/keys?hash=" + HashKey(raw))
	assert.EqualValues(t, 1, r.obj()["count"])
	r = c.get("/__sim/users?id=u1")
	assert.EqualValues(t, 1, r.obj()["count"])
	r = c.get("/__sim/teams?id=t1")
	assert.EqualValues(t, 1, r.obj()["count"])
	r = c.get("/__sim/state")
	assert.Len(t, r.obj()["keys"], 2)

	r = c.get("/__sim/calls?method=POST&path=/key/generate")
	assert.EqualValues(t, 2, r.obj()["count"])
	c.mustOK("/__sim/calls/reset", nil)
	assert.Equal(t, 0, sim.Calls("POST", "/key/generate"))

	c.mustOK("/__sim/keys/mutate", map[string]any{"hash": HashKey(raw), "max_budget": 2.5, "spend": 1, "blocked": true})
	k, _ := sim.KeyByHash(raw)
	assert.Equal(t, 2.5, *k.MaxBudget)
	assert.Equal(t, 1.0, k.Spend)
	assert.True(t, k.Blocked)
	c.mustOK("/__sim/keys/mutate", map[string]any{"hash": HashKey(raw), "max_budget": nil})
	k, _ = sim.KeyByHash(raw)
	assert.Nil(t, k.MaxBudget, "null clears the budget")
	assert.Equal(t, 404, c.post("/__sim/keys/mutate", map[string]any{"hash": "nope"}).status)
	c.mustOK("/__sim/users/mutate", map[string]any{"id": "u1", "spend": 4})
	u, _ := sim.User("u1")
	assert.Equal(t, 4.0, u.Spend)
	c.mustOK("/__sim/teams/mutate", map[string]any{"id": "t1", "blocked": true})
	team, _ := sim.Team("t1")
	assert.True(t, team.Blocked)

	c.mustOK("/__sim/keys/delete", map[string]any{"hash": HashKey(raw)})
	_, ok := sim.KeyByHash(raw)
	assert.False(t, ok)
	c.mustOK("/__sim/users/delete", map[string]any{"id": "u1"})
	c.mustOK("/__sim/teams/delete", map[string]any{"id": "t1"})
	assert.Empty(t, sim.Teams())

	c.mustOK("/__sim/faults", map[string]any{"fail_next": []any{map[string]any{"path": "/key/list", "status": 503, "n": 1}},
		"rate_limit_next": []any{map[string]any{"path": "/team/list", "n": 1, "retry_after": "3s"}}})
	assert.Equal(t, 503, c.get("/key/list").status)
	r = c.get("/team/list")
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "3", r.header.Get("Retry-After"))
	assert.Equal(t, 400, c.post("/__sim/faults", map[string]any{"latency": "soon"}).status)
	c.mustOK("/__sim/faults", map[string]any{"fail_next": []any{map[string]any{"path": "/key/list", "status": 503, "n": 1}}})
	c.mustOK("/__sim/faults/clear", nil)
	assert.Equal(t, 200, c.get("/key/list").status)

	c.mustOK("/__sim/clock", map[string]any{"advance": "1h"})
	assert.Equal(t, testStart.Add(time.Hour), sim.Now())

	c.mustOK("/__sim/organizations", map[string]any{"id": "org-1"})
	assert.Equal(t, 200, c.post("/key/generate", map[string]any{"organization_id": "org-1"}).status)

	c.mustOK("/__sim/wipe", nil)
	assert.Empty(t, sim.Keys(), "wipe loses all state")
	assert.Empty(t, sim.Users())
	assert.Equal(t, 400, c.post("/key/generate", map[string]any{"organization_id": "org-1"}).status, "organizations are database state too")
	assert.Equal(t, testStart.Add(time.Hour), sim.Now(), "the clock survives a wipe")
	c.mustOK("/__sim/reset-budgets", nil)
}

func TestAdminDownComesBack(t *testing.T) {
	sim, err := New(Options{MasterKey: testMasterKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	url, err := sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	c := &apiClient{t: t, base: url, key: testMasterKey}
	c.mustOK("/__sim/down", map[string]any{"for": "200ms"})
	assert.Eventually(t, func() bool {
		_, err := rawPost(t, url+"/health/liveliness", testMasterKey, "")
		return err != nil
	}, 2*time.Second, 10*time.Millisecond, "goes down")
	assert.Eventually(t, func() bool {
		status, err := rawPost(t, url+"/key/list", testMasterKey, "")
		return err == nil && status == http.StatusMethodNotAllowed
	}, 3*time.Second, 20*time.Millisecond, "comes back on the same address")
}

func TestInspectionCopies(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"models": []string{"a"}, "metadata": map[string]any{"x": 1}})
	k, _ := sim.KeyByHash(raw)
	k.Models[0] = "changed"
	k.Metadata["x"] = 2
	again, _ := sim.KeyByHash(raw)
	assert.Equal(t, []string{"a"}, again.Models, "Keys/KeyByHash return copies")
	assert.Equal(t, int64(1), again.Metadata["x"])
	assert.True(t, sim.SetKeyBudget(raw, ptr(1.5)))
	assert.True(t, sim.BlockKey(raw, true))
	r := c.get("/key/info?key=" + raw)
	info := r.obj()["info"].(map[string]any)
	assert.Equal(t, 1.5, info["max_budget"], "drift made behind LiteLLM's back is visible through the API")
	assert.Equal(t, true, info["blocked"])
	assert.False(t, sim.MutateKey("sk-nope", func(*Key) {}))
	assert.False(t, sim.DeleteUser("nope"))
	assert.False(t, sim.DeleteTeam("nope"))
	assert.False(t, sim.DeleteKey("nope"))
}
