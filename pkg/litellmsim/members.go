//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"fmt"
	"net/http"
	"strings"
)

// Team member endpoints: /team/member_add, /team/member_delete, /team/member_update
// (compat: Teams).

// Member roles of members_with_roles.
const (
	roleAdmin = "admin"
	roleUser  = "user"
)

const teamAdminPremiumText = "Assigning team admins is a premium feature. " + notPremiumText

// teamMemberAdd is POST /team/member_add. Check order (compat: POST /team/member_add): missing fields, admin role on a
// free proxy, unknown team, duplicates.
func (s *Simulator) teamMemberAdd(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"team_id": kindString, "member": kindAny, "max_budget_in_team": kindFloat})
	if aerr != nil {
		return nil, aerr
	}
	teamID, ok := b.str("team_id")
	if !ok {
		return nil, errorC(http.StatusBadRequest, "No team id passed in")
	}
	if b.values["member"] == nil {
		return nil, errorC(http.StatusBadRequest, "No member passed in")
	}
	_, isList := b.values["member"].([]any)
	members, aerr := parseMembers(b.values["member"], []any{locBody, "member"})
	if aerr != nil {
		return nil, aerr
	}
	if !s.opts.Premium {
		for _, m := range members {
			if m.Role == roleAdmin {
				return nil, errorC(http.StatusBadRequest, teamAdminPremiumText) // compat: Enterprise-only features
			}
		}
	}
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, errorC(http.StatusNotFound, "Team not found for team_id="+teamID)
	}
	var fresh []Member
	for _, m := range members {
		if !s.isDuplicateMember(t, m) {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		text := "All users are already in team. Existing members=" + membersRepr(t.MembersWithRoles)
		if !isList {
			m := members[0]
			text = fmt.Sprintf("User already in team. Member: user_id=%s, user_email=%s. Existing members=%s",
				pyOptional(m.UserID), pyOptional(m.UserEmail), membersRepr(t.MembersWithRoles))
		}
		return nil, errorA(http.StatusBadRequest, "team_member_already_in_team", "member", text) // compat: POST /team/member_add
	}
	budget := b.float("max_budget_in_team")
	for _, m := range fresh {
		if budget != nil && m.UserID != "" && s.store.memberships[membershipID{teamID, m.UserID}] != nil {
			// A member let through by the duplicate check who already has a membership row: the
			// plain create of that row fails (compat: Team members; body
			// unverified). Nothing is changed.
			return nil, errorC(http.StatusInternalServerError, "Unable to add user - "+pyDictRepr("user_id", m.UserID)+
				", to team - "+teamID+", for reason - Unique constraint failed on the fields: (`user_id`,`team_id`)")
		}
	}
	updatedUsers := []map[string]any{}
	updatedMemberships := []map[string]any{}
	for _, m := range fresh {
		u, membership := s.addMember(t, m, budget)
		updatedUsers = append(updatedUsers, userRow(u))
		if membership != nil {
			updatedMemberships = append(updatedMemberships, membershipRow(membership))
		}
	}
	t.UpdatedAt = dbTime(s.nowLocked())
	resp := teamRow(t)
	resp["updated_users"] = updatedUsers
	resp["updated_team_memberships"] = updatedMemberships
	return resp, nil
}

// isDuplicateMember is the duplicate check of /team/member_add. Current releases count a member
// as already in the team only when user_id and user_email both match (an unset one matching an
// unset one), so adding by user_id a member that was added with an email answers 200 (unverified,
// from release notes and source reading). Older releases refuse any match by user_id or email.
func (s *Simulator) isDuplicateMember(t *Team, m Member) bool {
	if s.opts.Variant.MemberAddDuplicate400 {
		return teamHasMember(t, m.UserID, m.UserEmail)
	}
	for _, e := range t.MembersWithRoles {
		if e.UserID == m.UserID && e.UserEmail == m.UserEmail {
			return true
		}
	}
	return false
}

// addMember resolves (or creates) the member's user, records the membership and, with a
// per-member budget, the membership row. Only an email: the user with that email, else a new
// user with a fresh uuid (resolution unverified, compat: POST /team/member_add).
func (s *Simulator) addMember(t *Team, m Member, maxBudgetInTeam *float64) (*User, *Membership) {
	now := s.nowLocked()
	userID := m.UserID
	if userID == "" {
		if u := s.store.userByEmail(m.UserEmail); u != nil {
			userID = u.UserID
		} else {
			userID = newUUID()
		}
	}
	u := s.ensureUserInTeam(userID, m.UserEmail, t.TeamID, now)
	if !membersInclude(t.MembersWithRoles, userID) {
		// A member let through by the duplicate check is not listed twice (unverified).
		t.MembersWithRoles = append(t.MembersWithRoles, Member{UserID: userID, UserEmail: m.UserEmail, Role: m.Role})
	}
	if maxBudgetInTeam == nil {
		return u, nil
	}
	ms := s.membershipFor(t.TeamID, userID)
	ms.MaxBudgetInTeam = cloneFloat(maxBudgetInTeam)
	return u, ms
}

// membershipFor returns the membership row, creating it with a fresh budget row.
func (s *Simulator) membershipFor(teamID, userID string) *Membership {
	id := membershipID{teamID, userID}
	if ms, ok := s.store.memberships[id]; ok {
		return ms
	}
	ms := &Membership{TeamID: teamID, UserID: userID, BudgetID: newUUID(), CreatedAt: dbTime(s.nowLocked())}
	s.store.memberships[id] = ms
	return ms
}

// membersRepr is the Python repr of a members list: [Member(user_id='u1', user_email=None, role='user')].
func membersRepr(members []Member) string {
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = "Member(user_id=" + pyOptRepr(m.UserID) + ", user_email=" + pyOptRepr(m.UserEmail) + ", role=" + pyStrRepr(m.Role) + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func pyOptRepr(s string) string {
	if s == "" {
		return "None"
	}
	return pyStrRepr(s)
}

// findMember locates a member by user_id or email (directly, or through the user with that email).
func (s *Simulator) findMember(t *Team, userID, email string) (Member, bool) {
	if userID == "" && email != "" {
		if u := s.store.userByEmail(email); u != nil && teamHasMember(t, u.UserID, "") {
			userID = u.UserID
		}
	}
	for _, m := range t.MembersWithRoles {
		if (userID != "" && m.UserID == userID) || (email != "" && m.UserEmail == email) {
			return m, true
		}
	}
	return Member{}, false
}

// teamMemberDelete is POST /team/member_delete (compat: POST /team/member_delete).
func (s *Simulator) teamMemberDelete(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"team_id": kindString, "user_id": kindString, "user_email": kindString})
	if aerr != nil {
		return nil, aerr
	}
	teamID, ok := b.str("team_id")
	if !ok {
		return nil, errorC(http.StatusBadRequest, "No team id passed in")
	}
	userID, email := b.text("user_id"), b.text("user_email")
	if userID == "" && email == "" {
		return nil, errorC(http.StatusBadRequest, "Either user_id or user_email needs to be passed in")
	}
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, errorC(http.StatusBadRequest, "Team id="+teamID+" does not exist in db")
	}
	m, ok := s.findMember(t, userID, email)
	if !ok {
		return nil, errorC(http.StatusBadRequest, "User not found in team")
	}
	t.MembersWithRoles = withoutMember(t.MembersWithRoles, m.UserID, m.UserEmail)
	if m.UserID != "" {
		s.store.removeTeamFromUser(m.UserID, teamID)
		delete(s.store.memberships, membershipID{teamID, m.UserID})
		if !s.opts.Variant.KeepMemberKeysOnMemberDelete {
			// LiteLLM PR #17057: the member's keys for this team go too. The exact matching rule
			// (user_id and/or created_by) was not read in source; user_id is used.
			for _, k := range s.store.keysOfTeam(teamID) {
				if k.UserID == m.UserID {
					s.store.deleteKeyRow(k.Token)
				}
			}
		}
	}
	t.UpdatedAt = dbTime(s.nowLocked())
	return teamRow(t), nil
}

// applyMemberLimits writes the sent budget and limits of a member. The member budget is a merge
// patch: an explicit null removes it (compat: Team members), except in
// older releases (Variant.MemberBudgetNullIgnored).
func (s *Simulator) applyMemberLimits(ms *Membership, b *body) {
	switch {
	case b.float("max_budget_in_team") != nil:
		ms.MaxBudgetInTeam = b.float("max_budget_in_team")
	case b.isNull("max_budget_in_team") && !s.opts.Variant.MemberBudgetNullIgnored:
		ms.MaxBudgetInTeam = nil
	}
	if v := b.integer("tpm_limit"); v != nil {
		ms.TPMLimit = v
	}
	if v := b.integer("rpm_limit"); v != nil {
		ms.RPMLimit = v
	}
}

// teamMemberUpdate is POST /team/member_update (compat: POST /team/member_update).
func (s *Simulator) teamMemberUpdate(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"team_id": kindString, "user_id": kindString, "user_email": kindString,
		"role": kindString, "max_budget_in_team": kindFloat, "tpm_limit": kindInt, "rpm_limit": kindInt}, "team_id")
	if aerr != nil {
		return nil, aerr
	}
	role, hasRole := b.str("role")
	if hasRole && role != roleAdmin && role != roleUser {
		return nil, errorD(validationItem{Type: "literal_error", Loc: []any{locBody, "role"},
			Msg: "Input should be 'admin' or 'user'", Input: role, Ctx: map[string]any{"expected": "'admin' or 'user'"}})
	}
	if role == roleAdmin && !s.opts.Premium {
		return nil, errorB(http.StatusBadRequest, teamAdminPremiumText) // compat: Enterprise-only features: string detail here
	}
	teamID, ok := b.str("team_id")
	if !ok {
		return nil, errorC(http.StatusBadRequest, "No team id passed in")
	}
	t, ok := s.store.teams[teamID]
	if !ok {
		return nil, errorC(http.StatusBadRequest, "Team id="+teamID+" does not exist in db")
	}
	userID, email := b.text("user_id"), b.text("user_email")
	if userID == "" && email == "" {
		return nil, errorC(http.StatusBadRequest, "Either user_id or user_email needs to be passed in")
	}
	if userID == "" {
		// Only an email lets LiteLLM notice a non-member; with a user_id it goes ahead (compat: POST /team/member_update).
		m, found := s.findMember(t, "", email)
		if !found || m.UserID == "" {
			return nil, errorC(http.StatusBadRequest,
				"User id doesn't exist in team table. Data="+pyDictRepr("user_email", email))
		}
		userID = m.UserID
	}
	if hasRole {
		for i := range t.MembersWithRoles {
			if t.MembersWithRoles[i].UserID == userID {
				t.MembersWithRoles[i].Role = role
			}
		}
	}
	var ms *Membership
	if b.has("max_budget_in_team") || b.has("tpm_limit") || b.has("rpm_limit") {
		ms = s.membershipFor(teamID, userID)
		s.applyMemberLimits(ms, b)
	}
	t.UpdatedAt = dbTime(s.nowLocked())
	resp := map[string]any{"team_id": teamID, "user_id": userID, "user_email": nullStr(email),
		"max_budget_in_team": nil, "tpm_limit": nil, "rpm_limit": nil}
	if ms != nil {
		resp["max_budget_in_team"] = nullFloat(ms.MaxBudgetInTeam)
		resp["tpm_limit"] = nullInt(ms.TPMLimit)
		resp["rpm_limit"] = nullInt(ms.RPMLimit)
	}
	return resp, nil
}
