package monitoring_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
	"github.com/litellm-operator/litellm-operator/test/monitoring"
)

// TestMetricsFollowLiteLLM: spend changed in LiteLLM (as requests through the proxy would change
// it) shows on the metrics endpoint after the next resync, for keys, users and teams.
func TestMetricsFollowLiteLLM(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "app")
	user := newUser(ns, "alice")
	team := newTeam(ns, "platform")
	for _, obj := range []conditioned{vk, user, team} {
		require.NoError(t, env.k8s.Create(context.Background(), obj))
	}
	for _, obj := range []conditioned{vk, user, team} {
		waitReady(t, obj)
	}
	t.Cleanup(func() {
		for _, obj := range []client.Object{vk, user, team} {
			deleteAndWait(t, obj)
		}
	})

	require.True(t, env.sim.SetKeySpend(vk.Status.TokenID, 4.25))
	require.True(t, env.sim.SetUserSpend(user.Status.UserID, 12.5))
	require.True(t, env.sim.SetTeamSpend(team.Status.TeamID, 33))

	cases := []struct {
		reason string
		metric string
		obj    client.Object
		labels map[string]string
		value  float64
	}{
		{"a key's spend", "litellm_virtualkey_spend_usd", vk, map[string]string{"key_alias": vk.Spec.KeyAlias}, 4.25},
		{"a key's max budget", "litellm_virtualkey_max_budget_usd", vk, nil, 10},
		{"a key's soft budget", "litellm_virtualkey_soft_budget_usd", vk, nil, 8},
		{"a Ready key", "litellm_virtualkey_ready", vk, map[string]string{"reason": v1alpha1.ReasonAvailable}, 1},
		{"a Synced key", "litellm_virtualkey_synced", vk, map[string]string{"reason": v1alpha1.ReasonReconcileSuccess}, 1},
		{"a key that is not blocked", "litellm_virtualkey_blocked", vk, nil, 0},
		{"a user's spend, named by the User (no email: personal data)", "litellm_user_spend_usd", user, map[string]string{"name": user.Name, "user_email": ""}, 12.5},
		{"a user's max budget", "litellm_user_max_budget_usd", user, nil, 20},
		{"a team's spend", "litellm_team_spend_usd", team, map[string]string{"team_alias": team.Spec.TeamAlias}, 33},
		{"a team's max budget", "litellm_team_max_budget_usd", team, nil, 100},
		{"a Ready team", "litellm_team_ready", team, nil, 1},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			waitForSeries(t, tc.metric, tc.obj, tc.reason, func(s []monitoring.Series) bool {
				if len(s) != 1 || s[0].Value != tc.value {
					return false
				}
				for k, v := range tc.labels {
					if s[0].Labels[k] != v {
						return false
					}
				}
				return true
			})
		})
	}

	t.Run("times are seconds since the epoch, as the status says", func(t *testing.T) {
		require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKeyFromObject(vk), vk))
		for metric, status := range map[string]string{
			"litellm_virtualkey_expiry_timestamp_seconds":       vk.Status.Expires,
			"litellm_virtualkey_budget_reset_timestamp_seconds": vk.Status.BudgetResetAt,
		} {
			at, ok := metrics.ParseTime(status)
			require.True(t, ok, "%s in status: %q", metric, status)
			waitForSeries(t, metric, vk, metric, hasValue(float64(at.Unix())))
		}
	})

	t.Run("LiteLLM calls are counted by endpoint for the failing-calls alert", func(t *testing.T) {
		infos := monitoring.Select(scrape(t), "litellm_client_requests_total", map[string]string{"endpoint": "/key/info", "method": "GET", "code": "200"})
		require.Len(t, infos, 1)
		assert.Positive(t, infos[0].Value)
	})
}

// TestSeriesFollowTheObject: one series per object and family; a changed alias replaces it and a
// deleted object's series are gone once the object is.
func TestSeriesFollowTheObject(t *testing.T) {
	ns := newNamespace(t)
	cases := []struct {
		reason string
		obj    conditioned
		metric string
	}{
		{"a VirtualKey", newVirtualKey(ns, "gone"), "litellm_virtualkey_spend_usd"},
		{"a User", newUser(ns, "gone"), "litellm_user_spend_usd"},
		{"a Team", newTeam(ns, "gone"), "litellm_team_spend_usd"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			require.NoError(t, env.k8s.Create(context.Background(), tc.obj))
			waitReady(t, tc.obj)
			waitForSeries(t, tc.metric, tc.obj, "a series", hasValue(0))

			deleteAndWait(t, tc.obj)
			// The series go in the reconcile that removes the finalizer, which the API server's
			// delete follows: a scrape shortly after the object is gone has none left.
			for _, metric := range []string{tc.metric, strings.Replace(tc.metric, "_spend_usd", "_ready", 1), strings.Replace(tc.metric, "_spend_usd", "_synced", 1)} {
				waitForSeries(t, metric, tc.obj, "no series after deletion", absent)
			}
		})
	}

	t.Run("a changed alias replaces the series", func(t *testing.T) {
		// A key's alias cannot change (the API server refuses it); a team's can.
		team := newTeam(ns, "renamed")
		require.NoError(t, env.k8s.Create(context.Background(), team))
		t.Cleanup(func() { deleteAndWait(t, team) })
		waitReady(t, team)
		oldAlias, newAlias := team.Spec.TeamAlias, team.Spec.TeamAlias+"-new"
		waitForSeries(t, "litellm_team_spend_usd", team, "the first alias", func(s []monitoring.Series) bool {
			return len(s) == 1 && s[0].Labels["team_alias"] == oldAlias
		})

		patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"spec":{"teamAlias":%q}}`, newAlias))
		require.NoError(t, env.k8s.Patch(context.Background(), team, patch))
		// Every scrape on the way holds exactly one series for the team: never the old and the
		// new alias side by side.
		var both atomic.Bool
		waitForSeries(t, "litellm_team_spend_usd", team, "the new alias only", func(s []monitoring.Series) bool {
			if len(s) > 1 {
				both.Store(true)
			}
			return len(s) == 1 && s[0].Labels["team_alias"] == newAlias
		})
		assert.False(t, both.Load(), "a scrape held two series for one team")
	})
}

// TestNoKeyInMetrics: no series names a key, its hash or the master key, whatever the object, nor a
// user's email (personal data).
func TestNoKeyInMetrics(t *testing.T) {
	ns := newNamespace(t)
	const given = "sk-given-by-the-spec-0123456789abcdef"
	objs := []conditioned{
		newVirtualKey(ns, "generated"),
		newVirtualKey(ns, "given", func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = given }),
		func() conditioned {
			u := newUser(ns, "bob")
			u.Spec.AutoCreateKey = ptr.To(true)
			u.Spec.KeyAlias = ns + "-bob-key"
			return u
		}(),
		newTeam(ns, "secrets"),
	}
	for _, obj := range objs {
		require.NoError(t, env.k8s.Create(context.Background(), obj))
	}
	for _, obj := range objs {
		waitReady(t, obj)
	}
	t.Cleanup(func() {
		for _, obj := range objs {
			deleteAndWait(t, obj)
		}
	})

	// Every secret the cluster and LiteLLM hold: raw keys from the key Secrets, their hashes from
	// the status, LiteLLM's own view of every key, and the master key.
	secrets := map[string]string{"master key": masterKey, "given key": given}
	for _, obj := range objs {
		if u, ok := obj.(*v1alpha1.User); ok {
			secrets["email of User "+u.Name] = u.Spec.UserEmail
		}
	}
	keys := &v1alpha1.VirtualKeyList{}
	require.NoError(t, env.k8s.List(context.Background(), keys, client.InNamespace(ns)))
	require.Len(t, keys.Items, 3, "two keys and the user's own")
	for i := range keys.Items {
		// The User's own key is created by the User's reconcile and may be Ready after the User.
		vk := &keys.Items[i]
		waitReady(t, vk)
		secret := &corev1.Secret{}
		require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: vk.Status.KeySecretRef}, secret))
		secrets["raw key of "+vk.Name] = string(secret.Data[v1alpha1.KeySecretDataKey])
		secrets["hash of "+vk.Name] = vk.Status.TokenID
	}
	for _, k := range env.sim.Keys() {
		secrets["LiteLLM token "+k.Token] = k.Token
	}
	for what, s := range secrets {
		require.NotEmpty(t, s, what)
	}

	waitForSeries(t, "litellm_virtualkey_ready", &keys.Items[0], "the keys' series", hasValue(1))
	all := scrape(t)
	ours := 0
	for _, s := range all {
		if strings.HasPrefix(s.Name, "litellm_") && s.Labels["namespace"] == ns {
			ours++
		}
		for label, value := range s.Labels {
			assert.NotContains(t, value, "sk-", "label %s of %s", label, s)
			for what, secret := range secrets {
				assert.NotContains(t, value, secret, "label %s of %s holds the %s", label, s.Name, what)
			}
		}
	}
	assert.Positive(t, ours, "the scan saw this test's objects")
}
