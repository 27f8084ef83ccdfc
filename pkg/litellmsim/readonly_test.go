package litellmsim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIDocsPage(t *testing.T) {
	_, c := newTestSim(t)
	for _, key := range []string{"", "sk-not-a-known-key-0000"} {
		r := c.withKey(key).get("/")
		require.Equal(t, http.StatusOK, r.status, "GET / needs no key (key %q)", key)
		assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
		assert.Contains(t, string(r.raw), "<title>LiteLLM API - Swagger UI</title>", "LiteLLM's docs page")
	}
	assert.Equal(t, http.StatusMethodNotAllowed, c.post("/", map[string]any{}).status)
}

func TestHealthRoute(t *testing.T) {
	_, c := newTestSim(t, func(o *Options) { o.Models = []string{"gpt-4o", "o3"} })
	cases := []struct {
		name, reason, key string
		wantStatus        int
	}{
		{name: "master key", reason: "GET /health needs a key", key: testMasterKey, wantStatus: 200},
		{name: "virtual key", reason: "any valid key", key: "virtual", wantStatus: 200},
		{name: "no key", reason: "unlike the probes, /health is authenticated", key: "", wantStatus: 401},
	}
	raw := c.mustGenerate(map[string]any{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.key
			if key == "virtual" {
				key = raw
			}
			r := c.withKey(key).get("/health")
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 200 {
				assert.EqualValues(t, 2, r.obj()["healthy_count"], "every model answers")
				assert.EqualValues(t, 0, r.obj()["unhealthy_count"])
			}
		})
	}
}

func TestModelList(t *testing.T) {
	cases := []struct {
		name, reason string
		proxyModels  []string
		teamModels   []string
		keyModels    []string // nil: the master key calls
		master       bool
		want         []string
	}{
		{name: "master key", reason: "every model of the proxy", proxyModels: []string{"gpt-4o", "o3"}, master: true, want: []string{"gpt-4o", "o3"}},
		{name: "key models", reason: "a key's own list wins", proxyModels: []string{"gpt-4o", "o3"}, keyModels: []string{"o3"}, want: []string{"o3"}},
		{name: "team models", reason: "a key without models has its team's", proxyModels: []string{"gpt-4o", "o3"}, teamModels: []string{"gpt-4o"},
			keyModels: []string{}, want: []string{"gpt-4o"}},
		{name: "unrestricted key", reason: "no key or team list: the proxy's", proxyModels: []string{"gpt-4o", "o3"}, keyModels: []string{}, want: []string{"gpt-4o", "o3"}},
		{name: "all-team-models", reason: "expanded to the team's list", teamModels: []string{"a", "b"}, keyModels: []string{"all-team-models"}, want: []string{"a", "b"}},
		{name: "provider wildcard", reason: "expanded against the proxy's models", proxyModels: []string{"openai/gpt-4o", "anthropic/claude"},
			keyModels: []string{"openai/*"}, want: []string{"openai/gpt-4o"}},
		{name: "any name served", reason: "a proxy without a model list: a key's names as written", keyModels: []string{"x", "openai/*"}, want: []string{"x", "openai/*"}},
		{name: "nothing", reason: "no list anywhere: empty, never null", keyModels: []string{}, want: []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestSim(t, func(o *Options) { o.Models = tc.proxyModels })
			c.mustOK("/team/new", map[string]any{"team_id": "t1", "models": tc.teamModels})
			caller := c
			if !tc.master {
				caller = c.withKey(c.mustGenerate(map[string]any{"team_id": "t1", "models": tc.keyModels}))
			}
			for _, path := range []string{"/v1/models", "/models"} {
				r := caller.get(path)
				require.Equal(t, http.StatusOK, r.status, r.String())
				assert.Equal(t, "list", r.obj()["object"], "OpenAI's list format")
				ids := []string{}
				for _, m := range r.obj()["data"].([]any) {
					entry := m.(map[string]any)
					assert.Equal(t, "model", entry["object"])
					ids = append(ids, entry["id"].(string))
				}
				assert.Equal(t, tc.want, ids, "%s %s", path, tc.reason)
			}
		})
	}
}

func TestKeyInfoWithOwnKey(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"key_alias": "mine", "max_budget": 3})
	other := c.mustGenerate(map[string]any{"key_alias": "theirs"})
	blocked := c.mustGenerate(map[string]any{"blocked": true})
	cases := []struct {
		name, reason, caller, query string
		wantStatus                  int
		wantKey                     string
	}{
		{name: "no key parameter", reason: "the caller's own row, named by its hash", caller: raw, wantStatus: 200, wantKey: HashKey(raw)},
		{name: "own raw key", reason: "as sent", caller: raw, query: "?key=" + raw, wantStatus: 200, wantKey: raw},
		{name: "own hash", reason: "as sent", caller: raw, query: "?key=" + HashKey(raw), wantStatus: 200, wantKey: HashKey(raw)},
		{name: "another key", reason: "a virtual key reads only itself", caller: raw, query: "?key=" + HashKey(other), wantStatus: 403},
		{name: "blocked key", reason: "a blocked key is refused on every route", caller: blocked, wantStatus: 401},
		{name: "master key", reason: "any key", caller: testMasterKey, query: "?key=" + HashKey(other), wantStatus: 200, wantKey: HashKey(other)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.withKey(tc.caller).get("/key/info" + tc.query)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus != 200 {
				return
			}
			assert.Equal(t, tc.wantKey, r.obj()["key"])
			assert.NotContains(t, r.obj()["info"], "token", "compat: GET /key/info")
		})
	}
	k, _ := sim.KeyByHash(raw)
	assert.Zero(t, k.Spend, "reading its own info costs nothing")
}
