package controllers

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
)

func testTenancy(prefix string, policy *connection.Policy) tenancy {
	obj := &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "alice"}}
	var grant *connection.Grant
	if policy != nil {
		grant = &connection.Grant{Instance: "litellm/shared", Policy: *policy}
	}
	return newTenancy("prod", kindUser, obj, grant, prefix)
}

func reasonOf(err error) string {
	var me *managed.Error
	if errors.As(err, &me) {
		return me.Reason
	}
	return ""
}

func TestCheckIdentity(t *testing.T) {
	cases := []struct {
		reason, prefix, id string
		refused            bool
	}{
		{"unset", "", "", false},
		{"the object's own derived ID", "", "team-a.alice", false},
		{"another name in the namespace", "", "team-a.bob", true},
		{"another namespace's", "", "team-b.alice", true},
		{"with the prefix", "c1.", "c1.team-b.alice", true},
		{"without the prefix it is not a derived ID of this installation", "c1.", "team-b.alice", false},
		{"an email is no derived ID (the first part is no namespace name)", "", "alice@example.com", false},
		{"a UUID has no dot", "", "2b9c0f1e-4c1d-4b7a-9d10-7f3a5e1c2b3d", false},
		{"upper case is no namespace name", "", "Team-B.alice", false},
		{"a dotted name after a namespace-like part is", "", "john.doe", true},
		{"nothing after the dot", "", "team-b.", false},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			err := testTenancy(tc.prefix, nil).checkIdentity("spec.userID", tc.id)
			if !tc.refused {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, v1alpha1.ReasonInvalidSpec, reasonOf(err))
		})
	}
}

func TestOwnershipRules(t *testing.T) {
	ours := map[string]any{ownership.Key: "prod/User/team-a/alice"}
	foreign := map[string]any{ownership.Key: "prod/User/team-b/alice"}
	cases := []struct {
		reason   string
		policy   *connection.Policy
		metadata map[string]any
		proof    string
		similar  bool
		stamp    bool
		refused  bool
	}{
		{reason: "stamped as this object's", policy: &connection.Policy{}, metadata: ours},
		{reason: "another object's, even with full rights", metadata: foreign, proof: "derived", refused: true},
		{reason: "unstamped with a proof", policy: &connection.Policy{}, proof: "its ID is derived", stamp: true},
		{reason: "unstamped, full rights", stamp: true},
		{reason: "unstamped, granted, no proof", policy: &connection.Policy{}, similar: true, refused: true},
		{reason: "unstamped, adoptUnstamped, matching", policy: &connection.Policy{AdoptUnstamped: true}, similar: true, stamp: true},
		{reason: "unstamped, adoptUnstamped, another email", policy: &connection.Policy{AdoptUnstamped: true}, refused: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			v := testTenancy("", tc.policy).ownership(`user "x"`, tc.metadata, tc.proof, tc.similar)
			if tc.refused {
				require.Error(t, v.notOurs)
				assert.Equal(t, v1alpha1.ReasonNotOwned, reasonOf(v.notOurs))
				assert.NotContains(t, v.notOurs.Error(), "team-b", "the message does not say whose it is")
				return
			}
			require.NoError(t, v.notOurs)
			assert.Equal(t, tc.stamp, v.stamp != "")
		})
	}
}

// TestTakeOverLimits: what a granted object never takes over, whichever rule would let it.
func TestTakeOverLimits(t *testing.T) {
	adopt := connection.Policy{AdoptUnstamped: true, Teams: []string{"sandbox"}, Users: []string{"ci-bot"}}
	cases := []struct {
		reason   string
		policy   *connection.Policy
		kind, id string
		role     string
		want     string
	}{
		{"an internal user", &adopt, kindUser, "bob", "internal_user", ""},
		{"a user without a role (LiteLLM's default)", &adopt, kindUser, "bob", "", ""},
		{"an admin", &adopt, kindUser, "root", "proxy_admin", v1alpha1.ReasonNotPermitted},
		{"an admin viewer", &adopt, kindUser, "auditor", "proxy_admin_viewer", v1alpha1.ReasonNotPermitted},
		{"an admin the policy's userRoles allow", &connection.Policy{AdoptUnstamped: true, UserRoles: []string{"proxy_admin"}}, kindUser, "root", "proxy_admin", ""},
		{"an admin, with full rights", nil, kindUser, "root", "proxy_admin", ""},
		{"a team the policy shares", &adopt, kindTeam, "sandbox", "", v1alpha1.ReasonNotOwned},
		{"a user the policy shares", &adopt, kindUser, "ci-bot", "internal_user", v1alpha1.ReasonNotOwned},
		{"a team of the same ID as a shared user", &adopt, kindTeam, "ci-bot", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			v := testTenancy("", tc.policy).takeOver(verdict{stamp: "the rule"}, tc.kind, tc.id, "it", tc.role)
			assert.Equal(t, tc.want, reasonOf(v.notOurs))
		})
	}
	t.Run("a verdict that takes nothing over is left as it is", func(t *testing.T) {
		refused := refusal(errors.New("no"))
		assert.Equal(t, refused, testTenancy("", &adopt).takeOver(refused, kindUser, "root", "it", "proxy_admin"))
		assert.Equal(t, verdict{}, testTenancy("", &adopt).takeOver(verdict{}, kindTeam, "sandbox", "it", ""))
	})
}

func TestReferenceRules(t *testing.T) {
	own := map[string]any{ownership.Key: "prod/Team/team-a/research"}
	other := map[string]any{ownership.Key: "prod/Team/team-b/research"}
	read := func(md map[string]any, found bool) func(context.Context) (map[string]any, bool, error) {
		return func(context.Context) (map[string]any, bool, error) { return md, found, nil }
	}
	cases := []struct {
		reason string
		policy *connection.Policy
		id     string
		md     map[string]any
		found  bool
		want   string
	}{
		{"full rights reference anything", nil, "x", other, true, ""},
		{"the namespace's own team", &connection.Policy{}, "research", own, true, ""},
		{"another namespace's team", &connection.Policy{}, "research", other, true, v1alpha1.ReasonNotPermitted},
		{"listed in the policy", &connection.Policy{Teams: []string{"shared"}}, "shared", nil, false, ""},
		{"unknown, and not the namespace's derived form: the same refusal as another's", &connection.Policy{}, "ghost", nil, false, v1alpha1.ReasonNotPermitted},
		{"unknown, of the namespace's derived form: waits for it", &connection.Policy{}, "team-a.research", nil, false, v1alpha1.ReasonDependencyMissing},
		{"a team unstamped (made outside the operator)", &connection.Policy{}, "outside", map[string]any{}, true, v1alpha1.ReasonNotPermitted},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			err := testTenancy("", tc.policy).reference(context.Background(), kindTeam, tc.id, read(tc.md, tc.found))
			assert.Equal(t, tc.want, reasonOf(err))
		})
	}
	t.Run("the refusal reads the same whether the team exists or not", func(t *testing.T) {
		tn := testTenancy("", &connection.Policy{})
		exists := tn.reference(context.Background(), kindTeam, "t1", read(other, true))
		missing := tn.reference(context.Background(), kindTeam, "t1", read(nil, false))
		assert.Equal(t, exists.Error(), missing.Error())
	})
}

func TestSpecRules(t *testing.T) {
	limit := connection.Amount(10)
	strict := &connection.Policy{MaxBudget: &limit, Models: []string{"gpt-4o"}}
	cases := []struct {
		reason string
		policy *connection.Policy
		spec   v1alpha1.VirtualKeySpec
		refuse string
	}{
		{"full rights: no policy", nil, v1alpha1.VirtualKeySpec{AllowedRoutes: []string{"/key/generate"}}, ""},
		{"within the policy", strict, v1alpha1.VirtualKeySpec{MaxBudget: ptr.To("10"), Models: []string{"gpt-4o"}}, ""},
		{"above the ceiling", strict, v1alpha1.VirtualKeySpec{MaxBudget: ptr.To("10.5"), Models: []string{"gpt-4o"}}, "above the ceiling"},
		{"a budget row under a ceiling", strict, v1alpha1.VirtualKeySpec{MaxBudget: ptr.To("1"), BudgetID: "b", Models: []string{"gpt-4o"}}, "budgetID"},
		{"every model", strict, v1alpha1.VirtualKeySpec{MaxBudget: ptr.To("1")}, "every model"},
		{"an alias off the list", strict, v1alpha1.VirtualKeySpec{MaxBudget: ptr.To("1"), Models: []string{"gpt-4o"},
			Aliases: map[string]string{"cheap": "o1"}}, "the models o1"},
		{"management routes", &connection.Policy{}, v1alpha1.VirtualKeySpec{AllowedRoutes: []string{"/team/new"}}, "management routes /team/new"},
		{"management routes allowed", &connection.Policy{ManagementRoutes: true}, v1alpha1.VirtualKeySpec{AllowedRoutes: []string{"/team/new"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			err := testTenancy("", tc.policy).checkKeySpec(&tc.spec)
			if tc.refuse == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, v1alpha1.ReasonNotPermitted, reasonOf(err))
			assert.Contains(t, err.Error(), tc.refuse)
			assert.Contains(t, err.Error(), "litellm/shared", "the message names the instance whose owner decides")
		})
	}
}
