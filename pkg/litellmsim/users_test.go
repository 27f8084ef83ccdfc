package litellmsim

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserNew(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		setup        func(c *apiClient)
		body         map[string]any
		wantStatus   int
		wantMessage  string
		wantUsers    int
		wantKeys     int
	}{
		{name: "auto key by default", reason: "compat: POST /user/new: auto_create_key defaults to true", body: map[string]any{"user_id": "u1", "max_budget": 10},
			wantStatus: 200, wantUsers: 1, wantKeys: 1},
		{name: "no auto key", reason: "compat: POST /user/new: key is \"\" when false", body: map[string]any{"user_id": "u1", "auto_create_key": false},
			wantStatus: 200, wantUsers: 1, wantKeys: 0},
		{name: "duplicate id", reason: "compat: POST /user/new: 409", setup: func(c *apiClient) { c.mustOK("/user/new", map[string]any{"user_id": "u1", "auto_create_key": false}) },
			body: map[string]any{"user_id": "u1"}, wantStatus: 409, wantMessage: "{'error': 'User with id u1 already exists'}", wantUsers: 1},
		{name: "duplicate email any case", reason: "compat: POST /user/new: 409, message shows the stored spelling",
			setup: func(c *apiClient) {
				c.mustOK("/user/new", map[string]any{"user_id": "u1", "user_email": "Ann@Example.com", "auto_create_key": false})
			},
			body: map[string]any{"user_id": "u2", "user_email": "ann@example.COM"}, wantStatus: 409,
			wantMessage: "{'error': 'User with email Ann@Example.com already exists'}", wantUsers: 1},
		{name: "legacy duplicate id", reason: "≤1.80: 200 no-op, but a second key is made", variant: Variant{DuplicateUserLegacy: true},
			setup: func(c *apiClient) { c.mustOK("/user/new", map[string]any{"user_id": "u1", "max_budget": 1}) },
			body:  map[string]any{"user_id": "u1", "max_budget": 50}, wantStatus: 200, wantUsers: 1, wantKeys: 2},
		{name: "legacy duplicate email", reason: "≤1.80: 400", variant: Variant{DuplicateUserLegacy: true},
			setup: func(c *apiClient) {
				c.mustOK("/user/new", map[string]any{"user_id": "u1", "user_email": "a@b.c", "auto_create_key": false})
			},
			body: map[string]any{"user_id": "u2", "user_email": "A@B.C"}, wantStatus: 400, wantUsers: 1},
		{name: "bad duration", reason: "compat: Durations: 500, nothing created", body: map[string]any{"user_id": "u1", "duration": "30"}, wantStatus: 500},
		{name: "model_max_budget", reason: "compat: Enterprise-only features: 500 on /user/new", body: map[string]any{"model_max_budget": map[string]any{"m": map[string]any{"budget_limit": 1, "time_period": "1d"}}},
			wantStatus: 500},
		{name: "bad role", reason: "pydantic enum → 422", body: map[string]any{"user_role": "king"}, wantStatus: 422},
		{name: "teams failures swallowed", reason: "compat: POST /user/new: unknown team ignored, 200", body: map[string]any{"user_id": "u1", "teams": []string{"nope", "t1"}, "auto_create_key": false},
			setup: func(c *apiClient) { c.mustOK("/team/new", map[string]any{"team_id": "t1"}) }, wantStatus: 200, wantUsers: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			if tc.setup != nil {
				tc.setup(c)
			}
			r := c.post("/user/new", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, r.errA()["message"], tc.reason)
				assert.Equal(t, "internal_server_error", r.errA()["type"])
				assert.Equal(t, "None", r.errA()["param"])
			}
			users := sim.Users()
			realUsers := 0
			for _, u := range users {
				if u.UserID != proxyAdminID {
					realUsers++
				}
			}
			assert.Equal(t, tc.wantUsers, realUsers, tc.reason)
			assert.Len(t, sim.Keys(), tc.wantKeys, tc.reason)
			if _, ok := tc.body["teams"]; ok {
				u, _ := sim.User("u1")
				assert.Equal(t, []string{"t1"}, u.Teams, "the known team was joined")
			}
		})
	}
}

func TestUserNewResponse(t *testing.T) {
	sim, c := newTestSim(t)
	r := c.mustOK("/user/new", map[string]any{"max_budget": 10, "key_alias": "auto", "duration": "1h"})
	b := r.obj()
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, b["user_id"], "compat: POST /user/new: uuid4")
	raw := b["key"].(string)
	assert.Nil(t, b["token"], "compat: POST /user/new: the hash is not returned")
	assert.Equal(t, keyName(raw), b["key_name"])
	k, ok := sim.KeyByHash(raw)
	require.True(t, ok)
	assert.Nil(t, k.MaxBudget, "compat: POST /user/new: the auto key has no max_budget")
	assert.Equal(t, b["user_id"], k.UserID)
	assert.Equal(t, "auto", k.KeyAlias)
	assert.NotNil(t, k.Expires)

	r = c.mustOK("/user/new", map[string]any{"user_id": "nokey", "auto_create_key": false})
	assert.Equal(t, "", r.obj()["key"], "compat: POST /user/new")
}

func TestUserInfo(t *testing.T) {
	t.Run("current", func(t *testing.T) {
		_, c := newTestSim(t)
		c.mustOK("/team/new", map[string]any{"team_id": "t1", "team_alias": "eng"})
		c.mustOK("/user/new", map[string]any{"user_id": "u+1", "teams": []string{"t1"}})
		c.mustGenerate(map[string]any{"user_id": "u+1", "team_id": "t1"})
		r := c.get("/user/info?user_id=u%2B1")
		require.Equal(t, 200, r.status, r.String())
		info := r.obj()["user_info"].(map[string]any)
		assert.Equal(t, "u+1", info["user_id"])
		assert.Equal(t, []any{"t1"}, info["teams"])
		keys := r.obj()["keys"].([]any)
		require.Len(t, keys, 2)
		for _, k := range keys {
			assert.Contains(t, k, "token", "key rows carry the hash")
		}
		assert.Equal(t, "eng", keys[1].(map[string]any)["team_alias"])
		assert.Len(t, r.obj()["teams"], 1)

		r = c.get("/user/info?user_id=ghost")
		assert.Equal(t, 404, r.status, "compat: GET /user/info")
		assert.Equal(t, "User ghost not found", r.errA()["message"])
		assert.Equal(t, "internal_server_error", r.errA()["type"])

		r = c.get("/user/info")
		require.Equal(t, 200, r.status, "compat: GET /user/info")
		assert.Len(t, r.obj()["keys"], 2, "every key of the proxy")
		assert.Len(t, r.obj()["teams"], 1, "every team of the proxy")
	})
	t.Run("1.80", func(t *testing.T) {
		_, c := newTestSim(t, func(o *Options) { o.Variant.UserInfoEmpty200 = true })
		r := c.get("/user/info?user_id=ghost")
		require.Equal(t, 200, r.status, "compat: GET /user/info: 200 on 1.80")
		assert.NotContains(t, r.obj()["user_info"], "user_id", "an empty user_info means not found")
	})
}

func TestUserUpdate(t *testing.T) {
	cases := []struct {
		name, reason string
		body         map[string]any
		wantStatus   int
		check        func(t *testing.T, sim *Simulator, r response)
	}{
		{name: "ignores empty values", reason: "compat: POST /user/update: null/[]/{} ignored", body: map[string]any{"user_id": "u1", "models": []string{}, "metadata": map[string]any{}, "user_alias": nil},
			wantStatus: 200, check: func(t *testing.T, sim *Simulator, r response) {
				u, _ := sim.User("u1")
				assert.Equal(t, []string{"m1"}, u.Models)
				assert.Equal(t, map[string]any{"a": int64(1)}, u.Metadata)
				assert.Equal(t, "ann", u.UserAlias)
			}},
		{name: "max_budget null clears", reason: "compat: POST /user/update: exception", body: map[string]any{"user_id": "u1", "max_budget": nil}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				u, _ := sim.User("u1")
				assert.Nil(t, u.MaxBudget)
			}},
		{name: "sets fields", reason: "compat: POST /user/update", body: map[string]any{"user_id": "u1", "max_budget": 7, "budget_duration": "1d"}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				u, _ := sim.User("u1")
				assert.Equal(t, 7.0, *u.MaxBudget)
				assert.Equal(t, "2025-03-06T00:00:00+00:00", r.obj()["data"].(map[string]any)["budget_reset_at"])
				assert.Equal(t, "u1", r.obj()["user_id"])
			}},
		{name: "unknown id upserts", reason: "compat: POST /user/update: creates the user", body: map[string]any{"user_id": "new-user", "max_budget": 1}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				u, ok := sim.User("new-user")
				require.True(t, ok)
				assert.Equal(t, 1.0, *u.MaxBudget)
			}},
		{name: "unknown email creates uuid user", reason: "compat: POST /user/update", body: map[string]any{"user_email": "new@x.io"}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				id := r.obj()["user_id"].(string)
				assert.Len(t, id, 36)
				u, ok := sim.User(id)
				require.True(t, ok)
				assert.Equal(t, "new@x.io", u.UserEmail)
			}},
		{name: "known email updates", reason: "by email", body: map[string]any{"user_email": "ann@x.io", "user_alias": "anne"}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "u1", r.obj()["user_id"])
				u, _ := sim.User("u1")
				assert.Equal(t, "anne", u.UserAlias)
			}},
		{name: "neither id nor email", reason: "compat: POST /user/update: 400 auth_error", body: map[string]any{"max_budget": 1}, wantStatus: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			c.mustOK("/user/new", map[string]any{"user_id": "u1", "user_email": "ann@x.io", "user_alias": "ann", "models": []string{"m1"},
				"metadata": map[string]any{"a": 1}, "max_budget": 5, "auto_create_key": false})
			r := c.post("/user/update", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 400 {
				assert.Equal(t, "auth_error", r.errA()["type"])
			}
			if tc.check != nil {
				tc.check(t, sim, r)
			}
		})
	}
}

func TestUserDelete(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})
	c.mustOK("/user/new", map[string]any{"user_id": "u1", "auto_create_key": false})
	c.mustOK("/user/new", map[string]any{"user_id": "u2", "auto_create_key": false})
	c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 1})
	c.mustGenerate(map[string]any{"user_id": "u1", "team_id": "t1"})
	c.mustGenerate(map[string]any{"user_id": "u1"})
	other := c.mustGenerate(map[string]any{"user_id": "u2"})

	r := c.post("/user/delete", map[string]any{"user_ids": []string{"u1", "ghost"}})
	require.Equal(t, 404, r.status, "compat: POST /user/delete: unknown id → 404 shape C")
	assert.Equal(t, "User not found, passed user_id=ghost", r.detailC()["error"])
	team, _ := sim.Team("t1")
	assert.False(t, membersInclude(team.MembersWithRoles, "u1"), "not atomic: u1 already left the team")
	_, ok := sim.User("u1")
	assert.True(t, ok, "but u1 itself is not deleted")
	assert.Len(t, sim.Keys(), 3)

	r = c.post("/user/delete", map[string]any{"user_ids": []string{"u1"}})
	require.Equal(t, 200, r.status, r.String())
	assert.Equal(t, "1", string(r.raw), "compat: POST /user/delete: a bare number")
	_, ok = sim.User("u1")
	assert.False(t, ok)
	keys := sim.Keys()
	require.Len(t, keys, 1, "compat: POST /user/delete: the user's keys are deleted, team keys included")
	assert.Equal(t, HashKey(other), keys[0].Token)
	_, ok = sim.Membership("t1", "u1")
	assert.False(t, ok)

	r = c.post("/user/delete", map[string]any{"user_ids": []string{"u1"}})
	assert.Equal(t, 404, r.status, "already deleted → 404")
	r = c.post("/user/delete", map[string]any{})
	assert.Equal(t, 422, r.status, "user_ids required")
}

func TestUserList(t *testing.T) {
	_, c := newTestSim(t)
	for _, u := range []map[string]any{
		{"user_id": "alice-1", "user_email": "Alice@Example.com"},
		{"user_id": "bob-2", "user_email": "bob@example.com"},
		{"user_id": "ALICE-3", "user_email": "other@corp.io", "user_role": "proxy_admin"},
	} {
		c.mustOK("/user/new", u)
	}
	cases := []struct {
		name, reason, query string
		wantStatus          int
		wantIDs             []string
		wantTotal           int
	}{
		{name: "single id substring", reason: "compat: GET /user/list: one id is a case-insensitive substring", query: "?user_ids=alice", wantStatus: 200, wantIDs: []string{"alice-1", "ALICE-3"}, wantTotal: 2},
		{name: "several ids exact", reason: "several ids are exact", query: "?user_ids=alice-1,bob-2", wantStatus: 200, wantIDs: []string{"alice-1", "bob-2"}, wantTotal: 2},
		{name: "email substring", reason: "compat: GET /user/list", query: "?user_email=EXAMPLE", wantStatus: 200, wantIDs: []string{"alice-1", "bob-2"}, wantTotal: 2},
		{name: "role", reason: "role filter", query: "?role=proxy_admin", wantStatus: 200, wantIDs: []string{"ALICE-3"}, wantTotal: 1},
		{name: "pagination", reason: "page_size", query: "?page_size=1&page=2&sort_by=user_id&sort_order=asc", wantStatus: 200, wantIDs: []string{"alice-1"}, wantTotal: 3},
		{name: "page_size 101", reason: "422", query: "?page_size=101", wantStatus: 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.get("/user/list" + tc.query)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus != 200 {
				return
			}
			var ids []string
			for _, u := range r.obj()["users"].([]any) {
				row := u.(map[string]any)
				ids = append(ids, row["user_id"].(string))
				assert.EqualValues(t, 1, row["key_count"], "each user got its auto key")
			}
			assert.ElementsMatch(t, tc.wantIDs, ids, tc.reason)
			assert.EqualValues(t, tc.wantTotal, r.obj()["total"])
			assert.Contains(t, r.obj(), "total_pages")
			assert.Contains(t, r.obj(), "page_size")
		})
	}
}

func TestUserNewStoresLessThanItAccepts(t *testing.T) {
	notStored := map[string]any{
		"soft_budget": 2.0, "aliases": map[string]any{"a": "gpt-4o"}, "permissions": map[string]any{"pii": false},
		"config": map[string]any{"c": 1.0}, "blocked": true,
		"model_max_budget": map[string]any{"gpt-4o": map[string]any{"budget_limit": 1.0, "time_period": "1d"}},
	}
	_, c := newTestSim(t, func(o *Options) { o.Premium = true }) // model_max_budget needs Enterprise
	body := map[string]any{"user_id": "u1", "auto_create_key": false, "max_budget": 5}
	maps.Copy(body, notStored)
	created := c.mustOK("/user/new", body).obj()
	info := c.get("/user/info?user_id=u1").obj()["user_info"].(map[string]any)
	assert.Equal(t, 5.0, info["max_budget"], "what the user row has is stored")
	for field, sent := range notStored {
		t.Run(field, func(t *testing.T) {
			assert.Equal(t, sent, created[field], "the answer echoes the request")
			switch v := info[field].(type) {
			case nil:
			case map[string]any:
				assert.Empty(t, v, "the user row keeps none of it")
			default:
				t.Errorf("/user/info shows %s = %v: the user row must not keep it", field, v)
			}
		})
	}
}
