//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import "time"

// JSON renderings of the stored rows, with the fields and JSON types LiteLLM returns (every field
// present, null where unset, [] and {} where LiteLLM's columns default to them).

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return pyFloat(*p)
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// rowTime renders a nullable database timestamp (expires, budget_reset_at...) with "+00:00", as
// the recorded bodies show; created_at/updated_at use stamp.
func rowTime(p *time.Time) any {
	if p == nil {
		return nil
	}
	return isoTime(*p, false)
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return isoTime(t, true)
}

func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nullList(s []string) any {
	if s == nil {
		return nil
	}
	return s
}

func object(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func spendMap(m map[string]float64) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = pyFloat(v)
	}
	return out
}

// keyRow is a LiteLLM_VerificationTokenTable row. /key/info strips "token" (compat: GET /key/info), every other
// reader keeps it (compat: GET /team/info).
func keyRow(k *Key, withToken bool) map[string]any {
	blocked := any(nil)
	if k.Blocked || k.BlockedSet {
		blocked = k.Blocked
	}
	row := map[string]any{
		"key_name":               k.KeyName,
		"key_alias":              nullStr(k.KeyAlias),
		"soft_budget_cooldown":   false,
		"spend":                  pyFloat(k.Spend),
		"expires":                rowTime(k.Expires),
		"models":                 list(k.Models),
		"aliases":                object(k.Aliases),
		"config":                 object(k.Config),
		"user_id":                nullStr(k.UserID),
		"team_id":                nullStr(k.TeamID),
		"permissions":            object(k.Permissions),
		"max_parallel_requests":  nullInt(k.MaxParallelRequests),
		"metadata":               object(k.Metadata),
		"blocked":                blocked,
		"tpm_limit":              nullInt(k.TPMLimit),
		"rpm_limit":              nullInt(k.RPMLimit),
		"max_budget":             nullFloat(k.MaxBudget),
		"budget_duration":        nullStr(k.BudgetDuration),
		"budget_reset_at":        rowTime(k.BudgetResetAt),
		"allowed_cache_controls": list(k.AllowedCacheControls),
		"allowed_routes":         list(k.AllowedRoutes),
		"model_spend":            spendMap(k.ModelSpend),
		"model_max_budget":       object(k.ModelMaxBudget),
		"budget_id":              nullStr(k.BudgetID),
		"organization_id":        nullStr(k.OrganizationID),
		"object_permission_id":   nil,
		"created_at":             stamp(k.CreatedAt),
		"created_by":             nullStr(k.CreatedBy),
		"updated_at":             stamp(k.UpdatedAt),
		"updated_by":             nullStr(k.UpdatedBy),
		"litellm_budget_table":   nil,
		"object_permission":      nil,
		"rotation_count":         k.RotationCount,
		"auto_rotate":            false,
		"key_rotation_at":        nil,
		"last_rotation_at":       rowTime(k.LastRotationAt),
	}
	if withToken {
		row["token"] = k.Token
	}
	return row
}

// keyRowWithToken is a key row as every reader but /key/info shows it.
func keyRowWithToken(k *Key) map[string]any { return keyRow(k, true) }

// userRow is a LiteLLM_UserTable row (password never included).
func userRow(u *User) map[string]any {
	return map[string]any{
		"user_id":                u.UserID,
		"user_alias":             nullStr(u.UserAlias),
		"team_id":                nil,
		"sso_user_id":            nullStr(u.SSOUserID),
		"organization_id":        nullStr(u.OrganizationID),
		"object_permission_id":   nil,
		"teams":                  list(u.Teams),
		"user_role":              nullStr(u.UserRole),
		"max_budget":             nullFloat(u.MaxBudget),
		"spend":                  pyFloat(u.Spend),
		"user_email":             nullStr(u.UserEmail),
		"models":                 list(u.Models),
		"metadata":               object(u.Metadata),
		"max_parallel_requests":  nullInt(u.MaxParallelRequests),
		"tpm_limit":              nullInt(u.TPMLimit),
		"rpm_limit":              nullInt(u.RPMLimit),
		"budget_duration":        nullStr(u.BudgetDuration),
		"budget_reset_at":        rowTime(u.BudgetResetAt),
		"allowed_cache_controls": list(u.AllowedCacheControls),
		"model_spend":            spendMap(u.ModelSpend),
		"model_max_budget":       object(u.ModelMaxBudget),
		"created_at":             stamp(u.CreatedAt),
		"updated_at":             stamp(u.UpdatedAt),
		"object_permission":      nil,
	}
}

func memberRows(members []Member) []map[string]any {
	out := make([]map[string]any, 0, len(members))
	for _, m := range members {
		out = append(out, map[string]any{"user_id": nullStr(m.UserID), "user_email": nullStr(m.UserEmail), "role": m.Role})
	}
	return out
}

// teamRow is a LiteLLM_TeamTable row (the /team/new response, team_info, /team/update data).
func teamRow(t *Team) map[string]any {
	var modelTable any
	if t.ModelAliases != nil {
		modelTable = map[string]any{
			"id": nullInt(t.ModelID), "model_aliases": t.ModelAliases,
			"created_by": proxyAdminID, "updated_by": proxyAdminID,
		}
	}
	return map[string]any{
		"team_id":                 t.TeamID,
		"team_alias":              nullStr(t.TeamAlias),
		"organization_id":         nullStr(t.OrganizationID),
		"admins":                  []string{},
		"members":                 []string{},
		"members_with_roles":      memberRows(t.MembersWithRoles),
		"metadata":                object(t.Metadata),
		"tpm_limit":               nullInt(t.TPMLimit),
		"rpm_limit":               nullInt(t.RPMLimit),
		"max_parallel_requests":   nullInt(t.MaxParallelRequests),
		"max_budget":              nullFloat(t.MaxBudget),
		"budget_duration":         nullStr(t.BudgetDuration),
		"budget_reset_at":         rowTime(t.BudgetResetAt),
		"models":                  list(t.Models),
		"blocked":                 t.Blocked,
		"spend":                   pyFloat(t.Spend),
		"model_spend":             spendMap(t.ModelSpend),
		"model_max_budget":        object(t.ModelMaxBudget),
		"model_id":                nullInt(t.ModelID),
		"litellm_model_table":     modelTable,
		"team_member_permissions": nullList(t.TeamMemberPermissions),
		"object_permission_id":    nil,
		"created_at":              stamp(t.CreatedAt),
		"updated_at":              stamp(t.UpdatedAt),
	}
}

// membershipRow is a LiteLLM_TeamMembership row with its budget row (quirk: max_budget_in_team
// lives in litellm_budget_table.max_budget, compat: GET /team/info).
func membershipRow(m *Membership) map[string]any {
	var budget any
	if m.BudgetID != "" {
		budget = map[string]any{
			"budget_id":             m.BudgetID,
			"max_budget":            nullFloat(m.MaxBudgetInTeam),
			"soft_budget":           nil,
			"max_parallel_requests": nil,
			"tpm_limit":             nullInt(m.TPMLimit),
			"rpm_limit":             nullInt(m.RPMLimit),
			"model_max_budget":      nil,
			"budget_duration":       nil,
			"budget_reset_at":       nil,
			"created_at":            stamp(m.CreatedAt),
			"created_by":            proxyAdminID,
			"updated_at":            stamp(m.CreatedAt),
			"updated_by":            proxyAdminID,
		}
	}
	return map[string]any{
		"team_id":              m.TeamID,
		"user_id":              m.UserID,
		"spend":                pyFloat(m.Spend),
		"budget_id":            nullStr(m.BudgetID),
		"litellm_budget_table": budget,
	}
}

func (s *Simulator) membershipRows(teamID string) []map[string]any {
	return mapEach(s.store.teamMemberships(teamID), membershipRow)
}

// teamKeyRows are a team's keys as /team/info and /team/list show them: with "token" (compat: GET /team/info).
func (s *Simulator) teamKeyRows(teamID string) []map[string]any {
	return mapEach(s.store.keysOfTeam(teamID), keyRowWithToken)
}
