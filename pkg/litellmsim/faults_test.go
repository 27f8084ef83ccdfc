package litellmsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPost sends a request on a fresh connection and returns its status, or the transport error
// (the helper client fails the test on transport errors, which these tests expect).
func rawPost(t *testing.T, url, key, body string) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func TestDropAfterApply(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		start        bool
	}{
		{name: "httptest", reason: "mounted on another server: the connection is hijacked and closed"},
		{name: "started", reason: "on the simulator's own listener", start: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			base := c.base
			if tc.start {
				url, err := sim.Start("127.0.0.1:0")
				require.NoError(t, err)
				base = url
			}
			sim.DropAfterApply("/key/generate", 1)
			_, err := rawPost(t, base+"/key/generate", testMasterKey, `{"key": "sk-dropped-1234", "key_alias": "dropped"}`)
			require.Error(t, err, "%s: no response arrives", tc.reason)
			assert.Len(t, sim.KeysByAlias("dropped"), 1, "the call was applied")
			assert.Equal(t, 1, sim.Calls("POST", "/key/generate"))

			status, err := rawPost(t, base+"/key/generate", testMasterKey, `{"key": "sk-dropped-1234", "key_alias": "dropped"}`)
			require.NoError(t, err, "only the first call is dropped")
			assert.Equal(t, 400, status, "the blind retry hits the alias check (compat: POST /key/generate)")
			assert.Len(t, sim.KeysByAlias("dropped"), 1, "still exactly one key")
		})
	}
}

func TestDownThenUpOnSameAddress(t *testing.T) {
	sim, err := New(Options{MasterKey: testMasterKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	url, err := sim.Start("127.0.0.1:0")
	require.NoError(t, err)
	assert.Equal(t, url, sim.URL())
	get := func() (int, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/health/liveliness", nil)
		require.NoError(t, err)
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, nil
	}
	_, err = get()
	require.NoError(t, err)

	sim.SetDown(true)
	_, err = get()
	require.Error(t, err, "the proxy is down")
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "connections are refused, got %v", err)

	sim.SetDown(false)
	assert.Equal(t, url, sim.URL(), "same address")
	status, err := get()
	require.NoError(t, err, "back up on the same address")
	assert.Equal(t, 200, status)
}

func TestDownWhenMounted(t *testing.T) {
	sim, c := newTestSim(t)
	sim.SetDown(true)
	_, err := rawPost(t, c.base+"/key/generate", testMasterKey, `{}`)
	assert.Error(t, err, "every connection is closed unanswered")
	assert.Empty(t, sim.Keys(), "nothing applied while down")
	sim.SetDown(false)
	status, err := rawPost(t, c.base+"/key/generate", testMasterKey, `{}`)
	require.NoError(t, err)
	assert.Equal(t, 200, status)
}

func TestLatency(t *testing.T) {
	sim, c := newTestSim(t)
	sim.SetLatency(30*time.Millisecond, 0)
	start := time.Now()
	c.get("/health/liveliness")
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "global latency")

	sim.SetLatency(0, 0)
	const pathDelay = 150 * time.Millisecond
	sim.SetPathLatency("/key/list", pathDelay)
	start = time.Now()
	c.get("/health/liveliness")
	assert.Less(t, time.Since(start), pathDelay, "other paths are not delayed")
	start = time.Now()
	c.get("/key/list")
	assert.GreaterOrEqual(t, time.Since(start), pathDelay, "per-path latency")
}

func TestFailNextAndRate(t *testing.T) {
	sim, c := newTestSim(t)
	sim.FailNext("/key/generate", 503, 2)
	for i := range 2 {
		r := c.post("/key/generate", map[string]any{"key_alias": "a"})
		assert.Equal(t, 503, r.status, "call %d fails", i+1)
		assert.Equal(t, "503", r.errA()["code"])
	}
	assert.Empty(t, sim.Keys(), "failed calls are not applied")
	assert.Equal(t, 200, c.post("/key/generate", map[string]any{"key_alias": "a"}).status, "the third call goes through")

	sim.FailRate("/key/info", 500, 1)
	assert.Equal(t, 500, c.get("/key/info?key=x").status, "rate 1 fails every call")
	sim.FailRate("/key/info", 500, 0)
	assert.Equal(t, 404, c.get("/key/info?key=x").status, "rate 0 removes the fault")

	sim.FailNext(AnyPath, 502, 1)
	assert.Equal(t, 502, c.get("/team/list").status, "AnyPath matches every route")
	assert.Equal(t, 200, c.get("/team/list").status)

	sim.FailNext("/team/list", 504, 5)
	sim.ClearFaults()
	assert.Equal(t, 200, c.get("/team/list").status, "ClearFaults removes everything")
}

func TestRateLimitNext(t *testing.T) {
	sim, c := newTestSim(t)
	sim.RateLimitNext("/key/generate", 1, 2*time.Second)
	r := c.post("/key/generate", map[string]any{})
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	assert.Empty(t, sim.Keys(), "not applied")
	assert.Equal(t, 200, c.post("/key/generate", map[string]any{}).status)
}

func TestCallCounts(t *testing.T) {
	sim, c := newTestSim(t)
	c.post("/key/generate", map[string]any{})
	c.post("/key/generate", map[string]any{})
	c.get("/key/list")
	c.get("/__sim/state")
	assert.Equal(t, 2, sim.Calls("POST", "/key/generate"))
	assert.Equal(t, 1, sim.Calls("GET", "/key/list"))
	assert.Equal(t, 0, sim.Calls("GET", "/__sim/state"), "admin calls are not counted")
	assert.Equal(t, map[string]int{"POST /key/generate": 2, "GET /key/list": 1}, sim.AllCalls())
	sim.ResetCalls()
	assert.Equal(t, 0, sim.Calls("POST", "/key/generate"))
}

func TestConcurrentUse(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &apiClient{t: t, base: c.base, key: testMasterKey}
			for j := range 5 {
				cl.post("/key/generate", map[string]any{"key_alias": strings.Repeat("x", i+1) + string(rune('a'+j))})
				cl.withKey(raw).post("/chat/completions", chatBody("m"))
				cl.get("/key/list")
				_ = sim.Keys()
				sim.MutateKey(raw, func(k *Key) { k.Metadata = map[string]any{"i": i} })
			}
		}()
	}
	wg.Wait()
	assert.Len(t, sim.Keys(), 41)
	k, _ := sim.KeyByHash(raw)
	assert.InDelta(t, 40*DefaultCostPerCall, k.Spend, 1e-9)
}

// TestScopedFaults: a rule with a Match acts only on calls about its object, however the call names
// it, and counts the calls it hit.
func TestScopedFaults(t *testing.T) {
	const (
		raw   = "sk-scoped-key-0001"
		other = "sk-other-key-0002"
	)
	cases := []struct {
		reason   string
		match    Match
		path     string
		hit      func(c *apiClient) response // a call about the object
		miss     func(c *apiClient) response // a call about another object on the same path
		wantMiss int                         // the miss's status (the fault must not touch it)
	}{
		{reason: "an alias in the body", match: Match{KeyAlias: "mine"}, path: "/key/update",
			hit: func(c *apiClient) response {
				return c.post("/key/update", map[string]any{"key": raw, "key_alias": "mine"})
			},
			miss: func(c *apiClient) response { return c.post("/key/update", map[string]any{"key": other}) }, wantMiss: 200},
		{reason: "an alias resolved from the hash in the query", match: Match{KeyAlias: "mine"}, path: "/key/info",
			hit:  func(c *apiClient) response { return c.get("/key/info?key=" + HashKey(raw)) },
			miss: func(c *apiClient) response { return c.get("/key/info?key=" + HashKey(other)) }, wantMiss: 200},
		{reason: "a key hash matched by the raw key sent", match: Match{KeyHash: HashKey(raw)}, path: "/key/delete",
			hit:  func(c *apiClient) response { return c.post("/key/delete", map[string]any{"keys": []string{raw}}) },
			miss: func(c *apiClient) response { return c.post("/key/delete", map[string]any{"keys": []string{other}}) }, wantMiss: 200},
		{reason: "a team id in the query", match: Match{TeamID: "t1"}, path: "/team/info",
			hit:  func(c *apiClient) response { return c.get("/team/info?team_id=t1") },
			miss: func(c *apiClient) response { return c.get("/team/info?team_id=t2") }, wantMiss: 200},
		{reason: "key metadata in the body", match: Match{KeyMetadata: "owner=mine"}, path: "/key/generate",
			hit: func(c *apiClient) response {
				return c.post("/key/generate", map[string]any{"metadata": map[string]any{"owner": "mine"}})
			},
			miss: func(c *apiClient) response {
				return c.post("/key/generate", map[string]any{"metadata": map[string]any{"owner": "theirs"}})
			}, wantMiss: 200},
		{reason: "key metadata of the key named by hash", match: Match{KeyMetadata: "owner=mine"}, path: "/key/info",
			hit:  func(c *apiClient) response { return c.get("/key/info?key=" + HashKey(raw)) },
			miss: func(c *apiClient) response { return c.get("/key/info?key=" + HashKey(other)) }, wantMiss: 200},
		{reason: "a user id inside member", match: Match{UserID: "u1"}, path: "/team/member_add",
			hit: func(c *apiClient) response {
				return c.post("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}})
			},
			miss: func(c *apiClient) response {
				return c.post("/team/member_add", map[string]any{"team_id": "t1", "member": []any{map[string]any{"role": "user", "user_id": "u2"}}})
			}, wantMiss: 200},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			sim, c := newTestSim(t)
			c.mustGenerate(map[string]any{"key": raw, "key_alias": "mine", "metadata": map[string]any{"owner": "mine"}})
			c.mustGenerate(map[string]any{"key": other, "key_alias": "theirs"})
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/team/new", map[string]any{"team_id": "t2"})

			fault := sim.For(tc.match).FailNext(tc.path, 503, 1)
			assert.Equal(t, tc.wantMiss, tc.miss(c).status, "a call about another object is not touched")
			assert.Zero(t, fault.Hits())
			assert.Equal(t, 503, tc.hit(c).status, "the call about the object fails")
			assert.Equal(t, 1, fault.Hits())
			assert.NotEqual(t, 503, tc.hit(c).status, "only the next call")
			assert.Equal(t, 1, fault.Hits())
		})
	}
}

func TestWatchCountsWithoutChanging(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"key_alias": "watched"})
	otherRaw := c.mustGenerate(map[string]any{"key_alias": "other"})
	watch := sim.For(Match{KeyAlias: "watched"}).Watch("/key/info")
	assert.Equal(t, 200, c.get("/key/info?key="+raw).status)
	assert.Equal(t, 200, c.get("/key/info?key="+HashKey(raw)).status)
	assert.Equal(t, 200, c.get("/key/info?key="+otherRaw).status)
	assert.Equal(t, 2, watch.Hits(), "both reads of the watched key, by raw value and by hash, none of the other")
}

func TestScopedFaultsOverTheAdminAPI(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustOK("/__sim/faults", map[string]any{
		"drop_after_apply": []any{map[string]any{"path": "/user/new", "n": 1, "match": map[string]any{"user_id": "u1"}}},
	})
	assert.Equal(t, 200, c.post("/user/new", map[string]any{"user_id": "u2", "auto_create_key": false}).status, "another user is not dropped")
	_, err := rawPost(t, c.base+"/user/new", testMasterKey, `{"user_id": "u1", "auto_create_key": false}`)
	require.Error(t, err, "the matching call is applied and its response lost")
	_, found := sim.User("u1")
	assert.True(t, found)

	var listed struct {
		Faults []FaultStatus `json:"faults"`
	}
	r := c.get("/__sim/faults")
	require.Equal(t, 200, r.status)
	require.NoError(t, json.Unmarshal(r.raw, &listed))
	assert.Equal(t, []FaultStatus{{Kind: "drop_after_apply", Path: "/user/new", Match: Match{UserID: "u1"}, Hits: 1}}, listed.Faults)
}
