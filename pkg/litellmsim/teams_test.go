package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTeamNew(t *testing.T) {
	cases := []struct {
		name, reason string
		opts         func(*Options)
		setup        func(c *apiClient)
		body         map[string]any
		wantStatus   int
		check        func(t *testing.T, sim *Simulator, r response)
	}{
		{name: "admin added", reason: "compat: POST /team/new: default_user_id is appended as admin and gets a user row",
			body: map[string]any{"team_id": "t1", "members_with_roles": []any{map[string]any{"role": "user", "user_id": "u1"}}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				members := r.obj()["members_with_roles"].([]any)
				require.Len(t, members, 2)
				assert.Equal(t, map[string]any{"role": "admin", "user_id": "default_user_id", "user_email": nil}, members[1])
				for _, id := range []string{"u1", proxyAdminID} {
					u, ok := sim.User(id)
					require.True(t, ok, "member %s is created as a user", id)
					assert.Equal(t, []string{"t1"}, u.Teams)
				}
			}},
		{name: "admin already listed", reason: "not appended twice", body: map[string]any{"team_id": "t1", "members_with_roles": []any{map[string]any{"role": "admin", "user_id": "default_user_id"}}},
			wantStatus: 200, check: func(t *testing.T, sim *Simulator, r response) {
				assert.Len(t, r.obj()["members_with_roles"], 1)
			}},
		{name: "uuid", reason: "absent team_id → uuid4", body: map[string]any{"team_alias": "x"}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) { assert.Len(t, r.obj()["team_id"], 36) }},
		{name: "duplicate id", reason: "compat: POST /team/new: 400 shape A", setup: func(c *apiClient) { c.mustOK("/team/new", map[string]any{"team_id": "t1"}) },
			body: map[string]any{"team_id": "t1"}, wantStatus: 400, check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "{'error': 'Team id = t1 already exists. Please use a different team id.'}", r.errA()["message"])
				assert.Equal(t, "internal_server_error", r.errA()["type"])
			}},
		{name: "duplicate alias", reason: "compat: POST /team/new: aliases are not unique", setup: func(c *apiClient) { c.mustOK("/team/new", map[string]any{"team_alias": "eng"}) },
			body: map[string]any{"team_alias": "eng"}, wantStatus: 200, check: func(t *testing.T, sim *Simulator, r response) { assert.Len(t, sim.Teams(), 2) }},
		{name: "budget duration", reason: "current releases align team resets: 1d is the next midnight", body: map[string]any{"team_id": "t1", "budget_duration": "1d", "max_budget": 5}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "2025-03-06T00:00:00+00:00", r.obj()["budget_reset_at"])
			}},
		{name: "budget duration unaligned", reason: "compat: Durations, the older team code: now + duration", opts: func(o *Options) { o.Variant.TeamBudgetResetUnaligned = true },
			body: map[string]any{"team_id": "t1", "budget_duration": "1d", "max_budget": 5}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "2025-03-06T10:20:30+00:00", r.obj()["budget_reset_at"])
			}},
		{name: "0d budget duration", reason: "validate_budget_duration: 400 through handle_exception_on_proxy", body: map[string]any{"team_id": "t1", "budget_duration": "0d"},
			wantStatus: 400, check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, `{'error': "Invalid budget_duration '0d': budget_duration must be positive"}`, r.errA()["message"])
				assert.Empty(t, sim.Teams(), "nothing is written")
			}},
		{name: "tags on free proxy", reason: "compat: Enterprise-only features: 403 shape A", body: map[string]any{"tags": []string{"x"}}, wantStatus: 403,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "internal_server_error", r.errA()["type"])
				assert.Empty(t, sim.Teams())
			}},
		{name: "tags with premium", reason: "stored in metadata", opts: func(o *Options) { o.Premium = true }, body: map[string]any{"team_id": "t1", "tags": []string{"x"}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, []any{"x"}, r.obj()["metadata"].(map[string]any)["tags"])
			}},
		{name: "model aliases", reason: "returned as litellm_model_table", body: map[string]any{"team_id": "t1", "model_aliases": map[string]any{"a": "gpt-4o"}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				table := r.obj()["litellm_model_table"].(map[string]any)
				assert.Equal(t, map[string]any{"a": "gpt-4o"}, table["model_aliases"])
				assert.NotNil(t, r.obj()["model_id"])
				info := sim.teamInfoForTest(t, "t1")
				assert.Nil(t, info["litellm_model_table"], "/team/info reads the row without the model table")
				assert.NotNil(t, info["model_id"], "the column pointing at it is there")
			}},
		{name: "bad member role", reason: "pydantic literal → 422", body: map[string]any{"members_with_roles": []any{map[string]any{"role": "owner", "user_id": "u"}}}, wantStatus: 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			sim, c := newTestSim(t, opts...)
			if tc.setup != nil {
				tc.setup(c)
			}
			r := c.post("/team/new", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.check != nil {
				tc.check(t, sim, r)
			}
		})
	}
}

func TestTeamUpdate(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		body         map[string]any
		wantStatus   int
		check        func(t *testing.T, team Team, r response)
	}{
		{name: "only sent fields", reason: "compat: POST /team/update", body: map[string]any{"team_id": "t1", "max_budget": 9}, wantStatus: 200,
			check: func(t *testing.T, team Team, r response) {
				assert.Equal(t, 9.0, *team.MaxBudget)
				assert.Equal(t, "eng", team.TeamAlias)
				assert.Equal(t, []string{"m"}, team.Models)
				assert.Equal(t, "t1", r.obj()["team_id"])
				assert.Equal(t, 9.0, r.obj()["data"].(map[string]any)["max_budget"])
			}},
		{name: "null writes null", reason: "compat: POST /team/update", body: map[string]any{"team_id": "t1", "max_budget": nil}, wantStatus: 200,
			check: func(t *testing.T, team Team, r response) { assert.Nil(t, team.MaxBudget) }},
		{name: "budget duration", reason: "recomputes budget_reset_at, aligned: the next hour after the update", body: map[string]any{"team_id": "t1", "budget_duration": "1h"}, wantStatus: 200,
			check: func(t *testing.T, team Team, r response) {
				assert.Equal(t, time.Date(2025, 3, 5, 11, 0, 0, 0, time.UTC), *team.BudgetResetAt)
			}},
		{name: "budget duration unaligned", reason: "older team code: now + duration, from the update time", variant: Variant{TeamBudgetResetUnaligned: true},
			body: map[string]any{"team_id": "t1", "budget_duration": "1h"}, wantStatus: 200,
			check: func(t *testing.T, team Team, r response) {
				assert.Equal(t, testStart.Add(time.Minute+time.Hour), *team.BudgetResetAt)
			}},
		{name: "0d budget duration", reason: "/team/update has no wrapper: 400 shape C", body: map[string]any{"team_id": "t1", "budget_duration": "0d"}, wantStatus: 400,
			check: func(t *testing.T, team Team, r response) {
				assert.Equal(t, "Invalid budget_duration '0d': budget_duration must be positive", r.detailC()["error"])
				assert.Empty(t, team.BudgetDuration, "nothing is written")
			}},
		{name: "unknown", reason: "compat: POST /team/update: 404 shape C", body: map[string]any{"team_id": "nope"}, wantStatus: 404,
			check: func(t *testing.T, team Team, r response) {
				assert.Equal(t, "Team not found, passed team_id=nope", r.detailC()["error"])
			}},
		{name: "missing team_id", reason: "422", body: map[string]any{"max_budget": 1}, wantStatus: 422},
		{name: "tags", reason: "compat: Enterprise-only features: 403 shape C on /team/update", body: map[string]any{"team_id": "t1", "tags": []string{"x"}}, wantStatus: 403,
			check: func(t *testing.T, team Team, r response) {
				assert.Contains(t, r.detailC()["error"], "only available for LiteLLM Enterprise users: tags")
			}},
		{name: "empty tags current", reason: "compat: Enterprise-only features: newest main passes []", body: map[string]any{"team_id": "t1", "tags": []string{}}, wantStatus: 200},
		{name: "empty tags 1.81", reason: "compat: Enterprise-only features: 1.81.x refused even falsy values, as shape A with an object message", variant: Variant{ObjectErrorMessage: true},
			body: map[string]any{"team_id": "t1", "tags": []string{}}, wantStatus: 403,
			check: func(t *testing.T, team Team, r response) {
				msg := r.errA()["message"].(map[string]any)
				assert.Contains(t, msg["error"], "This feature is only available for LiteLLM Enterprise users.")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t1", "team_alias": "eng", "models": []string{"m"}, "max_budget": 1})
			sim.AdvanceClock(time.Minute)
			r := c.post("/team/update", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.check != nil {
				team, _ := sim.Team("t1")
				tc.check(t, team, r)
			}
		})
	}
}

func TestTeamInfo(t *testing.T) {
	_, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})
	c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 5})
	raw := c.mustGenerate(map[string]any{"team_id": "t1", "user_id": "u1"})

	r := c.get("/team/info?team_id=t1")
	require.Equal(t, 200, r.status, r.String())
	keys := r.obj()["keys"].([]any)
	require.Len(t, keys, 1)
	assert.Equal(t, HashKey(raw), keys[0].(map[string]any)["token"], "compat: GET /team/info: /team/info keeps token")
	ms := r.obj()["team_memberships"].([]any)
	require.Len(t, ms, 1)
	budget := ms[0].(map[string]any)["litellm_budget_table"].(map[string]any)
	assert.Equal(t, 5.0, budget["max_budget"], "max_budget_in_team lives in litellm_budget_table.max_budget")
	assert.Equal(t, "t1", r.obj()["team_info"].(map[string]any)["team_id"])

	r = c.get("/team/info?team_id=t9")
	require.Equal(t, 404, r.status, "compat: GET /team/info")
	assert.Equal(t, "auth_error", r.errA()["type"])
	assert.Equal(t, "{'message': 'Team not found, passed team id: t9.'}", r.errA()["message"])
	assert.Equal(t, "404", r.errA()["code"])
}

func TestTeamDeleteCascade(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})
	c.mustOK("/team/new", map[string]any{"team_id": "t2"})
	c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 1})
	c.mustGenerate(map[string]any{"team_id": "t1", "user_id": "u1"})
	c.mustGenerate(map[string]any{"team_id": "t1"})
	keep := c.mustGenerate(map[string]any{"team_id": "t2"})

	r := c.post("/team/delete", map[string]any{"team_ids": []string{"t1", "t9"}})
	require.Equal(t, 404, r.status, "compat: POST /team/update: unknown id → 404 C, nothing deleted")
	assert.Equal(t, "Team not found, passed team_id=t9", r.detailC()["error"])
	assert.Len(t, sim.Teams(), 2)

	r = c.mustOK("/team/delete", map[string]any{"team_ids": []string{"t1"}})
	assert.Equal(t, []any{"t1"}, r.obj()["deleted_teams"])
	keys := sim.Keys()
	require.Len(t, keys, 1, "compat: POST /team/delete: every key of the team is deleted")
	assert.Equal(t, HashKey(keep), keys[0].Token)
	u, ok := sim.User("u1")
	require.True(t, ok, "users are kept")
	assert.Empty(t, u.Teams)
	_, ok = sim.Membership("t1", "u1")
	assert.False(t, ok)

	r = c.post("/team/delete", map[string]any{"team_ids": []string{"t1"}})
	assert.Equal(t, 404, r.status, "already deleted → 404")
}

func TestTeamList(t *testing.T) {
	_, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t-b", "team_alias": "beta"})
	c.mustOK("/team/new", map[string]any{"team_id": "t-none"})
	c.mustOK("/team/new", map[string]any{"team_id": "t-a", "team_alias": "alpha", "members_with_roles": []any{map[string]any{"role": "user", "user_id": "u1"}}})
	c.mustGenerate(map[string]any{"team_id": "t-a"})

	r := c.get("/team/list")
	require.Equal(t, 200, r.status)
	teams, ok := r.body.([]any)
	require.True(t, ok, "compat: GET /team/list: a bare array")
	var ids []string
	for _, tm := range teams {
		row := tm.(map[string]any)
		ids = append(ids, row["team_id"].(string))
		assert.Contains(t, row, "keys")
		assert.Contains(t, row, "team_memberships")
	}
	assert.Equal(t, []string{"t-a", "t-b", "t-none"}, ids, "sorted by alias, null last")
	assert.Len(t, teams[0].(map[string]any)["keys"], 1)

	r = c.get("/team/list?user_id=u1")
	assert.Len(t, r.body, 1, "user_id filters by membership")

}

func TestTeamListV2(t *testing.T) {
	cases := []struct {
		name, reason, query string
		variant             Variant
		wantStatus          int
		wantIDs             []string
		wantTotal, wantPgs  float64
	}{
		{name: "partial alias", reason: "case-insensitive contains, newest first", query: "team_alias=ALP", wantStatus: 200,
			wantIDs: []string{"t-alp2", "t-alpha"}, wantTotal: 2, wantPgs: 1},
		{name: "pages", reason: "page_size pages the matches; total counts them all", query: "team_alias=alp&page=2&page_size=1", wantStatus: 200,
			wantIDs: []string{"t-alpha"}, wantTotal: 2, wantPgs: 2},
		{name: "no match", reason: "an empty page", query: "team_alias=zzz", wantStatus: 200, wantIDs: []string{}, wantTotal: 0, wantPgs: 0},
		{name: "page size limit", reason: "FastAPI: le=100", query: "page_size=101", wantStatus: 422},
		{name: "older proxy", reason: "the route does not exist: FastAPI's 404", variant: Variant{NoTeamListV2: true}, query: "team_alias=alp", wantStatus: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t-alpha", "team_alias": "alpha", "model_aliases": map[string]any{"a": "m"}})
			c.mustOK("/team/new", map[string]any{"team_id": "t-beta", "team_alias": "beta"})
			c.mustOK("/team/new", map[string]any{"team_id": "t-alp2", "team_alias": "Alp2"})
			c.mustGenerate(map[string]any{"team_id": "t-alpha"})
			r := c.get("/v2/team/list?" + tc.query)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 404 {
				assert.Equal(t, "Not Found", r.detail(), "FastAPI's unknown-route body")
				return
			}
			if tc.wantStatus != 200 {
				return
			}
			ids := []string{}
			for _, row := range r.obj()["teams"].([]any) {
				team := row.(map[string]any)
				ids = append(ids, team["team_id"].(string))
				assert.NotContains(t, team, "keys", "rows without key rows")
				assert.Nil(t, team["litellm_model_table"], "nor the model table")
			}
			assert.Equal(t, tc.wantIDs, ids, tc.reason)
			assert.Equal(t, tc.wantTotal, r.obj()["total"])
			assert.Equal(t, tc.wantPgs, r.obj()["total_pages"])
		})
	}
}

func TestTeamBlock(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})
	r := c.mustOK("/team/block", map[string]any{"team_id": "t1"})
	assert.Equal(t, true, r.obj()["blocked"])
	team, _ := sim.Team("t1")
	assert.True(t, team.Blocked)
	r = c.mustOK("/team/unblock", map[string]any{"team_id": "t1"})
	assert.Equal(t, false, r.obj()["blocked"])
	r = c.post("/team/block", map[string]any{"team_id": "nope"})
	assert.Equal(t, 404, r.status)
	assert.NotNil(t, r.detailC(), "shape C")
}
