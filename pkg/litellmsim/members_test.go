package litellmsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTeamMemberAdd(t *testing.T) {
	user := func(id string) map[string]any { return map[string]any{"role": "user", "user_id": id} }
	cases := []struct {
		name, reason string
		opts         func(*Options)
		body         map[string]any
		wantStatus   int
		check        func(t *testing.T, sim *Simulator, r response)
	}{
		{name: "adds and creates user", reason: "compat: POST /team/member_add: unknown user is created", body: map[string]any{"team_id": "t1", "member": user("new"), "max_budget_in_team": 2.5},
			wantStatus: 200, check: func(t *testing.T, sim *Simulator, r response) {
				u, ok := sim.User("new")
				require.True(t, ok)
				assert.Equal(t, []string{"t1"}, u.Teams)
				ms, ok := sim.Membership("t1", "new")
				require.True(t, ok)
				assert.Equal(t, 2.5, *ms.MaxBudgetInTeam)
				assert.Len(t, r.obj()["updated_users"], 1)
				assert.Len(t, r.obj()["updated_team_memberships"], 1)
			}},
		{name: "duplicate", reason: "compat: POST /team/member_add: 400 A team_member_already_in_team", body: map[string]any{"team_id": "t1", "member": user("u1")}, wantStatus: 400,
			check: func(t *testing.T, sim *Simulator, r response) {
				e := r.errA()
				assert.Equal(t, "team_member_already_in_team", e["type"])
				assert.Equal(t, "member", e["param"])
				assert.Equal(t, "400", e["code"])
				assert.Contains(t, e["message"], "User already in team. Member: user_id=u1, user_email=None. Existing members=[")
			}},
		{name: "duplicate by email", reason: "older releases: the same email counts as the same member",
			opts: func(o *Options) { o.Variant.MemberAddDuplicate400 = true },
			body: map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_email": "e@x.io"}}, wantStatus: 400},
		{name: "duplicate by id", reason: "older releases: the same user_id counts, whatever the email",
			opts: func(o *Options) { o.Variant.MemberAddDuplicate400 = true },
			body: map[string]any{"team_id": "t1", "member": user("u2")}, wantStatus: 400},
		{name: "partial match by id", reason: "current: user_id and email must both match to be a duplicate, so this is 200",
			body: map[string]any{"team_id": "t1", "member": user("u2")}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				team, _ := sim.Team("t1")
				assert.Len(t, team.MembersWithRoles, 3, "u2 is not listed twice")
			}},
		{name: "list all duplicates", reason: "compat: POST /team/member_add", body: map[string]any{"team_id": "t1", "member": []any{user("u1")}}, wantStatus: 400,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Contains(t, r.errA()["message"], "All users are already in team.")
			}},
		{name: "list some duplicates", reason: "compat: POST /team/member_add: duplicates skipped", body: map[string]any{"team_id": "t1", "member": []any{user("u1"), user("u3")}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				team, _ := sim.Team("t1")
				assert.Len(t, team.MembersWithRoles, 4)
			}},
		{name: "admin on free proxy", reason: "compat: Enterprise-only features: 400 C, checked before the team lookup",
			body: map[string]any{"team_id": "unknown-team", "member": map[string]any{"role": "admin", "user_id": "x"}}, wantStatus: 400,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Contains(t, r.detailC()["error"], "Assigning team admins is a premium feature.")
			}},
		{name: "admin with premium", reason: "allowed", opts: func(o *Options) { o.Premium = true },
			body: map[string]any{"team_id": "t1", "member": map[string]any{"role": "admin", "user_id": "x"}}, wantStatus: 200},
		{name: "unknown team", reason: "compat: POST /team/member_add: 404 C", body: map[string]any{"team_id": "t9", "member": user("u1")}, wantStatus: 404,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.Equal(t, "Team not found for team_id=t9", r.detailC()["error"])
			}},
		{name: "email only new user", reason: "compat: POST /team/member_add: new uuid user with the email",
			body: map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_email": "fresh@x.io"}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				team, _ := sim.Team("t1")
				last := team.MembersWithRoles[len(team.MembersWithRoles)-1]
				assert.Len(t, last.UserID, 36, "user_id filled in")
				assert.Equal(t, "fresh@x.io", last.UserEmail)
			}},
		{name: "email of existing user", reason: "compat: POST /team/member_add: the user with that email is used (unverified)",
			body: map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_email": "known@x.io"}}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				u, _ := sim.User("known")
				assert.Equal(t, []string{"t1"}, u.Teams)
			}},
		{name: "no member", reason: "400 C", body: map[string]any{"team_id": "t1"}, wantStatus: 400},
		{name: "bad role", reason: "422", body: map[string]any{"team_id": "t1", "member": map[string]any{"role": "boss", "user_id": "x"}}, wantStatus: 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			sim, c := newTestSim(t, opts...)
			c.mustOK("/team/new", map[string]any{"team_id": "t1", "members_with_roles": []any{
				map[string]any{"role": "user", "user_id": "u1"}, map[string]any{"role": "user", "user_id": "u2", "user_email": "e@x.io"}}})
			c.mustOK("/user/new", map[string]any{"user_id": "known", "user_email": "known@x.io", "auto_create_key": false})
			r := c.post("/team/member_add", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.check != nil {
				tc.check(t, sim, r)
			}
		})
	}
}

func TestTeamMemberDelete(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		body         map[string]any
		wantStatus   int
		wantMessage  string
		wantKeys     int
	}{
		{name: "deletes member keys", reason: "compat: POST /team/member_delete: current releases delete the member's team keys", body: map[string]any{"team_id": "t1", "user_id": "u1"},
			wantStatus: 200, wantKeys: 2},
		{name: "keeps keys in 1.8x", reason: "compat: POST /team/member_delete: variant", variant: Variant{KeepMemberKeysOnMemberDelete: true},
			body: map[string]any{"team_id": "t1", "user_id": "u1"}, wantStatus: 200, wantKeys: 3},
		{name: "by email", reason: "compat: POST /team/member_delete", body: map[string]any{"team_id": "t1", "user_email": "u1@x.io"}, wantStatus: 200, wantKeys: 2},
		{name: "unknown team", reason: "compat: POST /team/member_delete: 400, not 404", body: map[string]any{"team_id": "t9", "user_id": "u1"}, wantStatus: 400,
			wantMessage: "Team id=t9 does not exist in db", wantKeys: 3},
		{name: "not a member", reason: "compat: POST /team/member_delete", body: map[string]any{"team_id": "t1", "user_id": "u2"}, wantStatus: 400,
			wantMessage: "User not found in team", wantKeys: 3},
		{name: "no user", reason: "400 C", body: map[string]any{"team_id": "t1"}, wantStatus: 400, wantKeys: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/user/new", map[string]any{"user_id": "u1", "user_email": "u1@x.io", "auto_create_key": false})
			c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 1})
			c.mustGenerate(map[string]any{"team_id": "t1", "user_id": "u1"})
			c.mustGenerate(map[string]any{"team_id": "t1"})
			c.mustGenerate(map[string]any{"user_id": "u1"})
			r := c.post("/team/member_delete", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, r.detailC()["error"], "shape C")
			}
			assert.Len(t, sim.Keys(), tc.wantKeys, tc.reason)
			if tc.wantStatus == 200 {
				team, _ := sim.Team("t1")
				assert.False(t, membersInclude(team.MembersWithRoles, "u1"))
				u, _ := sim.User("u1")
				assert.Empty(t, u.Teams)
				_, ok := sim.Membership("t1", "u1")
				assert.False(t, ok, "the member's budget row goes too")
				assert.Equal(t, "t1", r.obj()["team_id"], "answers the team row")
			}
		})
	}
}

func TestTeamMemberUpdate(t *testing.T) {
	cases := []struct {
		name, reason string
		body         map[string]any
		wantStatus   int
		check        func(t *testing.T, sim *Simulator, r response)
	}{
		{name: "budget", reason: "compat: POST /team/member_update: creates the member budget row", body: map[string]any{"team_id": "t1", "user_id": "u1", "max_budget_in_team": 4}, wantStatus: 200,
			check: func(t *testing.T, sim *Simulator, r response) {
				ms, ok := sim.Membership("t1", "u1")
				require.True(t, ok)
				assert.Equal(t, 4.0, *ms.MaxBudgetInTeam)
				assert.Equal(t, 4.0, r.obj()["max_budget_in_team"])
				assert.Equal(t, "u1", r.obj()["user_id"])
			}},
		{name: "admin on free proxy", reason: "compat: Enterprise-only features: 400 shape B (string detail)", body: map[string]any{"team_id": "t9", "user_id": "u1", "role": "admin"}, wantStatus: 400,
			check: func(t *testing.T, sim *Simulator, r response) {
				assert.IsType(t, "", r.detail(), "shape B")
				assert.Contains(t, r.detail(), "Assigning team admins is a premium feature.")
			}},
		{name: "unknown team", reason: "compat: POST /team/member_update: 400 C", body: map[string]any{"team_id": "t9", "user_id": "u1", "max_budget_in_team": 1}, wantStatus: 400},
		{name: "non member by email", reason: "compat: POST /team/member_update: detected only by email", body: map[string]any{"team_id": "t1", "user_email": "zz@x.io", "max_budget_in_team": 1}, wantStatus: 400},
		{name: "non member by id", reason: "compat: POST /team/member_update: not detected by user_id", body: map[string]any{"team_id": "t1", "user_id": "stranger", "max_budget_in_team": 1}, wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			c.mustOK("/team/new", map[string]any{"team_id": "t1", "members_with_roles": []any{map[string]any{"role": "user", "user_id": "u1"}}})
			r := c.post("/team/member_update", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.check != nil {
				tc.check(t, sim, r)
			}
		})
	}
}

func TestTeamMemberAddExistingMemberWithBudget(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		existingRow  bool
		wantStatus   int
		wantBudget   float64
	}{
		{name: "membership row exists", reason: "current: the member passes the duplicate check, the plain create of its row fails: 500",
			existingRow: true, wantStatus: 500, wantBudget: 1},
		{name: "no membership row", reason: "current: the row is created", wantStatus: 200, wantBudget: 5},
		{name: "older duplicate check", reason: "older releases refuse the add first", variant: Variant{MemberAddDuplicate400: true},
			existingRow: true, wantStatus: 400, wantBudget: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1", "user_email": "u1@x.io"}})
			if tc.existingRow {
				c.mustOK("/team/member_update", map[string]any{"team_id": "t1", "user_id": "u1", "max_budget_in_team": 1})
			}
			r := c.post("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 5})
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 500 {
				assert.Contains(t, r.detailC()["error"], "Unable to add user", "shape C, as member_add's other failures")
			}
			ms, ok := sim.Membership("t1", "u1")
			require.True(t, ok)
			assert.Equal(t, tc.wantBudget, *ms.MaxBudgetInTeam, tc.reason)
			team, _ := sim.Team("t1")
			assert.Len(t, team.MembersWithRoles, 2, "u1 and the proxy admin, never u1 twice")
		})
	}
}

func TestTeamMemberUpdateBudgetNull(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		wantBudget   *float64
	}{
		{name: "null removes", reason: "current: the member budget is a merge patch, null removes it"},
		{name: "null ignored", reason: "older releases cannot remove a member budget", variant: Variant{MemberBudgetNullIgnored: true}, wantBudget: ptr(3.0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 3})
			r := c.mustOK("/team/member_update", map[string]any{"team_id": "t1", "user_id": "u1", "max_budget_in_team": nil})
			ms, ok := sim.Membership("t1", "u1")
			require.True(t, ok)
			assert.Equal(t, tc.wantBudget, ms.MaxBudgetInTeam, tc.reason)
			var want any
			if tc.wantBudget != nil {
				want = *tc.wantBudget
			}
			assert.Equal(t, want, r.obj()["max_budget_in_team"], "the answer shows the budget after the update")
			info := c.get("/team/info?team_id=t1").obj()
			table := info["team_memberships"].([]any)[0].(map[string]any)["litellm_budget_table"].(map[string]any)
			assert.Equal(t, want, table["max_budget"], "/team/info shows it too")
		})
	}
}
