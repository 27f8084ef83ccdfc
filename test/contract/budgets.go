package contract

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testBudgets: budget_id and soft_budget on keys, and budget_duration validation.
func (e *env) testBudgets(t *testing.T) {
	ctx := context.Background()

	t.Run("unknown budget id is a spec problem", func(t *testing.T) {
		missing := e.id("no-such-budget")
		exists, err := e.client.BudgetExists(ctx, missing)
		require.NoError(t, err)
		assert.False(t, exists)
		t.Cleanup(func() {
			_, _ = e.client.DeleteKeys(context.Background(), litellm.KeyDeleteRequest{KeyAliases: []string{e.id("unknown-budget")}})
		})
		_, err = e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), KeyAlias: e.id("unknown-budget"), BudgetID: missing})
		assert.True(t, litellm.IsUnknownBudget(err), "a generic 500, checked with /budget/info: %v", err)
		assert.False(t, litellm.IsTransient(err), "retrying cannot help")
		assert.Equal(t, "budget_id", asError(t, err).Field)
	})

	t.Run("existing budget id", func(t *testing.T) {
		id := e.newBudget(t, "budget")
		exists, err := e.client.BudgetExists(ctx, id)
		require.NoError(t, err)
		assert.True(t, exists)
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{BudgetID: id})
		info, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, id, info.Info.BudgetID)
	})

	t.Run("soft budget is set at generation only", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{SoftBudget: ptr(1.0), BudgetID: e.id("ignored-with-soft-budget")})
		info, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		require.NotEmpty(t, info.Info.BudgetID, "soft_budget makes a budget row of its own")
		assert.NotEqual(t, e.id("ignored-with-soft-budget"), info.Info.BudgetID, "and budget_id is overwritten")
		t.Cleanup(func() { // the key first: it refers to the budget row
			_, _ = e.client.DeleteKeys(context.Background(), litellm.KeyDeleteRequest{Keys: []string{raw}})
			e.call(t, http.MethodPost, "/budget/delete", e.target.MasterKey, map[string]string{"id": info.Info.BudgetID})
		})
		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, SoftBudget: litellm.Set(2.0)})
		require.NoError(t, err, "accepted (LiteLLM issue #15125)")
		var rows []litellm.Budget
		e.call(t, http.MethodPost, "/budget/info", e.target.MasterKey, map[string][]string{"budgets": {info.Info.BudgetID}}).json(t, &rows)
		require.Len(t, rows, 1)
		require.NotNil(t, rows[0].SoftBudget)
		assert.InDelta(t, 1.0, *rows[0].SoftBudget, 1e-9, "and ignored: the row keeps the soft budget of the generation")
	})

	t.Run("zero budget duration", func(t *testing.T) {
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), KeyAlias: e.id("zero-days"), BudgetDuration: "0d"})
		switch {
		case e.real():
			if err == nil {
				_, _ = e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{KeyAliases: []string{e.id("zero-days")}})
			}
			assert.True(t, err == nil || litellm.IsInvalidRequest(err), "refused by releases with validate_budget_duration: %v", err)
		case e.target.Variant.UnvalidatedBudgetDuration:
			require.NoError(t, err, "older releases store it")
			_, _ = e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{KeyAliases: []string{e.id("zero-days")}})
		default:
			assert.True(t, litellm.IsInvalidRequest(err), "400: %v", err)
			assert.Equal(t, 400, statusOf(err))
		}
		_, err = e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: e.id("zero-days-team"), BudgetDuration: "0d"})
		e.cleanupTeam(t, e.id("zero-days-team"))
		if !e.real() && !e.target.Variant.UnvalidatedBudgetDuration {
			assert.True(t, litellm.IsInvalidRequest(err), "teams validate it too: %v", err)
		}
	})
}

// newBudget creates a budget row (POST /budget/new) and deletes it at the end.
func (e *env) newBudget(t *testing.T, name string) string {
	t.Helper()
	id := e.id(name)
	r := e.call(t, http.MethodPost, "/budget/new", e.target.MasterKey, map[string]any{"budget_id": id, "max_budget": 10})
	require.NoError(t, r.err)
	t.Cleanup(func() { e.call(t, http.MethodPost, "/budget/delete", e.target.MasterKey, map[string]string{"id": id}) })
	return id
}
