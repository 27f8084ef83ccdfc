//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Team endpoints: /team/new, /team/update, /team/info, /team/delete, /team/list, /v2/team/list,
// /team/block, /team/unblock (compat: Teams). Member endpoints are in members.go.

var teamFields = schema{
	"team_id": kindString, "team_alias": kindString, "members_with_roles": kindList, "metadata": kindObject,
	"tpm_limit": kindInt, "rpm_limit": kindInt, "max_parallel_requests": kindInt, "max_budget": kindFloat,
	"budget_duration": kindString, "models": kindStrings, "blocked": kindBool, "tags": kindStrings,
	"guardrails": kindStrings, "organization_id": kindString, "model_aliases": kindObject,
	"team_member_permissions": kindStrings,
}

func teamNotFoundC(teamID string) *apiError {
	return errorC(http.StatusNotFound, "Team not found, passed team_id="+teamID)
}

// teamNew is POST /team/new (compat: POST /team/new).
func (s *Simulator) teamNew(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, teamFields)
	if aerr != nil {
		return nil, aerr
	}
	members, aerr := parseMembers(b.values["members_with_roles"], []any{locBody, "members_with_roles"})
	if aerr != nil {
		return nil, aerr
	}
	teamID, hasID := b.str("team_id")
	if hasID && s.store.teams[teamID] != nil {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error",
			"Team id = "+teamID+" already exists. Please use a different team id.")
	}
	if !s.opts.Premium {
		if f := premiumFieldSent(b); f != "" {
			return nil, errorADict(http.StatusForbidden, "internal_server_error", "error", premiumFieldText(f))
		}
	}
	if aerr := s.organizationError(b); aerr != nil {
		return nil, aerr
	}
	now := s.nowLocked()
	if reason := s.budgetDurationError(b.text("budget_duration"), now); reason != "" {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error", reason)
	}
	var resetAt *time.Time
	if d := b.text("budget_duration"); d != "" {
		t, err := s.teamBudgetResetAt(d, now)
		if err != nil {
			return nil, errorInternal(err.Error())
		}
		t = dbTime(t)
		resetAt = &t
	}
	if !hasID {
		teamID = newUUID()
	}
	// compat: POST /team/new: the master key's identity is appended as admin unless already listed.
	if !membersInclude(members, proxyAdminID) {
		members = append(members, Member{UserID: proxyAdminID, Role: roleAdmin})
	}
	t := &Team{
		TeamID: teamID, TeamAlias: b.text("team_alias"), OrganizationID: b.text("organization_id"),
		MembersWithRoles: members, Metadata: mergeManagedMetadata(cloneObject(b.object("metadata")), b),
		TPMLimit: b.integer("tpm_limit"), RPMLimit: b.integer("rpm_limit"), MaxParallelRequests: b.integer("max_parallel_requests"),
		MaxBudget: b.float("max_budget"), BudgetDuration: b.text("budget_duration"), BudgetResetAt: resetAt,
		Models: list(b.strings("models")), ModelSpend: map[string]float64{}, ModelMaxBudget: map[string]any{},
		TeamMemberPermissions: b.strings("team_member_permissions"),
		CreatedAt:             dbTime(now), UpdatedAt: dbTime(now), seq: s.store.nextSeq(),
	}
	if v := b.boolean("blocked"); v != nil {
		t.Blocked = *v
	}
	if aliases := b.object("model_aliases"); aliases != nil {
		s.store.nextModelID++
		id := s.store.nextModelID
		t.ModelAliases, t.ModelID = aliases, &id
	}
	s.store.teams[teamID] = t
	// Every member's user row gets the team; a missing one is created (an upsert) (compat: POST /team/new).
	for _, m := range members {
		if m.UserID != "" {
			s.ensureUserInTeam(m.UserID, "", teamID, now)
		}
	}
	return teamRow(t), nil
}

// parseMembers validates members_with_roles / member entries like pydantic's Member model.
func parseMembers(v any, loc []any) ([]Member, *apiError) {
	if v == nil {
		return nil, nil
	}
	entries, ok := v.([]any)
	if !ok {
		entries = []any{v}
	}
	var out []Member
	var items []validationItem
	for i, e := range entries {
		at := append(append([]any{}, loc...), i)
		obj, ok := e.(map[string]any)
		if !ok {
			items = append(items, validationItem{Type: "model_attributes_type", Loc: at,
				Msg: "Input should be a valid dictionary or object to extract fields from", Input: e})
			continue
		}
		role, _ := obj["role"].(string)
		if role != roleAdmin && role != roleUser {
			items = append(items, validationItem{Type: "literal_error", Loc: append(at, "role"),
				Msg: "Input should be 'admin' or 'user'", Input: obj["role"], Ctx: map[string]any{"expected": "'admin' or 'user'"}})
			continue
		}
		uid, _ := obj["user_id"].(string)
		email, _ := obj["user_email"].(string)
		if uid == "" && email == "" {
			items = append(items, validationItem{Type: "value_error", Loc: at,
				Msg: "Value error, Either user_id or user_email must be provided", Input: obj})
			continue
		}
		out = append(out, Member{UserID: uid, UserEmail: email, Role: role})
	}
	if len(items) > 0 {
		return nil, errorD(items...)
	}
	return out, nil
}

func membersInclude(members []Member, userID string) bool {
	for _, m := range members {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// teamHasMember reports a member with that user_id or that email (either may be empty).
func teamHasMember(t *Team, userID, email string) bool {
	for _, m := range t.MembersWithRoles {
		if (userID != "" && m.UserID == userID) || (email != "" && m.UserEmail == email) {
			return true
		}
	}
	return false
}

func withoutMember(members []Member, userID, email string) []Member {
	out := members[:0:0]
	for _, m := range members {
		if (userID != "" && m.UserID == userID) || (email != "" && m.UserEmail == email) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// ensureUserInTeam creates the user row when missing and adds teamID to its teams.
func (s *Simulator) ensureUserInTeam(userID, email, teamID string, now time.Time) *User {
	u, ok := s.store.users[userID]
	if !ok {
		u = &User{UserID: userID, UserEmail: email, Teams: []string{}, Models: []string{}, Metadata: map[string]any{},
			ModelMaxBudget: map[string]any{}, ModelSpend: map[string]float64{}, AllowedCacheControls: []string{},
			CreatedAt: dbTime(now), UpdatedAt: dbTime(now), seq: s.store.nextSeq()}
		s.store.users[userID] = u
	}
	if !containsString(u.Teams, teamID) {
		u.Teams = append(u.Teams, teamID)
	}
	return u
}

// teamUpdate is POST /team/update (compat: POST /team/update): only sent fields are written; unknown team → 404 C.
func (s *Simulator) teamUpdate(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, teamFields, "team_id")
	if aerr != nil {
		return nil, aerr
	}
	teamID, ok := b.str("team_id")
	if !ok {
		return nil, errorC(http.StatusBadRequest, "No team id passed in")
	}
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, teamNotFoundC(teamID)
	}
	if aerr := s.teamUpdatePremiumError(b); aerr != nil {
		return nil, aerr
	}
	now := s.nowLocked()
	if reason := s.budgetDurationError(b.text("budget_duration"), now); reason != "" {
		return nil, errorC(http.StatusBadRequest, reason) // /team/update has no wrapper: shape C
	}
	updated := cloneTeam(t)
	if b.has("budget_duration") {
		d := b.text("budget_duration")
		updated.BudgetDuration, updated.BudgetResetAt = d, nil
		if d != "" {
			at, err := s.teamBudgetResetAt(d, now)
			if err != nil {
				// /team/update has no exception wrapper: Starlette answers a bare 500 (unverified).
				return nil, errorPlain(http.StatusInternalServerError, "Internal Server Error")
			}
			at = dbTime(at)
			updated.BudgetResetAt = &at
		}
	}
	if b.has("team_alias") {
		updated.TeamAlias = b.text("team_alias")
	}
	if b.has("organization_id") {
		updated.OrganizationID = b.text("organization_id")
	}
	for f, dst := range map[string]**int64{"tpm_limit": &updated.TPMLimit, "rpm_limit": &updated.RPMLimit, "max_parallel_requests": &updated.MaxParallelRequests} {
		if b.has(f) {
			*dst = b.integer(f)
		}
	}
	if b.has("max_budget") {
		updated.MaxBudget = b.float("max_budget")
	}
	if b.has("models") {
		updated.Models = list(b.strings("models"))
	}
	if b.has("blocked") {
		updated.Blocked = b.boolean("blocked") != nil && *b.boolean("blocked")
	}
	if b.has("team_member_permissions") {
		updated.TeamMemberPermissions = b.strings("team_member_permissions")
	}
	if b.has("metadata") {
		updated.Metadata = cloneObject(object(b.object("metadata")))
	}
	updated.Metadata = mergeManagedMetadata(updated.Metadata, b)
	if aliases := b.object("model_aliases"); aliases != nil {
		if updated.ModelID == nil {
			s.store.nextModelID++
			id := s.store.nextModelID
			updated.ModelID = &id
		}
		updated.ModelAliases = aliases
	}
	updated.UpdatedAt = dbTime(now)
	*t = updated
	return map[string]any{"team_id": teamID, "data": teamRow(t)}, nil
}

// teamUpdatePremiumError: shape C on current releases; on 1.81.x shape A with the dict as the
// message, triggered even by empty values (fixture team-update-403-enterprise-v1.81.3, compat: Enterprise-only features).
func (s *Simulator) teamUpdatePremiumError(b *body) *apiError {
	if s.opts.Premium {
		return nil
	}
	if s.opts.Variant.ObjectErrorMessage {
		for _, f := range premiumMetadataFields {
			if b.has(f) && !b.isNull(f) {
				return errorADict(http.StatusForbidden, "internal_server_error", "error",
					"This feature is only available for LiteLLM Enterprise users. "+notPremiumText)
			}
		}
		return nil
	}
	if f := premiumFieldSent(b); f != "" {
		return errorC(http.StatusForbidden, premiumFieldText(f))
	}
	return nil
}

// teamInfo is GET /team/info (compat: GET /team/info).
func (s *Simulator) teamInfo(r *http.Request, _ caller) (any, *apiError) {
	teamID := queryStr(r, "team_id")
	if teamID == "" {
		// Re-wrapped by the auth_error wrapper with its own status (unverified).
		return nil, errorADict(http.StatusUnprocessableEntity, "auth_error", "message", "Malformed request. No team id passed in.")
	}
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, errorADict(http.StatusNotFound, "auth_error", "message", "Team not found, passed team id: "+teamID+".")
	}
	info := teamRow(t)
	// The team row is read without joining the model table (compat: Team model aliases):
	// model_aliases are never visible here.
	info["litellm_model_table"] = nil
	return map[string]any{
		"team_id":          teamID,
		"team_info":        info,
		"keys":             s.teamKeyRows(teamID),
		"team_memberships": s.membershipRows(teamID),
	}, nil
}

// teamDelete is POST /team/delete (compat: POST /team/delete): all ids validated first, then the cascade.
func (s *Simulator) teamDelete(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"team_ids": kindStrings}, "team_ids")
	if aerr != nil {
		return nil, aerr
	}
	ids := b.strings("team_ids")
	for _, id := range ids {
		if _, ok := s.store.teams[id]; !ok {
			return nil, teamNotFoundC(id)
		}
	}
	for _, id := range ids {
		for _, k := range s.store.keysOfTeam(id) {
			s.store.deleteKeyRow(k.Token)
		}
		for _, m := range s.store.teams[id].MembersWithRoles {
			s.store.removeTeamFromUser(m.UserID, id)
		}
		for mid := range s.store.memberships {
			if mid.teamID == id {
				delete(s.store.memberships, mid)
			}
		}
		delete(s.store.teams, id)
	}
	return map[string]any{"deleted_teams": ids}, nil
}

// teamList is GET /team/list (compat: GET /team/list): a bare array sorted by alias, with keys and
// memberships, no pagination.
func (s *Simulator) teamList(r *http.Request, _ caller) (any, *apiError) {
	userID, org := queryStr(r, "user_id"), queryStr(r, "organization_id")
	teams := s.filterTeams(func(t *Team) bool {
		if userID != "" && !teamHasMember(t, userID, "") {
			return false
		}
		if org == "default_organization" {
			return t.OrganizationID == ""
		}
		return org == "" || t.OrganizationID == org
	})
	sortTeamsByAlias(teams)
	return mapEach(teams, func(t *Team) map[string]any {
		row := teamRow(t)
		row["keys"] = s.teamKeyRows(t.TeamID)
		row["team_memberships"] = s.membershipRows(t.TeamID)
		return row
	}), nil
}

func (s *Simulator) filterTeams(keep func(*Team) bool) []*Team {
	var out []*Team
	for _, t := range s.store.sortedTeams() {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// sortTeamsByAlias orders by team_alias ascending with null aliases last (PostgreSQL's ASC).
func sortTeamsByAlias(teams []*Team) {
	sort.SliceStable(teams, func(i, j int) bool {
		a, b := teams[i].TeamAlias, teams[j].TeamAlias
		if (a == "") != (b == "") {
			return b == ""
		}
		return a < b
	})
}

// teamListV2 is GET /v2/team/list: team_alias is a case-insensitive partial match, the default
// order is created_at descending, and rows come without keys, memberships or the model table.
func (s *Simulator) teamListV2(r *http.Request, _ caller) (any, *apiError) {
	if s.opts.Variant.NoTeamListV2 {
		return nil, errNotFoundRoute
	}
	page, item := queryInt(r, "page", 1, 0)
	if item != nil {
		return nil, errorD(*item)
	}
	pageSize, item := queryInt(r, "page_size", 10, 100)
	if item != nil {
		return nil, errorD(*item)
	}
	q := r.URL.Query()
	teams := s.filterTeams(func(t *Team) bool {
		switch {
		case q.Get("team_alias") != "" && !strings.Contains(strings.ToLower(t.TeamAlias), strings.ToLower(q.Get("team_alias"))):
			return false
		case q.Get("team_id") != "" && t.TeamID != q.Get("team_id"):
			return false
		case q.Get("user_id") != "" && !teamHasMember(t, q.Get("user_id"), ""):
			return false
		case q.Get("organization_id") != "" && t.OrganizationID != q.Get("organization_id"):
			return false
		}
		return true
	})
	slices.Reverse(teams) // created_at descending: newest first
	total := len(teams)
	start := int((page - 1) * pageSize)
	out := []map[string]any{}
	if start < total {
		for _, t := range teams[start:min(start+int(pageSize), total)] {
			row := teamRow(t)
			row["litellm_model_table"] = nil
			out = append(out, row)
		}
	}
	return map[string]any{"teams": out, "total": total, "page": page, "page_size": pageSize,
		"total_pages": int(math.Ceil(float64(total) / float64(pageSize)))}, nil
}

// teamBlock and teamUnblock are POST /team/block and /team/unblock.
func (s *Simulator) teamBlock(r *http.Request, _ caller) (any, *apiError) {
	return s.setTeamBlocked(r, true)
}

func (s *Simulator) teamUnblock(r *http.Request, _ caller) (any, *apiError) {
	return s.setTeamBlocked(r, false)
}

func (s *Simulator) setTeamBlocked(r *http.Request, blocked bool) (any, *apiError) {
	b, aerr := parseBody(r, schema{"team_id": kindString}, "team_id")
	if aerr != nil {
		return nil, aerr
	}
	teamID := b.text("team_id")
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, teamNotFoundC(teamID) // shape C as the other unwrapped team routes (text unverified)
	}
	t.Blocked = blocked
	t.UpdatedAt = dbTime(s.nowLocked())
	return teamRow(t), nil
}
