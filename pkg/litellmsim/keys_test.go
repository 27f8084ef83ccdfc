package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyGenerate(t *testing.T) {
	t.Run("response", func(t *testing.T) {
		sim, c := newTestSim(t)
		r := c.post("/key/generate", map[string]any{"key": "sk-abcdefghWXYZ", "key_alias": "a", "max_budget": "10",
			"duration": "30d", "budget_duration": "1d", "models": []string{"gpt-4o"}, "team_id": "dangling"})
		require.Equal(t, 200, r.status, "compat: POST /key/generate: 200, not 201")
		b := r.obj()
		assert.Equal(t, "sk-abcdefghWXYZ", b["key"], "the raw key is returned")
		assert.Equal(t, HashKey("sk-abcdefghWXYZ"), b["token"], "token is the sha256 hex of the raw key")
		assert.Equal(t, b["token"], b["token_id"], "token_id = token")
		assert.Equal(t, "sk-...WXYZ", b["key_name"])
		assert.Equal(t, 10.0, b["max_budget"], "numeric strings are coerced as pydantic does")
		assert.Equal(t, "2025-04-04T10:20:30+00:00", b["expires"], "expires = now + duration")
		assert.Equal(t, "2025-03-06T00:00:00+00:00", b["budget_reset_at"], "1d resets at next midnight")
		assert.Equal(t, "dangling", b["team_id"], "team_id need not exist (compat: POST /key/generate)")
		assert.Equal(t, "default_user_id", b["created_by"])
		assert.Nil(t, b["blocked"], "blocked is null unless sent")
		assert.Contains(t, string(r.raw), `"spend":0.0`, "floats are serialized as Python does")
		k, ok := sim.KeyByHash(HashKey("sk-abcdefghWXYZ"))
		require.True(t, ok)
		assert.Equal(t, "a", k.KeyAlias)
		assert.Equal(t, 10.0, *k.MaxBudget)
	})
	t.Run("generated key", func(t *testing.T) {
		sim, c := newTestSim(t)
		raw := c.mustGenerate(map[string]any{})
		assert.Regexp(t, `^sk-[A-Za-z0-9_-]{22}$`, raw, "LiteLLM generates sk- + token_urlsafe(16)")
		_, ok := sim.KeyByHash(raw)
		assert.True(t, ok)
	})

	cases := []struct {
		name, reason string
		setup        func(c *apiClient)
		opts         func(*Options)
		body         map[string]any
		wantStatus   int
		wantType     string
		wantParam    any
		wantMessage  string
		wantKeys     int
	}{
		{name: "duplicate alias", reason: "compat: POST /key/generate", setup: func(c *apiClient) { c.mustGenerate(map[string]any{"key_alias": "my-alias"}) },
			body: map[string]any{"key_alias": "my-alias"}, wantStatus: 400, wantType: "bad_request_error", wantParam: "key_alias",
			wantMessage: "Key with alias 'my-alias' already exists. Unique key aliases across all keys are required.", wantKeys: 1},
		{name: "same key same alias", reason: "compat: POST /key/generate: the alias check does not exclude the key's own hash",
			setup: func(c *apiClient) { c.mustGenerate(map[string]any{"key": "sk-same-1234", "key_alias": "x"}) },
			body:  map[string]any{"key": "sk-same-1234", "key_alias": "x"}, wantStatus: 400, wantType: "bad_request_error", wantKeys: 1},
		{name: "same key without alias", reason: "compat: POST /key/generate: upsert does nothing, 200",
			setup: func(c *apiClient) { c.mustGenerate(map[string]any{"key": "sk-same-1234", "key_alias": "x"}) },
			body:  map[string]any{"key": "sk-same-1234", "max_budget": 99}, wantStatus: 200, wantKeys: 1},
		{name: "key without sk", reason: "compat: POST /key/generate: repr message, first/last four chars",
			body: map[string]any{"key": "abcdefghijklwxyz"}, wantStatus: 400, wantType: "internal_server_error", wantParam: "None",
			wantMessage: `{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz"}`},
		{name: "short key without sk", reason: "eight characters or fewer are fully masked",
			body: map[string]any{"key": "abcd"}, wantStatus: 400,
			wantMessage: `{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ****"}`},
		{name: "alias checked before key prefix", reason: "compat: POST /key/generate: order", setup: func(c *apiClient) { c.mustGenerate(map[string]any{"key_alias": "a"}) },
			body: map[string]any{"key": "bad", "key_alias": "a"}, wantStatus: 400, wantType: "bad_request_error", wantKeys: 1},
		{name: "negative budget", reason: "compat: Numbers and timestamps", body: map[string]any{"max_budget": -1}, wantStatus: 400,
			wantMessage: "{'error': 'max_budget cannot be negative. Received: -1.0'}"},
		{name: "tags on free proxy", reason: "compat: Enterprise-only features: 403 shape A internal_server_error", body: map[string]any{"tags": []string{"a"}},
			wantStatus: 403, wantType: "internal_server_error"},
		{name: "guardrails on free proxy", reason: "compat: Enterprise-only features", body: map[string]any{"guardrails": []string{"g"}}, wantStatus: 403},
		{name: "empty tags pass", reason: "compat: Enterprise-only features: newest main only refuses non-empty values", body: map[string]any{"tags": []string{}}, wantStatus: 200, wantKeys: 1},
		{name: "tags with premium", reason: "stored in metadata", opts: func(o *Options) { o.Premium = true },
			body: map[string]any{"tags": []string{"a"}}, wantStatus: 200, wantKeys: 1},
		{name: "model_max_budget on free proxy", reason: "compat: Enterprise-only features: 500 on generate",
			body:       map[string]any{"model_max_budget": map[string]any{"gpt-4o": map[string]any{"budget_limit": 1, "time_period": "1d"}}},
			wantStatus: 500, wantType: "internal_server_error"},
		{name: "model_max_budget with premium", reason: "accepted", opts: func(o *Options) { o.Premium = true },
			body: map[string]any{"model_max_budget": map[string]any{"gpt-4o": map[string]any{"budget_limit": 1, "time_period": "1d"}}}, wantStatus: 200, wantKeys: 1},
		{name: "enforced params on free proxy", reason: "accepted at creation; refused at request time (TestEnforcedParamsAtRequestTime)",
			body: map[string]any{"enforced_params": []string{"user"}}, wantStatus: 200, wantKeys: 1},
		{name: "bare number duration", reason: "compat: Durations: no unit → 500", body: map[string]any{"duration": "30"}, wantStatus: 500,
			wantMessage: "Unsupported duration unit, passed duration: 30"},
		{name: "minus one duration", reason: "compat: Durations: -1 fails on generate", body: map[string]any{"duration": "-1"}, wantStatus: 500},
		{name: "empty duration", reason: "compat: Durations: \"\" fails on generate", body: map[string]any{"duration": ""}, wantStatus: 500},
		{name: "null duration", reason: "JSON null = never expires", body: map[string]any{"duration": nil}, wantStatus: 200, wantKeys: 1},
		{name: "2mo budget", reason: "compat: Durations: Nmo with N≠1 errors; validate_budget_duration answers 400", body: map[string]any{"budget_duration": "2mo"}, wantStatus: 400},
		{name: "2mo budget unvalidated", reason: "before the check the reset computation failed with 500", opts: func(o *Options) { o.Variant.UnvalidatedBudgetDuration = true },
			body: map[string]any{"budget_duration": "2mo"}, wantStatus: 500},
		{name: "0d budget", reason: "a non-positive budget duration is refused", body: map[string]any{"budget_duration": "0d"}, wantStatus: 400,
			wantMessage: "{'error': \"Invalid budget_duration '0d': budget_duration must be positive\"}"},
		{name: "0d budget unvalidated", reason: "older releases stored it", opts: func(o *Options) { o.Variant.UnvalidatedBudgetDuration = true },
			body: map[string]any{"budget_duration": "0d"}, wantStatus: 200, wantKeys: 1},
		{name: "loose budget duration", reason: "compat: Durations: unknown unit falls back to midnight", body: map[string]any{"budget_duration": "30dx"}, wantStatus: 200, wantKeys: 1},
		{name: "wrong type", reason: "compat: Error bodies: 422 shape D", body: map[string]any{"max_budget": "abc"}, wantStatus: 422},
		{name: "unknown organization", reason: "compat: POST /key/generate: organization must exist", body: map[string]any{"organization_id": "org-x"}, wantStatus: 400},
		{name: "known organization", reason: "AddOrganization makes it valid", body: map[string]any{"organization_id": "org-known"}, wantStatus: 200, wantKeys: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			sim, c := newTestSim(t, opts...)
			sim.AddOrganization("org-known")
			if tc.setup != nil {
				tc.setup(c)
			}
			r := c.post("/key/generate", tc.body)
			assert.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantType != "" {
				assert.Equal(t, tc.wantType, r.errA()["type"], tc.reason)
			}
			if tc.wantParam != nil {
				assert.Equal(t, tc.wantParam, r.errA()["param"], tc.reason)
			}
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, r.errA()["message"], tc.reason)
			}
			if r.status >= 400 && r.status != 422 {
				assert.IsType(t, "", r.errA()["code"], "code is a string")
			}
			assert.Len(t, sim.Keys(), tc.wantKeys, tc.reason)
		})
	}
}

func TestKeyGenerateResendEchoesRequest(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustGenerate(map[string]any{"key": "sk-same-1234", "max_budget": 1, "models": []string{"a"}})
	r := c.mustOK("/key/generate", map[string]any{"key": "sk-same-1234", "max_budget": 5, "models": []string{"b"}})
	assert.Equal(t, 5.0, r.obj()["max_budget"], "compat: POST /key/generate: the answer echoes the request")
	assert.Equal(t, []any{"b"}, r.obj()["models"])
	k, _ := sim.KeyByHash("sk-same-1234")
	assert.Equal(t, 1.0, *k.MaxBudget, "the stored row is unchanged")
	assert.Equal(t, []string{"a"}, k.Models)
}

func TestKeyGeneratePremiumMetadata(t *testing.T) {
	sim, c := newTestSim(t, func(o *Options) { o.Premium = true })
	c.mustGenerate(map[string]any{"key": "sk-tagged-1234", "tags": []string{"t"}, "metadata": map[string]any{"team": "x"},
		"model_rpm_limit": map[string]any{"gpt-4o": 5}})
	k, _ := sim.KeyByHash("sk-tagged-1234")
	assert.Equal(t, map[string]any{"team": "x", "tags": []any{"t"}, "model_rpm_limit": map[string]any{"gpt-4o": int64(5)}}, k.Metadata,
		"LiteLLM keeps tags and model limits inside metadata")
}

func TestKeyUpdate(t *testing.T) {
	const raw = "sk-update-me-1234"
	cases := []struct {
		name, reason string
		opts         func(*Options)
		body         map[string]any
		wantStatus   int
		wantType     string
		check        func(t *testing.T, k Key, r response)
	}{
		{name: "omitted unchanged", reason: "compat: POST /key/update", body: map[string]any{"key": raw, "models": []string{"m2"}}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) {
				assert.Equal(t, 10.0, *k.MaxBudget)
				assert.Equal(t, "alias-1", k.KeyAlias)
				assert.Equal(t, []string{"m2"}, k.Models)
			}},
		{name: "null clears budget", reason: "compat: POST /key/update", body: map[string]any{"key": raw, "max_budget": nil}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) {
				assert.Nil(t, k.MaxBudget)
				assert.Nil(t, r.obj()["max_budget"])
			}},
		{name: "null budget_duration ignored", reason: "compat: POST /key/update: cannot be cleared", body: map[string]any{"key": raw, "budget_duration": nil}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Equal(t, "1d", k.BudgetDuration) }},
		{name: "duration from now", reason: "compat: POST /key/update: expiry recomputed from the update time", body: map[string]any{"key": raw, "duration": "1h"}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) {
				assert.Equal(t, testStart.Add(2*time.Hour), *k.Expires, "the clock moved an hour after creation")
			}},
		{name: "duration -1", reason: "compat: POST /key/update: -1 = never expires", body: map[string]any{"key": raw, "duration": "-1"}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Nil(t, k.Expires) }},
		{name: "duration null", reason: "compat: POST /key/update: null = never expires", body: map[string]any{"key": raw, "duration": nil}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Nil(t, k.Expires) }},
		{name: "duration empty skipped", reason: "compat: Durations: \"\" is skipped on update", body: map[string]any{"key": raw, "duration": ""}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.NotNil(t, k.Expires) }},
		{name: "duration none", reason: "compat: Durations: none fails with 400 auth_error", body: map[string]any{"key": raw, "duration": "none"}, wantStatus: 400, wantType: "auth_error"},
		{name: "duration bare number", reason: "compat: Durations: 400 auth_error on update", body: map[string]any{"key": raw, "duration": "30"}, wantStatus: 400, wantType: "auth_error"},
		{name: "own alias", reason: "compat: POST /key/update: own alias is fine", body: map[string]any{"key": raw, "key_alias": "alias-1"}, wantStatus: 200},
		{name: "other alias", reason: "compat: POST /key/update: another key's alias → 400", body: map[string]any{"key": raw, "key_alias": "alias-2"}, wantStatus: 400, wantType: "bad_request_error"},
		{name: "by hash", reason: "keys are identified by raw key or hash", body: map[string]any{"key": HashKey(raw), "spend": 3}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) {
				assert.Equal(t, 3.0, k.Spend)
				assert.Equal(t, HashKey(raw), r.obj()["key"], "key echoes what was sent")
			}},
		{name: "response has token", reason: "compat: POST /key/update: full row incl. token, key as sent", body: map[string]any{"key": raw}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) {
				assert.Equal(t, raw, r.obj()["key"])
				assert.Equal(t, HashKey(raw), r.obj()["token"])
			}},
		{name: "metadata replaced", reason: "compat: POST /key/update", body: map[string]any{"key": raw, "metadata": map[string]any{"b": 2}}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Equal(t, map[string]any{"b": int64(2)}, k.Metadata) }},
		{name: "missing key", reason: "422 when key is absent", body: map[string]any{"max_budget": 1}, wantStatus: 422},
		{name: "tags", reason: "compat: Enterprise-only features: 403 auth_error on update", body: map[string]any{"key": raw, "tags": []string{"x"}}, wantStatus: 403, wantType: "auth_error"},
		{name: "model_max_budget", reason: "compat: Enterprise-only features: 400 on update", body: map[string]any{"key": raw, "model_max_budget": map[string]any{"m": map[string]any{"budget_limit": 1, "time_period": "1d"}}},
			wantStatus: 400, wantType: "auth_error"},
		{name: "negative budget", reason: "compat: Numbers and timestamps", body: map[string]any{"key": raw, "max_budget": -2}, wantStatus: 400, wantType: "auth_error"},
		{name: "unknown team", reason: "compat: POST /key/update: team change is validated (unverified text)", body: map[string]any{"key": raw, "team_id": "nope"}, wantStatus: 404},
		{name: "team not allowing models", reason: "compat: POST /key/update: 403", body: map[string]any{"key": raw, "team_id": "narrow"}, wantStatus: 403},
		{name: "team change", reason: "allowed team", body: map[string]any{"key": raw, "team_id": "wide"}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Equal(t, "wide", k.TeamID) }},
		{name: "unblock by null", reason: "null writes null", body: map[string]any{"key": raw, "blocked": nil}, wantStatus: 200,
			check: func(t *testing.T, k Key, r response) { assert.Nil(t, r.obj()["blocked"]) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			sim, c := newTestSim(t, opts...)
			c.mustOK("/team/new", map[string]any{"team_id": "narrow", "models": []string{"other"}})
			c.mustOK("/team/new", map[string]any{"team_id": "wide"})
			c.mustGenerate(map[string]any{"key": raw, "key_alias": "alias-1", "max_budget": 10, "budget_duration": "1d", "duration": "1d", "models": []string{"m1"}})
			c.mustGenerate(map[string]any{"key_alias": "alias-2"})
			sim.AdvanceClock(time.Hour)
			r := c.post("/key/update", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantType != "" {
				assert.Equal(t, tc.wantType, r.errA()["type"], tc.reason)
			}
			if tc.check != nil {
				k, ok := sim.KeyByHash(raw)
				require.True(t, ok)
				tc.check(t, k, r)
			}
		})
	}
}

func TestKeyNotFound(t *testing.T) {
	const missing = "sk-missing-1234"
	cases := []struct {
		name, reason, path string
		variant            Variant
		wantStatus         int
		wantType           string
		wantMessage        string
	}{
		{name: "update", reason: "404 since March 2026", path: "/key/update", wantStatus: 404, wantType: "not_found_error",
			wantMessage: "Key not found in database"},
		{name: "block", reason: "404 since March 2026", path: "/key/block", wantStatus: 404, wantType: "not_found_error"},
		{name: "unblock", reason: "404 since March 2026", path: "/key/unblock", wantStatus: 404, wantType: "not_found_error"},
		{name: "update 401", reason: "compat: POST /key/update, older releases: the DB helper's 401 echoes the key as sent (clients must redact it)",
			path: "/key/update", variant: Variant{KeyNotFound401: true}, wantStatus: 401, wantType: "auth_error",
			wantMessage: "Authentication Error: invalid user key - user key does not exist in db. User Key=" + missing},
		{name: "block 401", reason: "compat: POST /key/block and /key/unblock, older releases: the cache refresh raises not found in db", path: "/key/block",
			variant: Variant{KeyNotFound401: true}, wantStatus: 401, wantType: "token_not_found_in_db",
			wantMessage: "Authentication Error, Invalid proxy server token passed. key=" + HashKey(missing) + ", not found in db. Create key via `/key/generate` call."},
		{name: "unblock 401", reason: "compat: POST /key/block and /key/unblock", path: "/key/unblock", variant: Variant{KeyNotFound401: true}, wantStatus: 401, wantType: "token_not_found_in_db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			r := c.post(tc.path, map[string]any{"key": missing, "max_budget": 1})
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			assert.Equal(t, tc.wantType, r.errA()["type"], tc.reason)
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, r.errA()["message"], tc.reason)
			}
		})
	}
}

func TestKeyInfo(t *testing.T) {
	_, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"key_alias": "a"})
	for _, ref := range []string{raw, HashKey(raw)} {
		r := c.get("/key/info?key=" + ref)
		require.Equal(t, 200, r.status, r.String())
		assert.Equal(t, ref, r.obj()["key"], "key echoes the request")
		info := r.obj()["info"].(map[string]any)
		assert.NotContains(t, info, "token", "compat: GET /key/info: token is stripped")
		assert.Equal(t, "a", info["key_alias"])
		assert.Contains(t, info, "litellm_budget_table")
	}
	r := c.get("/key/info?key=sk-missing-1234")
	assert.Equal(t, 404, r.status, "compat: GET /key/info")
	assert.Equal(t, "not_found_error", r.errA()["type"])
	assert.Equal(t, "key", r.errA()["param"])
	assert.Equal(t, "Key not found in database", r.errA()["message"])
	r = c.get("/key/info")
	assert.Equal(t, 404, r.status, "compat: GET /key/info: without key the master key's own row is looked up, and it is not stored")
}

func TestKeyList(t *testing.T) {
	sim, c := newTestSim(t)
	var raws []string
	for i, alias := range []string{"a", "b", "c", "d", "e"} {
		raws = append(raws, c.mustGenerate(map[string]any{"key_alias": alias, "user_id": []string{"u1", "u2"}[i%2]}))
		sim.AdvanceClock(time.Second)
	}
	c.mustGenerate(map[string]any{"key_alias": "ab"})
	cases := []struct {
		name, reason, query string
		wantStatus          int
		wantKeys            []string // hashes, in order
		wantTotal           int
		wantPages           int
		full                bool
	}{
		{name: "default", reason: "hashes, newest first", query: "", wantStatus: 200, wantTotal: 6, wantPages: 1,
			wantKeys: nil},
		{name: "exact alias", reason: "compat: GET /key/list: key_alias is exact (not ab)", query: "?key_alias=a", wantStatus: 200, wantTotal: 1, wantPages: 1,
			wantKeys: []string{HashKey(raws[0])}},
		{name: "user filter", reason: "exact user_id", query: "?user_id=u1", wantStatus: 200, wantTotal: 3, wantPages: 1,
			wantKeys: []string{HashKey(raws[4]), HashKey(raws[2]), HashKey(raws[0])}},
		{name: "pagination", reason: "total_count counts all pages, total_pages = ceil", query: "?size=4&page=2", wantStatus: 200, wantTotal: 6, wantPages: 2,
			wantKeys: []string{HashKey(raws[1]), HashKey(raws[0])}},
		{name: "page past end", reason: "empty page", query: "?size=4&page=3", wantStatus: 200, wantTotal: 6, wantPages: 2, wantKeys: []string{}},
		{name: "full objects", reason: "compat: GET /key/list: full rows with token", query: "?key_alias=b&return_full_object=true", wantStatus: 200, wantTotal: 1, wantPages: 1, full: true},
		{name: "size 101", reason: "compat: GET /key/list: size > 100 → 422", query: "?size=101", wantStatus: 422},
		{name: "size 0", reason: "size ≥ 1", query: "?size=0", wantStatus: 422},
		{name: "bad sort", reason: "compat: GET /key/list: 400", query: "?sort_by=nope", wantStatus: 400},
		{name: "bad status", reason: "compat: GET /key/list: 400", query: "?status=active", wantStatus: 400},
		{name: "sort asc", reason: "sort_order", query: "?sort_by=key_alias&sort_order=asc&size=2", wantStatus: 200, wantTotal: 6, wantPages: 3,
			wantKeys: []string{HashKey(raws[0])}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.get("/key/list" + tc.query)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus != 200 {
				if tc.wantStatus == 422 {
					assert.IsType(t, []any{}, r.detail(), "shape D")
				}
				return
			}
			b := r.obj()
			assert.EqualValues(t, tc.wantTotal, b["total_count"], tc.reason)
			assert.EqualValues(t, tc.wantPages, b["total_pages"], tc.reason)
			keys := b["keys"].([]any)
			if tc.full {
				require.Len(t, keys, 1)
				row := keys[0].(map[string]any)
				assert.Equal(t, HashKey(raws[1]), row["token"])
				assert.Equal(t, "b", row["key_alias"])
				return
			}
			if tc.name == "sort asc" {
				assert.Equal(t, tc.wantKeys[0], keys[0], tc.reason)
				return
			}
			if tc.wantKeys != nil {
				got := []string{}
				for _, k := range keys {
					got = append(got, k.(string))
				}
				assert.Equal(t, tc.wantKeys, got, tc.reason)
			}
		})
	}
	t.Run("deleted", func(t *testing.T) {
		c.mustOK("/key/delete", map[string]any{"keys": []string{raws[0]}})
		r := c.get("/key/list?status=deleted")
		require.Equal(t, 200, r.status)
		assert.Equal(t, []any{HashKey(raws[0])}, r.obj()["keys"], "compat: POST /key/delete: deleted keys are listed with status=deleted")
	})
}

func TestKeyDelete(t *testing.T) {
	cases := []struct {
		name, reason string
		body         map[string]any
		wantStatus   int
		wantLeft     []string // aliases left
	}{
		{name: "by raw key", reason: "keys accept raw keys", body: map[string]any{"keys": []string{"sk-key-one-1111"}}, wantStatus: 200, wantLeft: []string{"dup", "dup", "two"}},
		{name: "by hash", reason: "keys accept hashes", body: map[string]any{"keys": []string{HashKey("sk-key-one-1111")}}, wantStatus: 200, wantLeft: []string{"dup", "dup", "two"}},
		{name: "by alias deletes all", reason: "compat: POST /key/delete", body: map[string]any{"key_aliases": []string{"dup"}}, wantStatus: 200, wantLeft: []string{"one", "two"}},
		{name: "keys wins", reason: "compat: POST /key/delete: keys wins over key_aliases", body: map[string]any{"keys": []string{"sk-key-one-1111"}, "key_aliases": []string{"two"}}, wantStatus: 200,
			wantLeft: []string{"dup", "dup", "two"}},
		{name: "empty keys falls through", reason: "compat: POST /key/delete: [] counts as absent", body: map[string]any{"keys": []string{}, "key_aliases": []string{"two"}}, wantStatus: 200,
			wantLeft: []string{"dup", "dup", "one"}},
		{name: "partial", reason: "compat: POST /key/delete: some exist → 200", body: map[string]any{"keys": []string{"sk-key-one-1111", "sk-gone-0000"}}, wantStatus: 200,
			wantLeft: []string{"dup", "dup", "two"}},
		{name: "none exist", reason: "compat: POST /key/delete: 404", body: map[string]any{"keys": []string{"sk-gone-0000"}}, wantStatus: 404, wantLeft: []string{"dup", "dup", "one", "two"}},
		{name: "unknown alias", reason: "compat: POST /key/delete: 404", body: map[string]any{"key_aliases": []string{"zzz"}}, wantStatus: 404, wantLeft: []string{"dup", "dup", "one", "two"}},
		{name: "neither", reason: "compat: POST /key/delete: 500 Invalid request type", body: map[string]any{}, wantStatus: 500, wantLeft: []string{"dup", "dup", "one", "two"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			c.mustGenerate(map[string]any{"key": "sk-key-one-1111", "key_alias": "one"})
			c.mustGenerate(map[string]any{"key_alias": "two"})
			c.mustGenerate(map[string]any{"key_alias": "dup"})
			sim.MutateKey(c.mustGenerate(map[string]any{"key_alias": "tmp"}), func(k *Key) { k.KeyAlias = "dup" }) // a raced duplicate
			r := c.post("/key/delete", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			switch r.status {
			case 200:
				want := tc.body["keys"]
				if keys, _ := want.([]string); len(keys) == 0 {
					want = tc.body["key_aliases"]
				}
				assert.EqualValues(t, toAny(want.([]string)), r.obj()["deleted_keys"], "compat: POST /key/delete: echoes the input")
			case 404:
				assert.Equal(t, "{'error': 'No keys found'}", r.errA()["message"])
				assert.Equal(t, "internal_server_error", r.errA()["type"])
			}
			var left []string
			for _, k := range sim.Keys() {
				left = append(left, k.KeyAlias)
			}
			assert.ElementsMatch(t, tc.wantLeft, left, tc.reason)
		})
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestKeyBlockUnblock(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{})
	for _, tc := range []struct {
		name, reason, path, key string
		wantStatus              int
		wantBlocked             bool
	}{
		{name: "block", reason: "compat: POST /key/block and /key/unblock", path: "/key/block", key: raw, wantStatus: 200, wantBlocked: true},
		{name: "block again", reason: "idempotent", path: "/key/block", key: HashKey(raw), wantStatus: 200, wantBlocked: true},
		{name: "unblock", reason: "compat: POST /key/block and /key/unblock", path: "/key/unblock", key: raw, wantStatus: 200, wantBlocked: false},
		{name: "malformed", reason: "neither sk- nor a hash", path: "/key/block", key: "whatever", wantStatus: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post(tc.path, map[string]any{"key": tc.key})
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus != 200 {
				return
			}
			assert.Equal(t, HashKey(raw), r.obj()["token"], "compat: POST /key/block and /key/unblock: the full row with token")
			assert.Equal(t, tc.wantBlocked, r.obj()["blocked"])
			k, _ := sim.KeyByHash(raw)
			assert.Equal(t, tc.wantBlocked, k.Blocked)
		})
	}
}

func TestKeyRegenerate(t *testing.T) {
	t.Run("free proxy", func(t *testing.T) {
		_, c := newTestSim(t)
		raw := c.mustGenerate(map[string]any{})
		for _, path := range []string{"/key/regenerate", "/key/" + raw + "/regenerate"} {
			r := c.post(path, map[string]any{"key": raw})
			assert.Equal(t, 500, r.status, "compat: POST /key/regenerate")
			assert.Contains(t, r.errA()["message"], "Regenerating Virtual Keys is an Enterprise feature")
		}
	})
	t.Run("premium", func(t *testing.T) {
		sim, c := newTestSim(t, func(o *Options) { o.Premium = true })
		old := c.mustGenerate(map[string]any{"key_alias": "rot", "max_budget": 3})
		r := c.post("/key/regenerate", map[string]any{"key": old, "new_key": "sk-new-key-9999", "grace_period": "1h"})
		require.Equal(t, 200, r.status, r.String())
		assert.Equal(t, "sk-new-key-9999", r.obj()["key"])
		assert.Equal(t, HashKey("sk-new-key-9999"), r.obj()["token_id"])
		assert.Equal(t, "sk-...9999", r.obj()["key_name"])
		assert.Equal(t, "rot", r.obj()["key_alias"], "the row is updated in place")
		_, oldStored := sim.KeyByHash(old)
		assert.False(t, oldStored)
		k, ok := sim.KeyByHash("sk-new-key-9999")
		require.True(t, ok)
		assert.Equal(t, 3.0, *k.MaxBudget)
		assert.Equal(t, 1, k.RotationCount)

		chat := func(key string) int {
			return c.withKey(key).post("/chat/completions", map[string]any{"model": "m", "messages": []any{}}).status
		}
		assert.Equal(t, 200, chat(old), "the old key works during the grace period")
		assert.Equal(t, 200, chat("sk-new-key-9999"))
		sim.AdvanceClock(2 * time.Hour)
		assert.Equal(t, 401, chat(old), "after the grace period the old key is gone")

		r = c.post("/key/regenerate", map[string]any{"key": "sk-missing-1234"})
		assert.Equal(t, 404, r.status)
		r = c.post("/key/regenerate", map[string]any{"key": "sk-new-key-9999", "new_key": "bad"})
		assert.Equal(t, 400, r.status)
		r = c.post("/key/regenerate", map[string]any{})
		assert.Equal(t, 400, r.status, "no key passed in")
	})
}
