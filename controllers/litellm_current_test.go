package controllers_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// The operator against what current LiteLLM releases do (docs/litellm-compatibility.md): each test
// runs against a simulator of its own with its defaults (current behaviour), so its call counts
// are the object's alone.

// syncedFor reports Synced=True for the object's current generation.
func syncedFor[T conditioned](obj T) bool {
	s := condition(obj, v1alpha1.ConditionTypeSynced)
	return s != nil && s.Status == metav1.ConditionTrue && s.ObservedGeneration == obj.GetGeneration()
}

// eventsWith lists the Events about obj with that reason.
func eventsWith(t *testing.T, obj client.Object, reason string) []eventsv1.Event {
	t.Helper()
	var out []eventsv1.Event
	for _, e := range events(t, obj) {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// TestTeamModelAliasesConverge: /team/info does not return a team's model table (compat: Team
// model aliases), so the spec is compared with the table LiteLLM last reported on /team/new or
// /team/update. Over ten resyncs nothing is written and no drift is reported.
func TestTeamModelAliasesConverge(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	tm := newTeam(ns, "aliases", func(tm *v1alpha1.Team) {
		tm.Spec.ModelAliases = map[string]string{"fast": "gpt-4o-mini"}
		tm.Spec.ConnectionRef = secretRef("own")
	})
	create(t, tm)
	waitUntil(t, tm, "ready", ready[*v1alpha1.Team])
	stored, ok := sim.Team(tm.Status.TeamID)
	require.True(t, ok)
	require.Equal(t, map[string]any{"fast": "gpt-4o-mini"}, stored.ModelAliases,
		"the aliases reached LiteLLM's model table")
	// The reconcile that follows the first status write has finished once one more has.
	waitForReconciles(t, tm, reconciles(tm), 1)

	writes, reads := writesTo(sim), sim.Calls(http.MethodGet, "/team/info")
	waitForReconciles(t, tm, reconciles(tm), 10)
	assert.Equal(t, writes, writesTo(sim), "ten resyncs write nothing to LiteLLM (no /team/update)")
	assert.GreaterOrEqual(t, sim.Calls(http.MethodGet, "/team/info")-reads, 10, "each resync read the team")
	assert.Zero(t, len(eventsWith(t, tm, managed.EventDriftRepaired)), "no drift is reported")
	get(t, tm)
	assert.True(t, ready(tm), "the team stays Ready and Synced")
}

// TestKeySoftBudgetChangeIsIgnored: /key/update accepts soft_budget and keeps the old value
// (compat: Key budgets). A change after creation is not sent, never reported as applied, and is
// named once in a Warning Event and in the Synced message.
func TestKeySoftBudgetChangeIsIgnored(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	vk := newVirtualKey(ns, "soft", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.SoftBudget = ptr.To("5")
		vk.Spec.ConnectionRef = secretRef("own")
	})
	create(t, vk)
	waitReady(t, vk)
	require.Zero(t, len(eventsWith(t, vk, managed.EventFieldIgnored)), "nothing is ignored at creation")
	writes := writesTo(sim)

	patchMerge(t, vk, `{"spec":{"softBudget":"8"}}`)
	waitForVK(t, vk, "the change reported as ignored", func(vk *v1alpha1.VirtualKey) bool {
		s := condition(vk, v1alpha1.ConditionTypeSynced)
		return syncedFor(vk) && strings.Contains(s.Message, "softBudget")
	})
	assert.Equal(t, "5", vk.Status.SoftBudget, "status keeps the soft budget LiteLLM holds")
	waitForEvent(t, vk, managed.EventFieldIgnored)

	from := reconciles(vk)
	waitForReconciles(t, vk, from, 3)
	assert.Equal(t, writes, writesTo(sim), "nothing was sent that LiteLLM would ignore, then or at resync")
	reported := eventsWith(t, vk, managed.EventFieldIgnored)
	require.Len(t, reported, 1, "reported once")
	assert.Nil(t, reported[0].Series, "and not repeated at resync")
	assert.Contains(t, reported[0].Note, "softBudget", "the Event names the field")
	assert.Zero(t, len(eventsWith(t, vk, managed.EventUpdated)), "never reported as applied")
}

// TestUserFieldsLiteLLMDoesNotStore: /user/new accepts soft_budget, aliases, permissions and
// blocked but keeps none of them (compat: POST /user/new). The User says so once, and resyncs do
// not try to apply them.
func TestUserFieldsLiteLLMDoesNotStore(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	u := newUser(ns, "jane", func(u *v1alpha1.User) {
		u.Spec.SoftBudget = ptr.To("5")
		u.Spec.Aliases = map[string]string{"fast": "gpt-4o"}
		u.Spec.Blocked = ptr.To(false)
		u.Spec.ConnectionRef = secretRef("own")
	})
	create(t, u)
	waitUntil(t, u, "ready", ready[*v1alpha1.User])
	waitForEvent(t, u, managed.EventFieldIgnored)
	msg := condition(u, v1alpha1.ConditionTypeSynced).Message
	assert.Contains(t, msg, "softBudget, aliases, blocked", "the Synced message names the fields")

	writes := writesTo(sim)
	waitForReconciles(t, u, reconciles(u), 3)
	assert.Equal(t, writes, writesTo(sim), "no update loop: nothing is re-sent at resync")
	reported := eventsWith(t, u, managed.EventFieldIgnored)
	require.Len(t, reported, 1, "reported once")
	assert.Nil(t, reported[0].Series, "and not repeated at resync")
	for _, field := range []string{"softBudget", "aliases", "blocked"} {
		assert.Contains(t, reported[0].Note, field)
	}
}

// TestUnknownBudgetID: LiteLLM answers an unknown budget_id with a generic 500; the client confirms
// it with /budget/info. The key waits with DependencyMissing, naming the budget, and tries again
// at resync only (once per reconcile, no retries in between); it is created once the budget exists.
func TestUnknownBudgetID(t *testing.T) {
	for _, tc := range []struct {
		name  string
		proxy litellmsim.Options
	}{
		{"the operator chooses key values", litellmsim.Options{}},
		{"LiteLLM generates key values (disable_custom_api_keys)", litellmsim.Options{DisableCustomAPIKeys: true}},
	} {
		t.Run(tc.name, func(t *testing.T) { testUnknownBudgetID(t, tc.proxy) })
	}
}

func testUnknownBudgetID(t *testing.T, proxy litellmsim.Options) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", proxy)
	vk := newVirtualKey(ns, "budgeted", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.BudgetID = "no-such-budget"
		vk.Spec.ConnectionRef = secretRef("own")
	})
	// A healthy key alongside is the clock: it reconciles once per resync period.
	clock := newVirtualKey(ns, "clock", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("own") })
	create(t, clock)
	waitReady(t, clock)
	create(t, vk)
	waitForVK(t, vk, "DependencyMissing", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonDependencyMissing))
	assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, `"no-such-budget"`, "the message names the budget")
	assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, "spec.budgetID")

	generated, ticks, tries := sim.Calls(http.MethodPost, "/key/generate"), reconciles(clock), reconciles(vk)
	waitForReconciles(t, clock, ticks, 2)
	tried := reconciles(vk) - tries
	assert.LessOrEqual(t, tried, 3, "the key is tried again about once per resync, not in a hot loop")
	assert.LessOrEqual(t, sim.Calls(http.MethodPost, "/key/generate")-generated, tried, "one /key/generate per reconcile: no retries")
	assert.Len(t, eventsWith(t, vk, v1alpha1.ReasonDependencyMissing), 1, "reported once")

	lc, err := litellm.New(litellm.Config{BaseURL: sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	newBudget(t, sim.URL(), "no-such-budget")
	exists, err := lc.BudgetExists(context.Background(), "no-such-budget")
	require.NoError(t, err)
	require.True(t, exists)
	waitReady(t, vk)
	k, ok := sim.KeyByHash(vk.Status.TokenID)
	require.True(t, ok)
	assert.Equal(t, "no-such-budget", k.BudgetID, "created at a resync once the budget exists")
}

// newBudget makes a budget row with /budget/new, as a proxy administrator would.
func newBudget(t *testing.T, baseURL, id string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, baseURL+"/budget/new",
		bytes.NewReader([]byte(`{"budget_id":"`+id+`","max_budget":100}`)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+masterKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestEnforcedParamsWithoutEnterprise: a free proxy accepts enforced_params and refuses every
// request made with the key (compat: Enforced params). The key says so (Ready=False) before a
// request fails; a connection Secret that declares the proxy licensed makes it Ready.
func TestEnforcedParamsWithoutEnterprise(t *testing.T) {
	ns := newNamespace(t)
	free := newSimulator(t, ns, "free", litellmsim.Options{})
	vk := newVirtualKey(ns, "enforced", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.EnforcedParams = []string{"user"}
		vk.Spec.ConnectionRef = secretRef("free")
	})
	create(t, vk)
	waitForVK(t, vk, "Ready=False before any request", func(vk *v1alpha1.VirtualKey) bool {
		return hasCondition(v1alpha1.ConditionTypeReady, metav1.ConditionFalse, v1alpha1.ReasonUnavailable)(vk) &&
			hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)(vk)
	})
	msg := condition(vk, v1alpha1.ConditionTypeReady).Message
	assert.Contains(t, msg, "enforcedParams")
	assert.Contains(t, msg, connection.EnterpriseDataKey, "the message says how to declare a licensed proxy")
	assert.False(t, vk.Status.IsActive)
	_, found := free.KeyByHash(vk.Status.TokenID)
	require.True(t, found, "the free proxy accepted the key")
	code, _ := chat(t, free.URL(), rawKey(t, vk), "gpt-4o")
	assert.Equal(t, http.StatusInternalServerError, code, "and refuses its requests, as reported")

	licensed := newSimulator(t, ns, "licensed", litellmsim.Options{Premium: true})
	secret := &corev1.Secret{}
	secret.Namespace, secret.Name = ns, "licensed"
	patchMerge(t, secret, `{"data":{"`+connection.EnterpriseDataKey+`":"dHJ1ZQ=="}}`) // "true"
	onLicensed := newVirtualKey(ns, "enforced-licensed", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.EnforcedParams = []string{"user"}
		vk.Spec.ConnectionRef = secretRef("licensed")
	})
	create(t, onLicensed)
	waitReady(t, onLicensed)
	assert.True(t, onLicensed.Status.IsActive)
	_, found = licensed.KeyByHash(onLicensed.Status.TokenID)
	assert.True(t, found)
}

// TestMemberBudgetRemoved: a maxBudgetInTeam removed from the spec is cleared with an explicit null
// (compat: Team members); a release that ignores the null is reported once with FieldNotCleared.
func TestMemberBudgetRemoved(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      litellmsim.Variant
		cleared      bool
	}{
		{name: "current", reason: "a null removes the member budget", cleared: true},
		{name: "null ignored", reason: "older releases keep it, and the answer shows it",
			variant: litellmsim.Variant{MemberBudgetNullIgnored: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			sim := newSimulator(t, ns, "own", litellmsim.Options{Variant: tc.variant})
			own := func(ref *v1alpha1.ConnectionRef) { *ref = secretRef("own") }
			tm := newTeam(ns, "data", func(tm *v1alpha1.Team) { own(&tm.Spec.ConnectionRef) })
			u := newUser(ns, "jane", func(u *v1alpha1.User) { own(&u.Spec.ConnectionRef) })
			m := newMembership(ns, "jane-data", tm.Spec.TeamAlias, u.Spec.UserEmail)
			own(&m.Spec.ConnectionRef)
			create(t, tm)
			create(t, u)
			create(t, m)
			waitUntil(t, m, "ready", ready[*v1alpha1.TeamMemberAssociation])
			row, ok := sim.Membership(m.Status.TeamID, m.Status.UserID)
			require.True(t, ok)
			require.NotNil(t, row.MaxBudgetInTeam)
			require.InDelta(t, 5, *row.MaxBudgetInTeam, 1e-9)

			patchMerge(t, m, `{"spec":{"maxBudgetInTeam":null}}`)
			waitUntil(t, m, "the new spec applied", ready[*v1alpha1.TeamMemberAssociation])
			assert.NotContains(t, m.Status.ManagedFields, "max_budget_in_team", "no longer managed")
			row, ok = sim.Membership(m.Status.TeamID, m.Status.UserID)
			require.True(t, ok, "still a member")
			if tc.cleared {
				assert.Nil(t, row.MaxBudgetInTeam, tc.reason)
				assert.Zero(t, len(eventsWith(t, m, controllers.EventFieldNotCleared)), "nothing to report")
				return
			}
			assert.NotNil(t, row.MaxBudgetInTeam, tc.reason)
			waitForEvent(t, m, controllers.EventFieldNotCleared)
			writes := writesTo(sim)
			waitForReconciles(t, m, reconciles(m), 2)
			assert.Equal(t, writes, writesTo(sim), "not sent again")
			assert.Len(t, eventsWith(t, m, controllers.EventFieldNotCleared), 1, "reported once")
		})
	}
}

// TestKeyChangeEnforcedAtOnce: LiteLLM enforces a cached copy of a key (compat: Auth cache); the
// operator addresses /key/update by the raw key from its Secret, so LiteLLM drops that copy and a
// lowered budget refuses the very next request (the stale cache after an update by hash is
// unverified on a live proxy; the simulator models it as read in LiteLLM's source). The suite's
// secret scan checks that the raw key
// reached no log, Event or status on the way.
func TestKeyChangeEnforcedAtOnce(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{AuthCacheTTL: litellmsim.DefaultAuthCacheTTL})
	vk := newVirtualKey(ns, "cached", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("own") })
	create(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)
	code, body := chat(t, sim.URL(), raw, "gpt-4o")
	require.Equal(t, http.StatusOK, code, body) // LiteLLM now holds the key in its auth cache

	patchMerge(t, vk, `{"spec":{"maxBudget":"0.01"}}`)
	waitForVK(t, vk, "the new budget applied", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, ""))
	k, _ := sim.KeyByHash(hash(raw))
	require.NotNil(t, k.MaxBudget)
	require.InDelta(t, 0.01, *k.MaxBudget, 1e-9)
	code, body = chat(t, sim.URL(), raw, "gpt-4o")
	assert.Equal(t, http.StatusUnprocessableEntity, code, "the next request is refused, within the cache's lifetime: %s", body)
}

// TestMembershipFindsTeamByAlias: an association whose team has no Team object here finds it with
// /v2/team/list?team_alias= (compat: Listing teams), never by downloading every team with
// /team/list, except on a proxy without /v2/team/list.
func TestMembershipFindsTeamByAlias(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      litellmsim.Variant
		fullList     bool
	}{
		{name: "current", reason: "the paged, filtered listing"},
		{name: "no v2", reason: "older proxies: /team/list, filtered", variant: litellmsim.Variant{NoTeamListV2: true}, fullList: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			sim := newSimulator(t, ns, "own", litellmsim.Options{Variant: tc.variant})
			lc, err := litellm.New(litellm.Config{BaseURL: sim.URL(), MasterKey: masterKey})
			require.NoError(t, err)
			ctx := context.Background()
			for i, alias := range []string{"external", "external-other", "the-external"} { // partial matches are not taken
				_, err = lc.NewTeam(ctx, litellm.TeamNewRequest{TeamID: "ext-team-" + string(rune('a'+i)), TeamAlias: alias})
				require.NoError(t, err)
			}
			_, err = lc.NewUser(ctx, litellm.UserNewRequest{UserID: "ext-user", UserEmail: "ext@example.com", AutoCreateKey: ptr.To(false)})
			require.NoError(t, err)

			m := newMembership(ns, "ext", "external", "ext@example.com")
			m.Spec.ConnectionRef = secretRef("own")
			create(t, m)
			waitUntil(t, m, "ready", ready[*v1alpha1.TeamMemberAssociation])
			assert.Equal(t, "ext-team-a", m.Status.TeamID, "the exact match")
			_, ok := sim.Membership("ext-team-a", "ext-user")
			assert.True(t, ok)
			if tc.fullList {
				assert.Positive(t, sim.Calls(http.MethodGet, "/team/list"), tc.reason)
				return
			}
			assert.Zero(t, sim.Calls(http.MethodGet, "/team/list"), "every team is never downloaded")
			assert.Positive(t, sim.Calls(http.MethodGet, "/v2/team/list"), tc.reason)
		})
	}
}
