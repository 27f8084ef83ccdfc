package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// uniqueIDs makes LiteLLM IDs no other test uses on the shared simulator.
var uniqueIDs atomic.Int64

func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, uniqueIDs.Add(1))
}

// grantedTenant makes an instance namespace whose instance Secret (to the suite's simulator) grants
// a new tenant namespace, with the given policy and more annotations; it returns the tenant
// namespace and the connectionRef its objects use.
func grantedTenant(t *testing.T, policy string, annotations map[string]string) (string, v1alpha1.ConnectionRef) {
	t.Helper()
	instance, tenant := newNamespace(t), newNamespace(t)
	all := map[string]string{v1alpha1.AnnotationAllowedNamespaces: tenant}
	if policy != "" {
		all[v1alpha1.AnnotationGrantPolicy] = policy
	}
	for k, v := range annotations {
		all[k] = v
	}
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: instance, Name: sharedInstance + "-secrets", Annotations: all},
		StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()},
	})
	return tenant, v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: sharedInstance, Namespace: instance}}
}

func adminClient(t *testing.T) *litellm.Client {
	t.Helper()
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	return lc
}

// TestGrantPolicy: each setting of the grant policy, with a spec it allows and one it refuses.
// A refusal is one condition (Synced=False, NotPermitted, naming the rule and how to get it
// granted) and one Event, with no LiteLLM call and no finalizer.
func TestGrantPolicy(t *testing.T) {
	type objFunc func(ns string, conn v1alpha1.ConnectionRef, ids map[string]string) conditioned
	key := func(mutate func(*v1alpha1.VirtualKeySpec)) objFunc {
		return func(ns string, conn v1alpha1.ConnectionRef, _ map[string]string) conditioned {
			return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
				vk.Spec.ConnectionRef = conn
				mutate(&vk.Spec)
			})
		}
	}
	user := func(mutate func(*v1alpha1.UserSpec, map[string]string)) objFunc {
		return func(ns string, conn v1alpha1.ConnectionRef, ids map[string]string) conditioned {
			return newUser(ns, "u", func(u *v1alpha1.User) {
				u.Spec.ConnectionRef = conn
				mutate(&u.Spec, ids)
			})
		}
	}
	team := func(mutate func(*v1alpha1.TeamSpec, map[string]string)) objFunc {
		return func(ns string, conn v1alpha1.ConnectionRef, ids map[string]string) conditioned {
			return newTeam(ns, "t", func(tm *v1alpha1.Team) {
				tm.Spec.ConnectionRef = conn
				mutate(&tm.Spec, ids)
			})
		}
	}
	keyOn := func(field string) objFunc {
		return func(ns string, conn v1alpha1.ConnectionRef, ids map[string]string) conditioned {
			return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
				vk.Spec.ConnectionRef = conn
				if field == "team" {
					vk.Spec.TeamID = ids["team"]
				} else {
					vk.Spec.UserID = ids["user"]
				}
			})
		}
	}
	cases := []struct {
		name    string
		reason  string
		policy  string
		obj     objFunc
		refused string // a part of the refusal's message; empty when allowed
	}{
		{"userRoles default, allowed", "internal_user is a tenant's role", "",
			user(func(s *v1alpha1.UserSpec, _ map[string]string) { s.UserRole = "internal_user_viewer" }), ""},
		{"userRoles default, role unset", "LiteLLM's default role is an internal user's", "",
			user(func(s *v1alpha1.UserSpec, _ map[string]string) { s.UserRole = "" }), ""},
		{"userRoles default, refused", "no admin by default", "",
			user(func(s *v1alpha1.UserSpec, _ map[string]string) { s.UserRole = "proxy_admin" }), "userRole proxy_admin"},
		{"userRoles listed, allowed", "the owner may grant a role", `userRoles: [proxy_admin_viewer]`,
			user(func(s *v1alpha1.UserSpec, _ map[string]string) { s.UserRole = "proxy_admin_viewer" }), ""},
		{"userRoles listed, refused", "a list replaces the default", `userRoles: [proxy_admin_viewer]`,
			user(func(s *v1alpha1.UserSpec, _ map[string]string) { s.UserRole = "internal_user" }), "userRole internal_user"},

		{"teams default, refused", "a team the namespace does not own", "", keyOn("team"), "not (yet) a team of namespace"},
		{"teams listed, allowed", "the owner may share a team", `teams: [TEAM]`, keyOn("team"), ""},
		{"users default, refused", "a user the namespace does not own", "", keyOn("user"), "not (yet) a user of namespace"},
		{"users listed, allowed", "the owner may share a user", `users: [USER]`, keyOn("user"), ""},
		{"User.spec.teams default, refused", "joining a team is a reference too", "",
			user(func(s *v1alpha1.UserSpec, ids map[string]string) { s.Teams = []string{ids["team"]} }), "not (yet) a team of namespace"},
		{"User.spec.teams listed, allowed", "", `teams: [TEAM]`,
			user(func(s *v1alpha1.UserSpec, ids map[string]string) { s.Teams = []string{ids["team"]} }), ""},

		{"organizations default, refused", "an organization is shared", "",
			team(func(s *v1alpha1.TeamSpec, ids map[string]string) { s.OrganizationID = ids["org"] }), "organizationID"},
		{"organizations listed, allowed", "", `organizations: [ORG]`,
			team(func(s *v1alpha1.TeamSpec, ids map[string]string) { s.OrganizationID = ids["org"] }), ""},

		{"maxBudget within the ceiling", "", `maxBudget: 50`, key(func(s *v1alpha1.VirtualKeySpec) { s.MaxBudget = ptr.To("50") }), ""},
		{"maxBudget above the ceiling", "", `maxBudget: "50"`, key(func(s *v1alpha1.VirtualKeySpec) { s.MaxBudget = ptr.To("50.01") }), "above the ceiling of 50"},
		{"maxBudget unset under a ceiling", "no budget is every budget", `maxBudget: 50`, key(func(s *v1alpha1.VirtualKeySpec) { s.MaxBudget = nil }), "a key without maxBudget"},
		{"budgetID under a ceiling", "a budget row may allow more", `maxBudget: 50`,
			key(func(s *v1alpha1.VirtualKeySpec) { s.BudgetID = "big-budget" }), "budgetID"},
		{"a User's own key under a ceiling", "autoCreateKey makes a key with the User's budget", `maxBudget: 10`,
			user(func(s *v1alpha1.UserSpec, _ map[string]string) {
				s.AutoCreateKey, s.KeyAlias, s.MaxBudget = ptr.To(true), uniqueID("own-key"), ptr.To("20")
			}), "maxBudget 20"},

		{"models on the allow-list", "", `models: [gpt-4o, gpt-4o-mini]`, key(func(s *v1alpha1.VirtualKeySpec) { s.Models = []string{"gpt-4o-mini"} }), ""},
		{"a model off the allow-list", "", `models: [gpt-4o]`, key(func(s *v1alpha1.VirtualKeySpec) { s.Models = []string{"gpt-4o", "o1"} }), "the models o1"},
		{"models unset under an allow-list", "an empty list is every model", `models: [gpt-4o]`, key(func(s *v1alpha1.VirtualKeySpec) { s.Models = nil }), "every model"},
		{"an alias to a model off the allow-list", "aliases reach models too", `models: [gpt-4o]`,
			key(func(s *v1alpha1.VirtualKeySpec) { s.Aliases = map[string]string{"gpt-4o": "o1"} }), "the models o1"},
		{"a Team's models off the allow-list", "", `models: [gpt-4o]`,
			team(func(s *v1alpha1.TeamSpec, _ map[string]string) { s.Models = []string{"o1"} }), "the models o1"},

		{"LLM routes", "", "", key(func(s *v1alpha1.VirtualKeySpec) { s.AllowedRoutes = []string{"/chat/completions", "llm_api_routes"} }), ""},
		{"management routes by default", "", "", key(func(s *v1alpha1.VirtualKeySpec) { s.AllowedRoutes = []string{"/user/new"} }), "management routes /user/new"},
		{"managementRoutes allowed", "", `managementRoutes: true`, key(func(s *v1alpha1.VirtualKeySpec) { s.AllowedRoutes = []string{"/key/info"} }), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lc := adminClient(t)
			// A team, a user and an organization made outside the operator (so no namespace owns them).
			ids := map[string]string{"team": uniqueID("shared-team"), "user": uniqueID("shared-user"), "org": uniqueID("org")}
			_, err := lc.NewTeam(context.Background(), litellm.TeamNewRequest{TeamID: ids["team"], TeamAlias: ids["team"]})
			require.NoError(t, err)
			_, err = lc.NewUser(context.Background(), litellm.UserNewRequest{UserID: ids["user"], AutoCreateKey: new(bool)})
			require.NoError(t, err)
			env.sim.AddOrganization(ids["org"])
			policy := tc.policy
			for k, v := range map[string]string{"TEAM": ids["team"], "USER": ids["user"], "ORG": ids["org"]} {
				policy = strings.ReplaceAll(policy, k, v)
			}
			ns, conn := grantedTenant(t, policy, nil)
			obj := tc.obj(ns, conn, ids)
			create(t, obj)
			if tc.refused == "" {
				waitUntil(t, obj, "allowed", ready[conditioned])
				return
			}
			waitUntil(t, obj, "refused", syncedReason[conditioned](v1alpha1.ReasonNotPermitted))
			msg := condition(obj, v1alpha1.ConditionTypeSynced).Message
			assert.Contains(t, msg, tc.refused, "the message names the rule")
			assert.Contains(t, msg, conn.InstanceRef.Namespace+"/"+sharedInstance, "and the instance whose owner can grant it")
			assert.Empty(t, obj.GetFinalizers(), "nothing reached LiteLLM, so nothing is held")
			assert.Eventually(t, func() bool { return len(warnings(t, obj)) > 0 }, waitTimeout, 100*time.Millisecond, "a Warning Event")
			waitForReconciles(t, obj, reconciles(obj), 2)
			assert.Equal(t, []string{v1alpha1.ReasonNotPermitted}, warnings(t, obj), "one Warning Event, not one per resync")
		})
	}
}
