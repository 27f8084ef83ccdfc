package litellmsim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixturesDir is the repository's testdata/litellm-fixtures (see its README.md for each file's
// origin), found from this file's path.
func fixturesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "litellm-fixtures")
}

type fixture struct {
	Endpoint string          `json:"endpoint"`
	Status   int             `json:"status"`
	Version  string          `json:"litellm_version"`
	Body     json.RawMessage `json:"body"`
}

// fixtureCase reproduces a fixture's situation on the simulator.
type fixtureCase struct {
	opts func(*Options)
	// produce makes the request and returns the response to compare.
	produce func(t *testing.T, sim *Simulator, c *apiClient) response
	// skip lists fixture fields (dotted paths) the simulator does not match, with the reason.
	skip map[string]string
	// notProducible, when set, says why the simulator cannot produce this case at all.
	notProducible string
}

func chatAs(key string, model string) func(t *testing.T, sim *Simulator, c *apiClient) response {
	return func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.withKey(key).post("/chat/completions", chatBody(model))
	}
}

var fixtureCases = map[string]fixtureCase{
	"auth-401-unknown-key-v1.83.10.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.withKey("sk-not-a-known-key").get("/key/list")
	}},
	"bedrock-passthrough-403-model-not-allowed.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		// Same check as /chat/completions (the fixture's source says so).
		raw := c.mustGenerate(map[string]any{"models": []string{"model-a"}})
		return chatAs(raw, "model-b")(t, sim, c)
	}},
	"chat-completions-400-budget-exceeded-key-model-docs.json": {notProducible: "per-model budgets on a key (model_max_budget enforcement) are not simulated"},
	"chat-completions-400-budget-exceeded-tag-docs.json":       {notProducible: "tag budgets are not simulated"},
	"chat-completions-400-budget-exceeded-team-docs.json": {
		opts: func(o *Options) { o.Variant = Variant{BudgetExceeded400: true, IntegerErrorCode: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			c.mustOK("/team/new", map[string]any{"team_id": "t1", "max_budget": 0})
			return chatAs(c.mustGenerate(map[string]any{"team_id": "t1"}), "m")(t, sim, c)
		}},
	"chat-completions-400-budget-exceeded-user-docs.json": {
		opts: func(o *Options) { o.Variant = Variant{BudgetExceeded400: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			c.mustOK("/user/new", map[string]any{"user_id": "u1", "max_budget": 0, "auto_create_key": false})
			return chatAs(c.mustGenerate(map[string]any{"user_id": "u1"}), "m")(t, sim, c)
		}},
	"chat-completions-400-budget-exceeded-v1.40.json": {
		opts: func(o *Options) { o.Variant = Variant{BudgetExceeded400: true, IntegerErrorCode: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			return chatAs(c.mustGenerate(map[string]any{"max_budget": 0}), "m")(t, sim, c)
		}},
	"chat-completions-400-expired-key.json": {
		opts: func(o *Options) { o.Variant = Variant{Expired400: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			raw := c.mustGenerate(map[string]any{"duration": "1s"})
			sim.AdvanceClock(time.Minute)
			return chatAs(raw, "m")(t, sim, c)
		}},
	"chat-completions-401-blocked-key.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return chatAs(c.mustGenerate(map[string]any{"blocked": true}), "m")(t, sim, c)
	}},
	"chat-completions-401-budget-exceeded-end-user-docs.json": {notProducible: "end-user (customer) budgets are not simulated"},
	"health-liveliness-200.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.withKey("").get("/health/liveliness")
	}},
	"health-readiness-200-v1.40.21.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.withKey("").get("/health/readiness")
	}},
	"key-generate-200-docs-old.json": {
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			return c.post("/key/generate", map[string]any{"user_id": "ishaan", "team_id": "t1"})
		},
		skip: map[string]string{
			"key_name": "old release (~1.35-1.40) returned null; current releases return \"sk-...abcd\" (compat: Differences between releases)",
			"token_id": "old release returned null; current releases return the hash (compat: Differences between releases)",
		}},
	"key-generate-200.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.post("/key/generate", map[string]any{"key_alias": "XX-nova-lite", "models": []string{"nova-lite"},
			"team_id": "8061d474", "metadata": map[string]any{"service": "XX", "model": "nova-lite"}})
	}},
	"key-generate-400-duplicate-alias.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		c.mustGenerate(map[string]any{"key_alias": "my-alias"})
		return c.post("/key/generate", map[string]any{"key_alias": "my-alias"})
	}},
	"key-generate-400-key-without-sk.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.post("/key/generate", map[string]any{"key": "abcdefghijklwxyz"})
	}},
	"key-generate-403-non-admin-route-docs.json": {notProducible: "the simulator answers every non-master key on a management route with 401, not LiteLLM's role-dependent 403"},
	"key-generate-500-internal-v1.81.3.json": {
		// The recorded case (a non-admin key with team_id) hits a LiteLLM bug; the same envelope comes
		// from any Python exception on /key/generate in 1.81.x, e.g. a duration without unit.
		opts: func(o *Options) { o.Variant = Variant{ObjectErrorMessage: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			return c.post("/key/generate", map[string]any{"duration": "30"})
		}},
	"key-info-200.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		raw := c.mustGenerate(map[string]any{"key_alias": "test_key", "user_id": "304db458"})
		sim.SetKeySpend(raw, 0.0008835)
		return c.get("/key/info?key=" + raw)
	}},
	"key-info-404.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.get("/key/info")
	}},
	"key-list-200-hashes.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		for range 12 {
			c.mustGenerate(map[string]any{})
		}
		return c.get("/key/list?page=1&size=10")
	}},
	"models-401-no-db-v2024.json": {notProducible: "a proxy without a database is not simulated"},
	"team-info-404.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		return c.get("/team/info?team_id=t1")
	}},
	"team-member-add-400-already-in-team.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		c.mustOK("/team/new", map[string]any{"team_id": "t1", "members_with_roles": []any{map[string]any{"role": "user", "user_id": "u1"}}})
		return c.post("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}})
	}},
	"team-update-403-enterprise-v1.81.3.json": {
		opts: func(o *Options) { o.Variant = Variant{ObjectErrorMessage: true} },
		produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			return c.post("/team/update", map[string]any{"team_id": "t1", "tags": []string{}})
		}},
	"user-info-200-docs.json": {produce: func(t *testing.T, sim *Simulator, c *apiClient) response {
		c.mustOK("/team/new", map[string]any{"team_id": "f2044fde"})
		c.mustOK("/user/new", map[string]any{"user_id": "jane_smith", "auto_create_key": false})
		c.mustGenerate(map[string]any{"user_id": "jane_smith", "team_id": "f2044fde", "key_alias": "user-key", "duration": "7d"})
		return c.get("/user/info?user_id=jane_smith")
	}},
}

func TestFixtureShapes(t *testing.T) {
	dir := fixturesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			tc, ok := fixtureCases[name]
			require.True(t, ok, "fixture %s has no case: add one, or say why the simulator cannot produce it", name)
			if tc.notProducible != "" {
				t.Skip(tc.notProducible)
			}
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var fx fixture
			require.NoError(t, json.Unmarshal(data, &fx))
			var want any
			require.NoError(t, json.Unmarshal(fx.Body, &want))

			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			sim, c := newTestSim(t, opts...)
			got := tc.produce(t, sim, c)
			assert.Equal(t, fx.Status, got.status, "status of %s (%s): %s", fx.Endpoint, fx.Version, got)
			for _, problem := range jsonTypeMismatches("", want, got.body, tc.skip) {
				t.Error(problem)
			}
		})
	}
	for name := range fixtureCases {
		assert.True(t, seen[name], "case %s has no fixture file", name)
	}
}

// jsonTypeMismatches lists the fields of want that got lacks or holds with another JSON type,
// recursively (arrays: first elements, when both have one).
func jsonTypeMismatches(path string, want, got any, skip map[string]string) []string {
	if _, skipped := skip[path]; skipped && path != "" {
		return nil
	}
	if jsonType(want) != jsonType(got) {
		return []string{fmt.Sprintf("%s: fixture has %s, simulator has %s (%v)", pathOrRoot(path), jsonType(want), jsonType(got), got)}
	}
	var out []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := strings.TrimPrefix(path+"."+k, ".")
			if _, skipped := skip[sub]; skipped {
				continue
			}
			gv, ok := g[k]
			if !ok {
				out = append(out, sub+": missing in the simulator's answer")
				continue
			}
			out = append(out, jsonTypeMismatches(sub, w[k], gv, skip)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			out = append(out, jsonTypeMismatches(path+"[0]", w[0], g[0], skip)...)
		}
	}
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func pathOrRoot(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}
