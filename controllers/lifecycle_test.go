package controllers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// lifecycleKey is a VirtualKey whose LiteLLM keys carry the test's namespace in their metadata,
// so every key it ever had (with or without alias) can be counted in the simulator.
func lifecycleKey(ns string, mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	return newVirtualKey(ns, "svc", append([]func(*v1alpha1.VirtualKey){func(vk *v1alpha1.VirtualKey) {
		vk.Spec.Metadata = map[string]string{"test": ns}
	}}, mutate...)...)
}

// createLifecycleKey creates vk and deletes it when the test ends, so that it adds no LiteLLM
// calls to later tests that count them (e.g. when the simulator's state is wiped).
func createLifecycleKey(t *testing.T, vk *v1alpha1.VirtualKey) {
	t.Helper()
	create(t, vk)
	t.Cleanup(func() { deleteAndWait(t, vk) })
}

// lifecycleFaults scopes the simulator's faults to the keys of the test's VirtualKey, old and new.
func lifecycleFaults(ns string) litellmsim.Faults {
	return env.sim.For(litellmsim.Match{KeyMetadata: "test=" + ns})
}

// liveKeys lists the hashes of the keys in LiteLLM that belong to the test's VirtualKey.
func liveKeys(ns string) []string {
	var out []string
	for _, k := range env.sim.Keys() {
		if k.Metadata["test"] == ns {
			out = append(out, k.Token)
		}
	}
	return out
}

func keySecret(t *testing.T, vk *v1alpha1.VirtualKey) *corev1.Secret {
	t.Helper()
	get(t, vk)
	secret := &corev1.Secret{}
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: vk.Namespace, Name: vk.Status.KeySecretRef}, secret))
	return secret
}

func rotated(from string) func(*v1alpha1.VirtualKey) bool {
	return func(vk *v1alpha1.VirtualKey) bool {
		return vk.Status.TokenID != "" && vk.Status.TokenID != from && vk.Status.KeyAlias == vk.Spec.KeyAlias &&
			hasCondition(v1alpha1.ConditionTypeSynced, "True", "")(vk)
	}
}

// TestRotationGracePeriod: during the grace period both keys are accepted and the alias is on the
// new key; after it only the new key works.
func TestRotationGracePeriod(t *testing.T) {
	ns := newNamespace(t)
	vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) { vk.Spec.Rotation = &v1alpha1.KeyRotation{GracePeriod: "5s"} })
	createLifecycleKey(t, vk)
	waitReady(t, vk)
	oldRaw := rawKey(t, vk)

	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"r1"}}}`)
	waitForVK(t, vk, "rotated with a grace period", rotated(hash(oldRaw)))
	newRaw := rawKey(t, vk)
	require.NotEqual(t, oldRaw, newRaw)
	require.Len(t, vk.Status.RetiringKeys, 1)
	assert.Equal(t, hash(oldRaw), vk.Status.RetiringKeys[0].TokenID)
	assert.NotEmpty(t, vk.Status.LastRotation)
	assert.Equal(t, "r1", vk.Status.RotationRequest)

	code, _ := chat(t, env.sim.URL(), oldRaw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "the old key works during the grace period")
	code, _ = chat(t, env.sim.URL(), newRaw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "the new key works")
	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1, "the alias is on one key")
	assert.Equal(t, hash(newRaw), keys[0].Token)
	assert.ElementsMatch(t, []string{hash(oldRaw), hash(newRaw)}, liveKeys(ns))

	require.Eventually(t, func() bool {
		_, found := env.sim.KeyByHash(hash(oldRaw))
		return !found
	}, waitTimeout, 100*time.Millisecond, "the old key is deleted when the grace period is over")
	code, _ = chat(t, env.sim.URL(), oldRaw, "gpt-4o")
	assert.Equal(t, http.StatusUnauthorized, code, "the old key is refused after the grace period")
	code, _ = chat(t, env.sim.URL(), newRaw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code)
	waitForVK(t, vk, "retiring keys cleared", func(vk *v1alpha1.VirtualKey) bool { return len(vk.Status.RetiringKeys) == 0 })
	assert.Equal(t, []string{hash(newRaw)}, liveKeys(ns))
	for _, reason := range []string{"Rotating", "Rotated", "RetiredKeyDeleted"} {
		waitForEvent(t, vk, reason)
	}

	// Deleting the VirtualKey during a grace period deletes the replaced key too.
	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"r2"}}}`)
	waitForVK(t, vk, "rotated again", rotated(hash(newRaw)))
	rawKey(t, vk)
	require.Len(t, liveKeys(ns), 2)
	deleteAndWait(t, vk)
	assert.Empty(t, liveKeys(ns), "no key is left behind")
}

// TestRotationGracePeriodUnderFaults: a rotation interrupted at any step (a lost response, a
// proxy failing between steps) ends with one live key, the one in the Secret.
func TestRotationGracePeriodUnderFaults(t *testing.T) {
	cases := []struct {
		step string
		// inject installs the fault, scoped to the test's keys by their metadata: the new key is
		// generated without alias and the old one gives its alias up. want is how many calls it
		// must hit.
		inject func(f litellmsim.Faults) *litellmsim.Fault
		want   int
	}{
		{"the /key/generate response is lost", func(f litellmsim.Faults) *litellmsim.Fault {
			return f.DropAfterApply("/key/generate", 1)
		}, 1},
		{"the response that moves the alias is lost", func(f litellmsim.Faults) *litellmsim.Fault {
			return f.DropAfterApply("/key/update", 1)
		}, 1},
		{"the proxy fails between steps", func(f litellmsim.Faults) *litellmsim.Fault {
			return f.FailNext("/key/update", http.StatusServiceUnavailable, 6)
		}, 6},
		{"the retired key's deletion response is lost", func(f litellmsim.Faults) *litellmsim.Fault {
			return f.DropAfterApply("/key/delete", 1)
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.step, func(t *testing.T) {
			ns := newNamespace(t)
			t.Cleanup(env.sim.ClearFaults)
			vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) { vk.Spec.Rotation = &v1alpha1.KeyRotation{GracePeriod: "2s"} })
			createLifecycleKey(t, vk)
			waitReady(t, vk)
			oldRaw := rawKey(t, vk)

			fault := tc.inject(lifecycleFaults(ns))
			patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"crash"}}}`)
			waitForVK(t, vk, "rotation finished and the grace period over", func(vk *v1alpha1.VirtualKey) bool {
				return rotated(hash(oldRaw))(vk) && len(vk.Status.RetiringKeys) == 0
			})
			newRaw := rawKey(t, vk)
			require.Eventually(t, func() bool { return len(liveKeys(ns)) == 1 }, waitTimeout, 100*time.Millisecond,
				"one live key once the grace period is over")
			assert.Equal(t, []string{hash(newRaw)}, liveKeys(ns), "and it is the Secret's key")
			code, _ := chat(t, env.sim.URL(), newRaw, "gpt-4o")
			assert.Equal(t, http.StatusOK, code)
			keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
			require.Len(t, keys, 1)
			assert.Equal(t, hash(newRaw), keys[0].Token)
			requireHits(t, tc.want, fault)
		})
	}
}

// TestScheduledRotation: with spec.rotation.every the key is rotated when due, not before.
func TestScheduledRotation(t *testing.T) {
	ns := newNamespace(t)
	vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) {
		vk.Spec.Rotation = &v1alpha1.KeyRotation{Every: "10s", GracePeriod: "0s"}
	})
	createLifecycleKey(t, vk) // deleted at the end: the schedule would go on rotating
	waitReady(t, vk)
	first := rawKey(t, vk)
	waitForVK(t, vk, "next rotation shown", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.NextRotation != "" })
	due, err := time.Parse(time.RFC3339, vk.Status.NextRotation)
	require.NoError(t, err)
	assert.Equal(t, vk.CreationTimestamp.Add(10*time.Second).UTC(), due.UTC(), "the first rotation is due 10s after creation")

	waitForVK(t, vk, "scheduled rotation", rotated(hash(first)))
	last, err := time.Parse(time.RFC3339, vk.Status.LastRotation)
	require.NoError(t, err)
	assert.False(t, last.Before(due), "the rotation happened when due (%s), not before (%s)", due, last)
	second := rawKey(t, vk)
	assert.Equal(t, []string{hash(second)}, liveKeys(ns), "gracePeriod 0s deletes the old key at once")
	next, err := time.Parse(time.RFC3339, vk.Status.NextRotation)
	require.NoError(t, err)
	assert.Equal(t, last.Add(10*time.Second), next, "the next rotation counts from the last one")
	waitForEvent(t, vk, "Rotated")
}

// TestRenewAnnotation: a new auth.litellm.ai/renew value moves the expiry once; a resync does not.
func TestRenewAnnotation(t *testing.T) {
	ns := newNamespace(t)
	vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) { vk.Spec.Duration = "1h" })
	createLifecycleKey(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)
	k, _ := env.sim.KeyByHash(hash(raw))
	require.NotNil(t, k.Expires)
	before := *k.Expires

	env.sim.AdvanceClock(time.Minute) // so that LiteLLM's now + 1h is a later instant
	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/renew":"2026-11-25"}}}`)
	waitForVK(t, vk, "renewal honoured", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.RenewRequest == "2026-11-25" })
	k, _ = env.sim.KeyByHash(hash(raw))
	require.NotNil(t, k.Expires)
	renewed := *k.Expires
	assert.True(t, renewed.After(before), "the expiry moved: %s -> %s", before, renewed)
	waitForEvent(t, vk, "Renewed")

	updates, reads := keyFaults(vk).Watch("/key/update"), keyFaults(vk).Watch("/key/info")
	t.Cleanup(env.sim.ClearFaults)
	waitForReconciles(t, vk, reconciles(vk), 2)
	k, _ = env.sim.KeyByHash(hash(raw))
	assert.Equal(t, renewed, *k.Expires, "a resync does not renew again")
	requireHits(t, 0, updates)
	assert.GreaterOrEqual(t, reads.Hits(), 2, "the watches see this key's calls: each resync read it")
	assert.Equal(t, []string{hash(raw)}, liveKeys(ns), "renewal keeps the same key")
}

// TestSecretTemplate: the template's labels, annotations and base URL appear on the key Secret
// and follow spec changes; what others put on the Secret is left alone.
func TestSecretTemplate(t *testing.T) {
	ns := newNamespace(t)
	vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) {
		vk.Spec.SecretTemplate = &v1alpha1.KeySecretTemplate{
			Labels:      map[string]string{"replicate": "yes"},
			Annotations: map[string]string{"reloader.stakater.com/match": "true"},
			BaseURLKey:  "OPENAI_BASE_URL",
		}
	})
	createLifecycleKey(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)
	secret := keySecret(t, vk)
	assert.Equal(t, "yes", secret.Labels["replicate"])
	assert.Equal(t, v1alpha1.ManagedByValue, secret.Labels[v1alpha1.LabelManagedBy], "the operator's labels stay")
	assert.Equal(t, "true", secret.Annotations["reloader.stakater.com/match"])
	assert.Equal(t, env.sim.URL(), string(secret.Data["OPENAI_BASE_URL"]))
	assert.Equal(t, raw, string(secret.Data["key"]))

	// Someone else's label on the Secret is left alone.
	patchMerge(t, secret, `{"metadata":{"labels":{"team":"payments"}}}`)
	patchMerge(t, vk, `{"spec":{"secretTemplate":{"labels":{"replicate":null,"tier":"gold"},"baseURLKey":"LITELLM_URL"}}}`)
	require.Eventually(t, func() bool {
		s := keySecret(t, vk)
		_, oldLabel := s.Labels["replicate"]
		_, oldData := s.Data["OPENAI_BASE_URL"]
		return s.Labels["tier"] == "gold" && !oldLabel && !oldData && string(s.Data["LITELLM_URL"]) == env.sim.URL()
	}, waitTimeout, 100*time.Millisecond, "the Secret follows the template")
	secret = keySecret(t, vk)
	assert.Equal(t, "payments", secret.Labels["team"], "labels the template never set are kept")
	assert.Equal(t, "true", secret.Annotations["reloader.stakater.com/match"])
	assert.Equal(t, raw, string(secret.Data["key"]))

	// A rotation replaces the key and keeps the template's data.
	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"1"}}}`)
	waitForVK(t, vk, "rotated", rotated(hash(raw)))
	newRaw := rawKey(t, vk)
	secret = keySecret(t, vk)
	assert.Equal(t, newRaw, string(secret.Data["key"]))
	assert.Equal(t, env.sim.URL(), string(secret.Data["LITELLM_URL"]))
	assert.Equal(t, "gold", secret.Labels["tier"])
}

// TestLifecycleValidation: the API server refuses invalid rotation and template settings.
func TestLifecycleValidation(t *testing.T) {
	ns := newNamespace(t)
	for name, mutate := range map[string]func(*v1alpha1.VirtualKey){
		"bad grace period": func(vk *v1alpha1.VirtualKey) { vk.Spec.Rotation = &v1alpha1.KeyRotation{GracePeriod: "1d"} },
		"schedule too short": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.Rotation = &v1alpha1.KeyRotation{Every: "1s"}
		},
		"grace longer than schedule": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.Rotation = &v1alpha1.KeyRotation{Every: "1h", GracePeriod: "2h"}
		},
		"schedule with spec.key": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.Key = "sk-mine-0123456789"
			vk.Spec.Rotation = &v1alpha1.KeyRotation{Every: "720h"}
		},
		"keyFrom with spec.key": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.Key = "sk-mine-0123456789"
			vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "s", Key: "k"}}
		},
		"baseURLKey is key": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.SecretTemplate = &v1alpha1.KeySecretTemplate{BaseURLKey: "key"}
		},
		"operator label": func(vk *v1alpha1.VirtualKey) {
			vk.Spec.SecretTemplate = &v1alpha1.KeySecretTemplate{Labels: map[string]string{v1alpha1.LabelVirtualKey: "x"}}
		},
	} {
		err := env.k8s.Create(context.Background(), newVirtualKey(ns, "invalid", mutate))
		assert.Error(t, err, name)
	}
	vk := newVirtualKey(ns, "defaults", func(vk *v1alpha1.VirtualKey) { vk.Spec.Rotation = &v1alpha1.KeyRotation{} })
	createLifecycleKey(t, vk)
	assert.Equal(t, "1h", vk.Spec.Rotation.GracePeriod, "gracePeriod defaults to 1h")
}

// TestKeyFromSecret: a key value of the user's own Secret is registered in LiteLLM (or adopted when
// a key with that value exists already), never copied anywhere, and changing it rotates the key.
func TestKeyFromSecret(t *testing.T) {
	ns := newNamespace(t)
	value := "sk-byo-" + ns + "-0123456789abcdef"
	seenRawKeys.Store(value, true)
	userSecret := &corev1.Secret{
		// The label is how a Secret opts in to being read through keyFrom.
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-key", Labels: map[string]string{v1alpha1.LabelKeySource: "true"}},
		StringData: map[string]string{"api-key": value},
	}
	create(t, userSecret)

	// A key created outside Kubernetes (e.g. in the UI) with that value, without alias.
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	_, err = lc.GenerateKey(context.Background(), litellm.KeyGenerateRequest{Key: value, Metadata: map[string]any{"test": ns}})
	require.NoError(t, err)

	vk := lifecycleKey(ns, func(vk *v1alpha1.VirtualKey) {
		vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "my-key", Key: "api-key"}}
		vk.Spec.Rotation = &v1alpha1.KeyRotation{GracePeriod: "0s"}
	})
	createLifecycleKey(t, vk)
	waitReady(t, vk)
	assert.Equal(t, "my-key", vk.Status.KeySecretRef, "status names the user's Secret")
	assert.Equal(t, hash(value), vk.Status.TokenID)
	assert.Equal(t, []string{hash(value)}, liveKeys(ns), "the existing key is adopted, not duplicated")
	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(value), keys[0].Token, "the adopted key got the alias")
	code, _ := chat(t, env.sim.URL(), value, "gpt-4o")
	assert.Equal(t, http.StatusOK, code)

	err = env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "svc-key"}, &corev1.Secret{})
	assert.True(t, apierrors.IsNotFound(err), "no key Secret is made: the value is written nowhere else")
	data, err := json.Marshal(vk)
	require.NoError(t, err)
	assert.NotContains(t, string(data), value, "the value is not in the VirtualKey")

	// A new value in the user's Secret rotates the key.
	next := "sk-byo-" + ns + "-fedcba9876543210"
	seenRawKeys.Store(next, true)
	patchMerge(t, userSecret, `{"stringData":{"api-key":"`+next+`"}}`)
	waitForVK(t, vk, "rotated to the new value", rotated(hash(value)))
	assert.Equal(t, hash(next), vk.Status.TokenID)
	require.Eventually(t, func() bool { return len(liveKeys(ns)) == 1 }, waitTimeout, 100*time.Millisecond)
	assert.Equal(t, []string{hash(next)}, liveKeys(ns))
	code, _ = chat(t, env.sim.URL(), next, "gpt-4o")
	assert.Equal(t, http.StatusOK, code)
	deleteAndWait(t, vk)
	assert.Empty(t, liveKeys(ns))
	get(t, userSecret)
	assert.Equal(t, next, string(userSecret.Data["api-key"]), "the user's Secret is left as it was")
}

// TestTakeOverTeamAndUser: a team and a user created outside Kubernetes are adopted by their IDs
// (an Adopted Event says so), not duplicated, and left in LiteLLM when deleted with Orphan. A
// create of the operator's own whose response was lost is not reported as a take-over.
func TestTakeOverTeamAndUser(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	teamID, userID := "ui-team-"+ns, "ui-user-"+ns
	_, err = lc.NewTeam(context.Background(), litellm.TeamNewRequest{TeamID: teamID, TeamAlias: ns + "-ui"})
	require.NoError(t, err)
	_, err = lc.NewUser(context.Background(), litellm.UserNewRequest{UserID: userID, UserEmail: "ui@" + ns + ".example.com", AutoCreateKey: new(bool)})
	require.NoError(t, err)

	tm := newTeam(ns, "ui", func(tm *v1alpha1.Team) {
		tm.Spec.TeamID = teamID
		tm.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	})
	u := newUser(ns, "ui", func(u *v1alpha1.User) {
		u.Spec.UserID = userID
		u.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	})
	create(t, tm)
	create(t, u)
	waitUntil(t, tm, "team adopted", ready[*v1alpha1.Team])
	waitUntil(t, u, "user adopted", ready[*v1alpha1.User])
	waitForEvent(t, tm, "Adopted")
	waitForEvent(t, u, "Adopted")
	teams := 0
	for _, lt := range env.sim.Teams() {
		if lt.TeamAlias == tm.Spec.TeamAlias || lt.TeamID == teamID {
			teams++
		}
	}
	assert.Equal(t, 1, teams, "no second team")
	lt, _ := env.sim.Team(teamID)
	assert.Equal(t, tm.Spec.TeamAlias, lt.TeamAlias, "the spec is applied to the adopted team")
	lu, found := env.sim.User(userID)
	require.True(t, found)
	assert.Equal(t, u.Spec.UserEmail, lu.UserEmail, "the spec is applied to the adopted user")

	deleteAndWait(t, tm)
	deleteAndWait(t, u)
	_, found = env.sim.Team(teamID)
	assert.True(t, found, "Orphan leaves the team")
	_, found = env.sim.User(userID)
	assert.True(t, found, "Orphan leaves the user")

	// The operator's own team, whose create response was lost, is not a take-over.
	t.Cleanup(env.sim.ClearFaults)
	own := newTeam(ns, "own")
	lost := env.sim.For(litellmsim.Match{TeamID: ns + ".own"}).DropAfterApply("/team/new", 1)
	create(t, own)
	waitUntil(t, own, "own team ready", ready[*v1alpha1.Team])
	assert.NotContains(t, eventReasons(t, own), "Adopted")
	requireHits(t, 1, lost)
}
