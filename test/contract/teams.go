package contract

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testTeams covers the team endpoints and their quirks (compat: Teams).
func (e *env) testTeams(t *testing.T) {
	ctx := context.Background()

	t.Run("new adds the master key's admin entry", func(t *testing.T) {
		id := e.id("team-new")
		e.cleanupTeam(t, id)
		team, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id, TeamAlias: id, MaxBudget: ptr(10.0), Models: []string{testModel}})
		require.NoError(t, err)
		assert.Equal(t, id, team.TeamID)
		assert.Contains(t, team.MembersWithRoles, litellm.TeamMember{UserID: litellm.ProxyAdminUserID, Role: litellm.RoleAdmin}, "compat: POST /team/new")
		require.NotNil(t, team.MaxBudget)
		assert.InDelta(t, 10.0, *team.MaxBudget, 1e-9)
	})

	t.Run("new twice is already-exists; a duplicate alias is accepted", func(t *testing.T) {
		id := e.newTeam(t, "team-twice")
		_, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id})
		assert.True(t, litellm.IsAlreadyExists(err), "400 'already exists' (compat: POST /team/new): %v", err)
		other := e.id("team-same-alias")
		e.cleanupTeam(t, other)
		_, err = e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: other, TeamAlias: id})
		assert.NoError(t, err, "aliases are not unique")
	})

	t.Run("new with tags", func(t *testing.T) {
		id := e.id("team-tags")
		e.cleanupTeam(t, id)
		_, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id, Tags: []string{"a"}})
		if e.target.Premium {
			assert.NoError(t, err)
			return
		}
		assert.True(t, litellm.IsEnterpriseOnly(err), "403 (compat: Enterprise-only features): %v", err)
		assert.Equal(t, "tags", litellm.EnterpriseField(err))
	})

	t.Run("info, with key hashes", func(t *testing.T) {
		id := e.newTeam(t, "team-info")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{TeamID: id})
		info, err := e.client.TeamInfo(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, id, info.TeamInfo.TeamID)
		require.Len(t, info.Keys, 1)
		assert.Equal(t, litellm.HashKey(raw), info.Keys[0].Token, "/team/info keeps token (compat: GET /team/info)")
	})

	t.Run("info, update and delete of an unknown team are not found", func(t *testing.T) {
		ghost := e.id("team-ghost")
		_, err := e.client.TeamInfo(ctx, ghost)
		assert.True(t, litellm.IsNotFound(err), "404 shape A auth_error (compat: GET /team/info): %v", err)
		assert.Equal(t, "auth_error", asError(t, err).Type)
		_, err = e.client.UpdateTeam(ctx, litellm.TeamUpdateRequest{TeamID: ghost, MaxBudget: litellm.Set(1.0)})
		assert.True(t, litellm.IsNotFound(err), "404 shape C (compat: POST /team/update): %v", err)
		_, err = e.client.DeleteTeams(ctx, ghost)
		assert.True(t, litellm.IsNotFound(err), "404 shape C (compat: POST /team/update): %v", err)
	})

	t.Run("update sets and clears", func(t *testing.T) {
		id := e.newTeam(t, "team-upd")
		resp, err := e.client.UpdateTeam(ctx, litellm.TeamUpdateRequest{TeamID: id, MaxBudget: litellm.Set(3.0), TPMLimit: litellm.Set(50)})
		require.NoError(t, err)
		require.NotNil(t, resp.Data.MaxBudget)
		assert.InDelta(t, 3.0, *resp.Data.MaxBudget, 1e-9)
		_, err = e.client.UpdateTeam(ctx, litellm.TeamUpdateRequest{TeamID: id, MaxBudget: litellm.Null[float64]()})
		require.NoError(t, err)
		info, err := e.client.TeamInfo(ctx, id)
		require.NoError(t, err)
		assert.Nil(t, info.TeamInfo.MaxBudget, "explicit null writes null (compat: POST /team/update)")
		require.NotNil(t, info.TeamInfo.TPMLimit)
		assert.Equal(t, 50, *info.TeamInfo.TPMLimit, "unsent fields unchanged")
	})

	t.Run("update with tags", func(t *testing.T) {
		id := e.newTeam(t, "team-upd-tags")
		_, err := e.client.UpdateTeam(ctx, litellm.TeamUpdateRequest{TeamID: id, Tags: litellm.Set([]string{"a"})})
		if e.target.Premium {
			assert.NoError(t, err)
			return
		}
		// Shape C now, shape A with an object message on 1.81.x (compat: Enterprise-only features): one predicate for both.
		assert.True(t, litellm.IsEnterpriseOnly(err), "got %v", err)
		if !e.real() {
			le := asError(t, err)
			assert.Equal(t, 403, le.StatusCode)
			if e.target.Variant.ObjectErrorMessage {
				assert.Equal(t, "internal_server_error", le.Type, "shape A with message {\"error\": ...}")
			} else {
				assert.Empty(t, le.Type, "shape C has no type")
			}
		}
	})

	t.Run("block and unblock", func(t *testing.T) {
		id := e.newTeam(t, "team-block")
		team, err := e.client.BlockTeam(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, team.Blocked)
		assert.True(t, *team.Blocked)
		team, err = e.client.UnblockTeam(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, team.Blocked)
		assert.False(t, *team.Blocked)
	})

	t.Run("list is a bare array; find by alias client-side", func(t *testing.T) {
		id := e.newTeam(t, "team-list")
		teams, err := e.client.ListTeams(ctx, litellm.TeamListOptions{})
		require.NoError(t, err)
		var matches []string
		for _, tm := range teams {
			if tm.TeamAlias == id {
				matches = append(matches, tm.TeamID)
			}
		}
		assert.Equal(t, []string{id}, matches, "compat: GET /team/list")
	})

	t.Run("delete cascades to the team's keys", func(t *testing.T) {
		id := e.newTeam(t, "team-del")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{TeamID: id})
		resp, err := e.client.DeleteTeams(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, []string{id}, resp.DeletedTeams)
		_, err = e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsNotFound(err), "compat: POST /team/delete")
		_, err = e.client.DeleteTeams(ctx, id)
		assert.True(t, litellm.IsNotFound(err), "second delete → 404: treat as done")
	})

	t.Run("info has no model table; list has it", func(t *testing.T) {
		id := e.id("team-aliases")
		e.cleanupTeam(t, id)
		aliases := map[string]string{"ct-alias": testModel}
		_, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id, TeamAlias: id, ModelAliases: aliases})
		require.NoError(t, err)
		info, err := e.client.TeamInfo(ctx, id)
		require.NoError(t, err)
		assert.Nil(t, info.TeamInfo.LiteLLMModelTable, "/team/info reads the row without the model table: compare model aliases elsewhere")
		teams, err := e.client.ListTeams(ctx, litellm.TeamListOptions{})
		require.NoError(t, err)
		for _, tm := range teams {
			if tm.TeamID == id {
				require.NotNil(t, tm.LiteLLMModelTable, "/team/list joins it")
				assert.Equal(t, map[string]any{"ct-alias": testModel}, tm.LiteLLMModelTable["model_aliases"])
			}
		}
	})

	t.Run("budget reset is aligned to the calendar", func(t *testing.T) {
		id := e.id("team-reset")
		e.cleanupTeam(t, id)
		before := time.Now().UTC()
		team, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id, MaxBudget: ptr(1.0), BudgetDuration: "1d"})
		require.NoError(t, err)
		require.NotNil(t, team.BudgetResetAt)
		got := team.BudgetResetAt.UTC()
		midnight := time.Date(before.Year(), before.Month(), before.Day()+1, 0, 0, 0, 0, time.UTC)
		aligned := got.Equal(midnight)
		unaligned := got.Sub(before.Add(24*time.Hour)).Abs() < time.Minute
		switch {
		case e.real():
			assert.True(t, aligned || unaligned, "the next midnight (current), or now + 1d (older): %s", got)
		case e.target.Variant.TeamBudgetResetUnaligned:
			assert.True(t, unaligned, "older: now + 1d, got %s", got)
		default:
			assert.True(t, aligned, "current: the next midnight UTC, got %s", got)
		}
	})

	t.Run("find by alias without listing every team", func(t *testing.T) {
		alias := e.id("lookup")
		var want []string
		for i, a := range []string{alias, alias + "-other", alias} {
			id := e.id("lookup-" + strconv.Itoa(i))
			e.cleanupTeam(t, id)
			_, err := e.client.NewTeam(ctx, litellm.TeamNewRequest{TeamID: id, TeamAlias: a})
			require.NoError(t, err)
			if a == alias {
				want = append(want, id)
			}
		}
		v2, full := e.calls("GET", "/v2/team/list"), e.calls("GET", "/team/list")
		teams, err := e.client.TeamsByAlias(ctx, alias)
		require.NoError(t, err)
		got := make([]string, 0, len(teams))
		for _, tm := range teams {
			got = append(got, tm.TeamID)
		}
		assert.ElementsMatch(t, want, got, "exact matches only: the partial match of /v2/team/list is filtered")
		if e.real() {
			return
		}
		if e.target.Variant.NoTeamListV2 {
			assert.Equal(t, full+1, e.calls("GET", "/team/list"), "an older proxy: /v2 answers 404, /team/list is read")
		} else {
			assert.Equal(t, full, e.calls("GET", "/team/list"), "/team/list (every team, every key row) is not read")
			assert.Equal(t, v2+1, e.calls("GET", "/v2/team/list"), "one page")
		}
	})
}

// testTeamMembers covers member_add, member_update and member_delete (compat: Teams).
func (e *env) testTeamMembers(t *testing.T) {
	ctx := context.Background()

	t.Run("add, add again, update, delete, delete again", func(t *testing.T) {
		team := e.newTeam(t, "members")
		user := e.newUser(t, "member")
		add := litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}, MaxBudgetInTeam: ptr(2.0)}
		resp, err := e.client.AddTeamMember(ctx, add)
		require.NoError(t, err)
		assert.Contains(t, resp.MembersWithRoles, litellm.TeamMember{UserID: user, Role: litellm.RoleUser})

		_, err = e.client.AddTeamMember(ctx, add)
		assert.True(t, litellm.IsAlreadyExists(err), "team_member_already_in_team (compat: POST /team/member_add): %v", err)

		upd, err := e.client.UpdateTeamMember(ctx, litellm.TeamMemberUpdateRequest{TeamID: team, UserID: user, MaxBudgetInTeam: ptr(4.0)})
		require.NoError(t, err)
		require.NotNil(t, upd.MaxBudgetInTeam)
		assert.InDelta(t, 4.0, *upd.MaxBudgetInTeam, 1e-9)
		info, err := e.client.TeamInfo(ctx, team)
		require.NoError(t, err)
		var budget *float64
		for _, m := range info.TeamMemberships {
			if m.UserID == user && m.LiteLLMBudgetTable != nil {
				budget = m.LiteLLMBudgetTable.MaxBudget
			}
		}
		require.NotNil(t, budget, "max_budget_in_team lives in litellm_budget_table (compat: GET /team/info)")
		assert.InDelta(t, 4.0, *budget, 1e-9)

		_, err = e.client.DeleteTeamMember(ctx, litellm.TeamMemberDeleteRequest{TeamID: team, UserID: user})
		require.NoError(t, err)
		_, err = e.client.DeleteTeamMember(ctx, litellm.TeamMemberDeleteRequest{TeamID: team, UserID: user})
		assert.True(t, litellm.IsNotFound(err), "400 'not found in team' (compat: POST /team/member_delete): %v", err)
	})

	t.Run("admin role is Enterprise-only", func(t *testing.T) {
		if e.target.Premium {
			t.Skip("the proxy is licensed")
		}
		team := e.newTeam(t, "members-admin")
		user := e.newUser(t, "member-admin")
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleAdmin}})
		assert.True(t, litellm.IsEnterpriseOnly(err), "400 shape C (compat: Enterprise-only features): %v", err)
		assert.Equal(t, "role", litellm.EnterpriseField(err))
		_, err = e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		require.NoError(t, err)
		_, err = e.client.UpdateTeamMember(ctx, litellm.TeamMemberUpdateRequest{TeamID: team, UserID: user, Role: litellm.RoleAdmin})
		assert.True(t, litellm.IsEnterpriseOnly(err), "400 shape B (compat: Enterprise-only features): %v", err)
	})

	t.Run("unknown team", func(t *testing.T) {
		ghost := e.id("members-ghost")
		user := e.newUser(t, "member-ghost")
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: ghost, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		assert.True(t, litellm.IsNotFound(err), "404 C (compat: POST /team/member_add): %v", err)
		_, err = e.client.DeleteTeamMember(ctx, litellm.TeamMemberDeleteRequest{TeamID: ghost, UserID: user})
		assert.True(t, litellm.IsNotFound(err), "400 'does not exist' (compat: POST /team/member_delete): %v", err)
		_, err = e.client.UpdateTeamMember(ctx, litellm.TeamMemberUpdateRequest{TeamID: ghost, UserID: user, MaxBudgetInTeam: ptr(1.0)})
		assert.True(t, litellm.IsNotFound(err), "400 'does not exist' (compat: POST /team/member_update): %v", err)
	})

	t.Run("member delete and the member's team keys", func(t *testing.T) {
		team := e.newTeam(t, "members-keys")
		user := e.newUser(t, "member-keys")
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		require.NoError(t, err)
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{TeamID: team, UserID: user})
		_, err = e.client.DeleteTeamMember(ctx, litellm.TeamMemberDeleteRequest{TeamID: team, UserID: user})
		require.NoError(t, err)
		_, err = e.client.KeyInfo(ctx, raw)
		switch {
		case e.real():
			assert.True(t, err == nil || litellm.IsNotFound(err), "either, depending on the release: %v", err)
		case e.target.Variant.KeepMemberKeysOnMemberDelete:
			assert.NoError(t, err, "≈1.8x keeps the keys (compat: POST /team/member_delete)")
		default:
			assert.True(t, litellm.IsNotFound(err), "current releases delete them (compat: POST /team/member_delete): %v", err)
		}
	})

	t.Run("add of a member already in the team", func(t *testing.T) {
		team := e.newTeam(t, "members-again")
		user := e.newUser(t, "member-again")
		email := e.id("member-again") + "@example.com"
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, UserEmail: email, Role: litellm.RoleUser}})
		require.NoError(t, err)
		_, err = e.client.UpdateTeamMember(ctx, litellm.TeamMemberUpdateRequest{TeamID: team, UserID: user, MaxBudgetInTeam: ptr(1.0)})
		require.NoError(t, err)

		_, err = e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		switch {
		case e.real():
			assert.True(t, err == nil || litellm.IsAlreadyExists(err), "200 on current releases, 400 before: %v", err)
		case e.target.Variant.MemberAddDuplicate400:
			assert.True(t, litellm.IsAlreadyExists(err), "older: a match by user_id is a duplicate: %v", err)
		default:
			assert.NoError(t, err, "current: user_id and email must both match to be refused, so this answers 200")
		}
		_, err = e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser},
			MaxBudgetInTeam: ptr(7.0)})
		if !e.real() && !e.target.Variant.MemberAddDuplicate400 {
			assert.Equal(t, 500, statusOf(err), "with a budget, creating the existing membership row fails: observe before adding: %v", err)
		}
		info, err := e.client.TeamInfo(ctx, team)
		require.NoError(t, err)
		n := 0
		for _, m := range info.TeamInfo.MembersWithRoles {
			if m.UserID == user {
				n++
			}
		}
		assert.Equal(t, 1, n, "listed once")
		if budget := memberBudget(info, user); assert.NotNil(t, budget) && !e.real() {
			assert.InDelta(t, 1.0, *budget, 1e-9, "the member budget is unchanged")
		}
	})

	t.Run("a member budget can be removed", func(t *testing.T) {
		team := e.newTeam(t, "members-budget")
		user := e.newUser(t, "member-budget")
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}, MaxBudgetInTeam: ptr(2.0)})
		require.NoError(t, err)
		_, err = e.client.UpdateTeamMember(ctx, litellm.TeamMemberUpdateRequest{TeamID: team, UserID: user, RemoveMaxBudgetInTeam: true})
		require.NoError(t, err)
		info, err := e.client.TeamInfo(ctx, team)
		require.NoError(t, err)
		budget := memberBudget(info, user)
		switch {
		case e.real():
			assert.True(t, budget == nil || *budget == 2.0, "removed (current) or kept (older): %v", budget)
		case e.target.Variant.MemberBudgetNullIgnored:
			require.NotNil(t, budget, "older releases ignore the null")
			assert.InDelta(t, 2.0, *budget, 1e-9)
		default:
			assert.Nil(t, budget, "max_budget_in_team: null removes it")
		}
	})
}

// memberBudget is a member's max_budget_in_team as /team/info shows it, nil when unset.
func memberBudget(info *litellm.TeamInfoResponse, userID string) *float64 {
	for _, m := range info.TeamMemberships {
		if m.UserID == userID && m.LiteLLMBudgetTable != nil {
			return m.LiteLLMBudgetTable.MaxBudget
		}
	}
	return nil
}
