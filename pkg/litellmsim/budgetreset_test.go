package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResetBudgets(t *testing.T) {
	sim, c := newTestSim(t)
	c.mustOK("/team/new", map[string]any{"team_id": "t1", "budget_duration": "1h", "max_budget": 1})
	c.mustOK("/user/new", map[string]any{"user_id": "u1", "budget_duration": "1d", "max_budget": 1, "auto_create_key": false})
	daily := c.mustGenerate(map[string]any{"budget_duration": "1d", "max_budget": 1, "team_id": "t1", "user_id": "u1"})
	monthly := c.mustGenerate(map[string]any{"budget_duration": "30d", "max_budget": 1})
	for _, raw := range []string{daily, monthly} {
		require.Equal(t, 200, c.withKey(raw).post("/chat/completions", chatBody("m")).status)
	}

	sim.ResetBudgets()
	k, _ := sim.KeyByHash(daily)
	assert.InDelta(t, DefaultCostPerCall, k.Spend, 1e-9, "nothing is due yet")

	sim.AdvanceClock(14 * time.Hour) // 2025-03-06 00:20:30
	sim.ResetBudgets()
	k, _ = sim.KeyByHash(daily)
	assert.Zero(t, k.Spend, "the daily key was reset")
	assert.Equal(t, time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC), *k.BudgetResetAt, "and moved to the next midnight")
	u, _ := sim.User("u1")
	assert.Zero(t, u.Spend, "users reset like keys")
	team, _ := sim.Team("t1")
	assert.Zero(t, team.Spend, "the team's hour passed")
	assert.Equal(t, time.Date(2025, 3, 6, 1, 0, 0, 0, time.UTC), *team.BudgetResetAt, "teams align like keys: the next hour")
	m, _ := sim.KeyByHash(monthly)
	assert.InDelta(t, DefaultCostPerCall, m.Spend, 1e-9, "the monthly key is not due")
	assert.Equal(t, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), *m.BudgetResetAt)
}

func TestBudgetTicker(t *testing.T) {
	sim, c := newTestSim(t, func(o *Options) { o.BudgetResetInterval = 5 * time.Millisecond })
	raw := c.mustGenerate(map[string]any{"budget_duration": "1s", "spend": 3})
	sim.AdvanceClock(2 * time.Second)
	assert.Eventually(t, func() bool {
		k, _ := sim.KeyByHash(raw)
		return k.Spend == 0
	}, 2*time.Second, 5*time.Millisecond, "the background job resets due budgets")
}
