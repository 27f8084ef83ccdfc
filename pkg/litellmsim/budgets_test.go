package litellmsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyGenerateBudgetID(t *testing.T) {
	cases := []struct {
		name, reason string
		body         map[string]any
		wantStatus   int
		wantBudgetID string // "new" = a fresh row of the soft budget
	}{
		{name: "unknown budget", reason: "budget_id is a foreign key: the insert fails with a generic 500",
			body: map[string]any{"budget_id": "no-such-budget"}, wantStatus: 500},
		{name: "existing budget", reason: "a budget made with /budget/new", body: map[string]any{"budget_id": "b1"}, wantStatus: 200, wantBudgetID: "b1"},
		{name: "member budget", reason: "any budget row counts, a team member's too", body: map[string]any{"budget_id": "member"}, wantStatus: 200, wantBudgetID: "member"},
		{name: "unknown budget with soft budget", reason: "soft_budget creates a row and overwrites budget_id",
			body: map[string]any{"budget_id": "no-such-budget", "soft_budget": 2}, wantStatus: 200, wantBudgetID: "new"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			c.mustOK("/budget/new", map[string]any{"budget_id": "b1", "max_budget": 5})
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 1})
			ms, _ := sim.Membership("t1", "u1")
			if tc.body["budget_id"] == "member" {
				tc.body["budget_id"] = ms.BudgetID
				tc.wantBudgetID = ms.BudgetID
			}
			r := c.post("/key/generate", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 500 {
				assert.Equal(t, map[string]any{"message": "Internal Server Error.", "type": "internal_server_error", "param": "None", "code": "500"}, r.errA())
				assert.Empty(t, sim.Keys(), "nothing is created")
				return
			}
			k, _ := sim.KeyByHash(r.obj()["key"].(string))
			if tc.wantBudgetID != "new" {
				assert.Equal(t, tc.wantBudgetID, k.BudgetID, tc.reason)
				return
			}
			assert.NotEqual(t, "no-such-budget", k.BudgetID, tc.reason)
			rows := c.mustOK("/budget/info", map[string]any{"budgets": []string{k.BudgetID}}).body.([]any)
			require.Len(t, rows, 1)
			assert.Equal(t, 2.0, rows[0].(map[string]any)["soft_budget"], "the soft budget lives in the new row")
		})
	}
}

func TestKeyUpdateIgnoresSoftBudget(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"soft_budget": 1})
	before, _ := sim.KeyByHash(raw)
	r := c.post("/key/update", map[string]any{"key": raw, "soft_budget": 9})
	require.Equal(t, 200, r.status, "accepted (LiteLLM issue #15125): %s", r)
	after, _ := sim.KeyByHash(raw)
	assert.Equal(t, 1.0, *after.SoftBudget, "ignored")
	assert.Equal(t, before.BudgetID, after.BudgetID)
	row := c.mustOK("/budget/info", map[string]any{"budgets": []string{after.BudgetID}}).body.([]any)[0].(map[string]any)
	assert.Equal(t, 1.0, row["soft_budget"], "the budget row is unchanged")
	assert.Equal(t, 400, c.post("/key/update", map[string]any{"key": raw, "soft_budget": -1}).status, "a negative value is still refused")
}

func TestBudgetEndpoints(t *testing.T) {
	_, c := newTestSim(t)
	cases := []struct {
		name, reason, path string
		body               any
		wantStatus         int
		check              func(t *testing.T, r response)
	}{
		{name: "new", reason: "answers the row", path: "/budget/new", body: map[string]any{"budget_id": "b1", "max_budget": 5, "budget_duration": "30d"}, wantStatus: 200,
			check: func(t *testing.T, r response) {
				assert.Equal(t, "b1", r.obj()["budget_id"])
				assert.Equal(t, 5.0, r.obj()["max_budget"])
			}},
		{name: "new twice", reason: "a unique budget_id: 400 shape C", path: "/budget/new", body: map[string]any{"budget_id": "b1"}, wantStatus: 400,
			check: func(t *testing.T, r response) {
				assert.Equal(t, "Budget with id 'b1' already exists.", r.detailC()["error"])
			}},
		{name: "new negative", reason: "400 shape C", path: "/budget/new", body: map[string]any{"max_budget": -1}, wantStatus: 400},
		{name: "info", reason: "known ids only, unknown ones left out", path: "/budget/info", body: map[string]any{"budgets": []string{"b1", "nope"}}, wantStatus: 200,
			check: func(t *testing.T, r response) {
				rows := r.body.([]any)
				require.Len(t, rows, 1)
				assert.Equal(t, "b1", rows[0].(map[string]any)["budget_id"])
			}},
		{name: "info unknown", reason: "an empty list, not a 404", path: "/budget/info", body: map[string]any{"budgets": []string{"nope"}}, wantStatus: 200,
			check: func(t *testing.T, r response) { assert.Equal(t, []any{}, r.body) }},
		{name: "info without ids", reason: "400 shape C", path: "/budget/info", body: map[string]any{"budgets": []string{}}, wantStatus: 400},
		{name: "info missing field", reason: "422", path: "/budget/info", body: map[string]any{}, wantStatus: 422},
		{name: "delete", reason: "answers the deleted row", path: "/budget/delete", body: map[string]any{"id": "b1"}, wantStatus: 200},
		{name: "delete again", reason: "an unknown id fails the delete: 500", path: "/budget/delete", body: map[string]any{"id": "b1"}, wantStatus: 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post(tc.path, tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}
