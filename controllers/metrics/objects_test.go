package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
	"github.com/litellm-operator/litellm-operator/test/monitoring"
)

const (
	rawKey  = "sk-live-0123456789abcdef0123456789abcdef"
	keyHash = "3f2b8c1d9e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
)

func conditions(ready, synced metav1.ConditionStatus, readyReason, syncedReason string) []metav1.Condition {
	return []metav1.Condition{
		{Type: v1alpha1.ConditionTypeReady, Status: ready, Reason: readyReason},
		{Type: v1alpha1.ConditionTypeSynced, Status: synced, Reason: syncedReason},
	}
}

func virtualKey(mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	vk := &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"},
		Spec:       v1alpha1.VirtualKeySpec{KeyAlias: "team-a-app", Key: rawKey, MaxBudget: ptr.To("10")},
		Status: v1alpha1.VirtualKeyStatus{
			Conditions: conditions(metav1.ConditionTrue, metav1.ConditionTrue, v1alpha1.ReasonAvailable, v1alpha1.ReasonReconcileSuccess),
			KeyID:      keyHash, Token: keyHash, TokenID: keyHash, KeyName: "sk-...cdef", KeySecretRef: "app-key",
			Spend: "2.5", CurrentSpend: "2.5", MaxBudget: "10", SoftBudget: "8",
			Expires: "2026-12-01T00:00:00Z", BudgetResetAt: "2026-12-01T00:00:00Z", BudgetDuration: "30d",
			TeamID: "team-a-platform", UserID: "alice",
		},
	}
	for _, m := range mutate {
		m(vk)
	}
	return vk
}

// scrape serves the collector as the manager's endpoint would and reads it back.
func scrape(t *testing.T, objects *metrics.Objects) []string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(objects))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	series, err := monitoring.ParseText(rec.Body)
	require.NoError(t, err)
	out := make([]string, 0, len(series))
	for _, s := range series {
		out = append(out, s.String())
	}
	sort.Strings(out)
	return out
}

func TestObjectsSeries(t *testing.T) {
	const keyLabels = `key_alias="team-a-app",name="app",namespace="team-a"`
	cases := []struct {
		reason string
		obj    client.Object
		want   []string
	}{
		{
			reason: "A reconciled key has every family, labelled by namespace, name and alias; times are seconds since the epoch.",
			obj:    virtualKey(),
			want: []string{
				`litellm_virtualkey_blocked{` + keyLabels + `} 0`,
				`litellm_virtualkey_budget_reset_timestamp_seconds{` + keyLabels + `} 1.7960832e+09`,
				`litellm_virtualkey_expiry_timestamp_seconds{` + keyLabels + `} 1.7960832e+09`,
				`litellm_virtualkey_info{` + keyLabels + `,team_id="team-a-platform",user_id="alice"} 1`,
				`litellm_virtualkey_max_budget_usd{` + keyLabels + `} 10`,
				`litellm_virtualkey_ready{` + keyLabels + `,reason="Available"} 1`,
				`litellm_virtualkey_soft_budget_usd{` + keyLabels + `} 8`,
				`litellm_virtualkey_spend_usd{` + keyLabels + `} 2.5`,
				`litellm_virtualkey_synced{` + keyLabels + `,reason="ReconcileSuccess"} 1`,
			},
		},
		{
			reason: "Unset budgets and expiry have no series; a blocked, unavailable key says so with its reasons.",
			obj: virtualKey(func(vk *v1alpha1.VirtualKey) {
				vk.Status.MaxBudget, vk.Status.SoftBudget, vk.Status.Expires, vk.Status.BudgetResetAt = "", "", "", ""
				vk.Status.TeamID, vk.Status.UserID = "", ""
				vk.Status.Blocked = true
				vk.Status.Conditions = conditions(metav1.ConditionFalse, metav1.ConditionFalse, v1alpha1.ReasonUnavailable, v1alpha1.ReasonLiteLLMError)
			}),
			want: []string{
				`litellm_virtualkey_blocked{` + keyLabels + `} 1`,
				`litellm_virtualkey_info{` + keyLabels + `,team_id="",user_id=""} 1`,
				`litellm_virtualkey_ready{` + keyLabels + `,reason="Unavailable"} 0`,
				`litellm_virtualkey_spend_usd{` + keyLabels + `} 2.5`,
				`litellm_virtualkey_synced{` + keyLabels + `,reason="LiteLLMError"} 0`,
			},
		},
		{
			reason: "A key that was never observed in LiteLLM has no spend yet, and counts as not Ready and not Synced.",
			obj: &v1alpha1.VirtualKey{
				ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"},
				Spec:       v1alpha1.VirtualKeySpec{KeyAlias: "team-a-app"},
			},
			want: []string{
				`litellm_virtualkey_blocked{` + keyLabels + `} 0`,
				`litellm_virtualkey_info{` + keyLabels + `,team_id="",user_id=""} 1`,
				`litellm_virtualkey_ready{` + keyLabels + `,reason="Unknown"} 0`,
				`litellm_virtualkey_synced{` + keyLabels + `,reason="Unknown"} 0`,
			},
		},
		{
			reason: "A user is labelled by its email.",
			obj: &v1alpha1.User{
				ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "alice"},
				Spec:       v1alpha1.UserSpec{UserEmail: "alice@example.com"},
				Status: v1alpha1.UserStatus{
					Conditions: conditions(metav1.ConditionTrue, metav1.ConditionTrue, v1alpha1.ReasonAvailable, v1alpha1.ReasonReconcileSuccess),
					Spend:      "1.25", MaxBudget: "50", SoftBudget: "40", BudgetResetAt: "2026-12-01T00:00:00Z",
					Token: keyHash, KeyName: "sk-...cdef",
				},
			},
			want: []string{
				`litellm_user_blocked{name="alice",namespace="team-a"} 0`,
				`litellm_user_budget_reset_timestamp_seconds{name="alice",namespace="team-a"} 1.7960832e+09`,
				`litellm_user_max_budget_usd{name="alice",namespace="team-a"} 50`,
				`litellm_user_ready{name="alice",namespace="team-a",reason="Available"} 1`,
				`litellm_user_soft_budget_usd{name="alice",namespace="team-a"} 40`,
				`litellm_user_spend_usd{name="alice",namespace="team-a"} 1.25`,
				`litellm_user_synced{name="alice",namespace="team-a",reason="ReconcileSuccess"} 1`,
			},
		},
		{
			reason: "A team is labelled by its alias; its info series carries the LiteLLM team ID for joins with keys.",
			obj: &v1alpha1.Team{
				ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "platform"},
				Spec:       v1alpha1.TeamSpec{TeamAlias: "Platform"},
				Status: v1alpha1.TeamStatus{
					Conditions: conditions(metav1.ConditionTrue, metav1.ConditionFalse, v1alpha1.ReasonAvailable, v1alpha1.ReasonConnectionError),
					Spend:      "7", MaxBudget: "100", TeamID: "team-a-platform",
				},
			},
			want: []string{
				`litellm_team_blocked{name="platform",namespace="team-a",team_alias="Platform"} 0`,
				`litellm_team_info{name="platform",namespace="team-a",team_alias="Platform",team_id="team-a-platform"} 1`,
				`litellm_team_max_budget_usd{name="platform",namespace="team-a",team_alias="Platform"} 100`,
				`litellm_team_ready{name="platform",namespace="team-a",reason="Available",team_alias="Platform"} 1`,
				`litellm_team_spend_usd{name="platform",namespace="team-a",team_alias="Platform"} 7`,
				`litellm_team_synced{name="platform",namespace="team-a",reason="ConnectionError",team_alias="Platform"} 0`,
			},
		},
		{
			reason: "An association reports Ready and Synced, labelled by team alias and user email.",
			obj: &v1alpha1.TeamMemberAssociation{
				ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "alice-platform"},
				Spec:       v1alpha1.TeamMemberAssociationSpec{TeamAlias: "Platform", UserEmail: "alice@example.com"},
				Status: v1alpha1.TeamMemberAssociationStatus{
					Conditions: conditions(metav1.ConditionFalse, metav1.ConditionFalse, v1alpha1.ReasonCreating, v1alpha1.ReasonWaiting),
				},
			},
			want: []string{
				`litellm_teammemberassociation_ready{name="alice-platform",namespace="team-a",reason="Creating",team_alias="Platform"} 0`,
				`litellm_teammemberassociation_synced{name="alice-platform",namespace="team-a",reason="Waiting",team_alias="Platform"} 0`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			objects := metrics.NewObjects()
			objects.Observe(nil, tc.obj)
			got := scrape(t, objects)
			assert.Equal(t, tc.want, got, tc.reason)
			for _, line := range got {
				for _, secret := range []string{rawKey, keyHash, "sk-"} {
					assert.NotContains(t, line, secret, "no series may carry a key or its hash")
				}
			}
		})
	}
}

func TestObjectsLifecycle(t *testing.T) {
	names := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "litellm_virtualkey_spend_usd") || strings.HasPrefix(l, "litellm_team_spend_usd") {
				out = append(out, l)
			}
		}
		return out
	}
	team := &v1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"}, // same name as the key: another kind
		Spec:       v1alpha1.TeamSpec{TeamAlias: "Platform"},
		Status:     v1alpha1.TeamStatus{Spend: "7"},
	}
	cases := []struct {
		reason string
		steps  func(o *metrics.Objects)
		want   []string
	}{
		{
			reason: "A resync with a new spend replaces the value: one series per object.",
			steps: func(o *metrics.Objects) {
				o.Observe(nil, virtualKey())
				o.Observe(nil, virtualKey(func(vk *v1alpha1.VirtualKey) { vk.Status.Spend = "3.75" }))
			},
			want: []string{`litellm_virtualkey_spend_usd{key_alias="team-a-app",name="app",namespace="team-a"} 3.75`},
		},
		{
			reason: "A changed alias replaces the series: the old alias is gone at once.",
			steps: func(o *metrics.Objects) {
				o.Observe(nil, virtualKey())
				o.Observe(nil, virtualKey(func(vk *v1alpha1.VirtualKey) { vk.Spec.KeyAlias = "renamed" }))
			},
			want: []string{`litellm_virtualkey_spend_usd{key_alias="renamed",name="app",namespace="team-a"} 2.5`},
		},
		{
			reason: "Forget drops the object's series and only that kind's: a Team of the same name stays.",
			steps: func(o *metrics.Objects) {
				o.Observe(nil, virtualKey())
				o.Observe(nil, team)
				o.Forget(&v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"}})
			},
			want: []string{`litellm_team_spend_usd{name="app",namespace="team-a",team_alias="Platform"} 7`},
		},
		{
			reason: "An object in another namespace is another object.",
			steps: func(o *metrics.Objects) {
				o.Observe(nil, virtualKey())
				o.Observe(nil, virtualKey(func(vk *v1alpha1.VirtualKey) { vk.Namespace = "team-b"; vk.Spec.KeyAlias = "team-b-app" }))
				o.Forget(&v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"}})
			},
			want: []string{`litellm_virtualkey_spend_usd{key_alias="team-b-app",name="app",namespace="team-b"} 2.5`},
		},
		{
			reason: "Objects of other types are ignored.",
			steps: func(o *metrics.Objects) {
				o.Observe(nil, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"}})
				o.Forget(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app"}})
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			objects := metrics.NewObjects()
			tc.steps(objects)
			assert.Equal(t, tc.want, names(scrape(t, objects)), tc.reason)
		})
	}
}

func TestFamilyNames(t *testing.T) {
	names := metrics.FamilyNames()
	assert.Len(t, names, 25, "every family is listed once")
	seen := map[string]bool{}
	for _, n := range names {
		assert.True(t, strings.HasPrefix(n, "litellm_"), n)
		assert.False(t, seen[n], "%s is listed twice", n)
		seen[n] = true
	}
	// Collecting describes exactly these families.
	ch := make(chan *prometheus.Desc, 100)
	metrics.NewObjects().Describe(ch)
	close(ch)
	described := 0
	for d := range ch {
		described++
		assert.True(t, slices.ContainsFunc(names, func(n string) bool { return strings.Contains(d.String(), `"`+n+`"`) }), d.String())
	}
	assert.Equal(t, len(names), described)
}

// A scrape reads the series while reconciles replace them: each scrape sees every object once,
// with the values of one reconcile or the next, never a mix or a torn label set (run with -race).
func TestObjectsScrapeDuringObserve(t *testing.T) {
	objects := metrics.NewObjects()
	objects.Observe(nil, virtualKey())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			spend := "2.5"
			if i%2 == 1 {
				spend = "3.75"
			}
			objects.Observe(nil, virtualKey(func(vk *v1alpha1.VirtualKey) { vk.Status.Spend = spend }))
		}
	}()
	for range 20 {
		var spend []string
		for _, l := range scrape(t, objects) {
			if strings.HasPrefix(l, "litellm_virtualkey_spend_usd") {
				spend = append(spend, l)
			}
		}
		require.Len(t, spend, 1, "one series per object")
		assert.Contains(t, []string{
			`litellm_virtualkey_spend_usd{key_alias="team-a-app",name="app",namespace="team-a"} 2.5`,
			`litellm_virtualkey_spend_usd{key_alias="team-a-app",name="app",namespace="team-a"} 3.75`,
		}, spend[0])
	}
	<-done
}
