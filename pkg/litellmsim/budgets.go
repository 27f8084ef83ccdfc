//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"net/http"
	"slices"
)

// Budget table endpoints: POST /budget/new, /budget/info and /budget/delete (no exception
// wrapper: errors are shape C). /budget/info is how a client learns whether a budget_id exists
// before /key/generate fails on it with a generic 500.

var budgetFields = schema{"budget_id": kindString, "max_budget": kindFloat, "soft_budget": kindFloat, "budget_duration": kindString}

func (s *Simulator) budgetNew(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, budgetFields)
	if aerr != nil {
		return nil, aerr
	}
	for _, f := range []string{"max_budget", "soft_budget"} {
		if v := b.float(f); v != nil && *v < 0 {
			return nil, errorC(http.StatusBadRequest, f+" must be a non-negative finite number. Received: "+pyFloatRepr(*v))
		}
	}
	id, ok := b.str("budget_id")
	if !ok {
		id = newUUID()
	}
	if s.store.budgetExists(id) {
		return nil, errorC(http.StatusBadRequest, "Budget with id '"+id+"' already exists.")
	}
	row := &BudgetRow{BudgetID: id, MaxBudget: b.float("max_budget"), SoftBudget: b.float("soft_budget"),
		BudgetDuration: b.text("budget_duration"), CreatedAt: dbTime(s.nowLocked())}
	s.store.budgets[id] = row
	return budgetRowJSON(row), nil
}

// budgetInfo answers the rows of the ids asked for, in table order; unknown ids are left out.
func (s *Simulator) budgetInfo(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"budgets": kindStrings}, "budgets")
	if aerr != nil {
		return nil, aerr
	}
	ids := b.strings("budgets")
	if len(ids) == 0 {
		return nil, errorC(http.StatusBadRequest, "Specify list of budget id's to query. Passed in="+pyListRepr(ids))
	}
	out := []any{}
	for _, id := range ids {
		if row, ok := s.store.budgets[id]; ok {
			out = append(out, budgetRowJSON(row))
		}
	}
	for _, m := range s.store.sortedMemberships() {
		if m.BudgetID != "" && slices.Contains(ids, m.BudgetID) {
			out = append(out, membershipRow(m)["litellm_budget_table"])
		}
	}
	return out, nil
}

// budgetDelete deletes one budget row; an unknown id fails the database delete, which nothing
// catches (500, unverified).
func (s *Simulator) budgetDelete(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"id": kindString}, "id")
	if aerr != nil {
		return nil, aerr
	}
	row, ok := s.store.budgets[b.text("id")]
	if !ok {
		return nil, errorPlain(http.StatusInternalServerError, "Internal Server Error")
	}
	delete(s.store.budgets, row.BudgetID)
	return budgetRowJSON(row), nil
}

func budgetRowJSON(b *BudgetRow) map[string]any {
	return map[string]any{
		"budget_id": b.BudgetID, "max_budget": nullFloat(b.MaxBudget), "soft_budget": nullFloat(b.SoftBudget),
		"max_parallel_requests": nil, "tpm_limit": nil, "rpm_limit": nil, "model_max_budget": nil,
		"budget_duration": nullStr(b.BudgetDuration), "budget_reset_at": nil,
		"created_at": stamp(b.CreatedAt), "created_by": proxyAdminID, "updated_at": stamp(b.CreatedAt), "updated_by": proxyAdminID,
	}
}
