package controllers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// TestGuideFlow walks the user guide: apply, read the key from its Secret, call the proxy with it,
// patch the budget, read spend from status, delete.
func TestGuideFlow(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "example-service", func(vk *v1alpha1.VirtualKey) { vk.Spec.BudgetDuration = "1h" })
	create(t, vk)
	waitReady(t, vk)

	raw := rawKey(t, vk)
	assert.Equal(t, "example-service-key", vk.Status.KeySecretRef)
	assert.Equal(t, hash(raw), vk.Status.TokenID, "status carries the hash, never the raw key")
	assert.Equal(t, litellm.KeyName(raw), vk.Status.KeyName)
	assert.Equal(t, "0", vk.Status.CurrentSpend)
	assert.True(t, vk.Status.IsActive)
	assert.Equal(t, "10", vk.Status.MaxBudget)

	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(raw), keys[0].Token)
	assert.Equal(t, []string{"gpt-4o"}, keys[0].Models)
	assert.Equal(t, "1h", keys[0].BudgetDuration)

	code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "the key from the Secret works")
	code, _ = chat(t, env.sim.URL(), raw, "claude-3-sonnet")
	assert.Equal(t, http.StatusForbidden, code, "a model outside spec.models is refused")

	// kubectl patch virtualkey example-service --type=merge -p '{"spec":{"maxBudget":"200"}}'
	patchMerge(t, vk, `{"spec":{"maxBudget":"200"}}`)
	waitForVK(t, vk, "budget applied", func(vk *v1alpha1.VirtualKey) bool {
		return vk.Status.MaxBudget == "200" && vk.Status.ObservedGeneration == vk.Generation
	})
	key, _ := env.sim.KeyByHash(hash(raw))
	require.NotNil(t, key.MaxBudget)
	assert.InDelta(t, 200, *key.MaxBudget, 1e-9)
	assert.Equal(t, hash(raw), key.Token, "an update keeps the same key")
	waitForEvent(t, vk, "Updated")

	waitForVK(t, vk, "spend reported", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.CurrentSpend != "0" })
	assert.Equal(t, vk.Status.Spend, vk.Status.CurrentSpend)

	deleteAndWait(t, vk)
	_, found := env.sim.KeyByHash(hash(raw))
	assert.False(t, found, "deleting the VirtualKey deletes the key in LiteLLM")
	assert.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "example-service-key"}, &corev1.Secret{})
		return err != nil
	}, waitTimeout, 200*time.Millisecond, "the key Secret is garbage-collected")
}

// TestExactlyOneKeyUnderFaults covers every way a create can be interrupted: each must end with
// exactly one key in LiteLLM, whose hash matches the Secret.
func TestExactlyOneKeyUnderFaults(t *testing.T) {
	type hits struct {
		fault *litellmsim.Fault
		want  int
	}
	cases := []struct {
		reason string
		inject func(f litellmsim.Faults) []hits
	}{
		{reason: "the /key/generate response is lost after LiteLLM applied it",
			inject: func(f litellmsim.Faults) []hits { return []hits{{f.DropAfterApply("/key/generate", 1), 1}} }},
		{reason: "a burst of 503s",
			inject: func(f litellmsim.Faults) []hits {
				return []hits{{f.FailNext("/key/generate", http.StatusServiceUnavailable, 4), 4}}
			}},
		{reason: "429 with Retry-After",
			inject: func(f litellmsim.Faults) []hits { return []hits{{f.RateLimitNext("/key/generate", 1, time.Second), 1}} }},
		{reason: "lost responses on reads too", inject: func(f litellmsim.Faults) []hits {
			return []hits{{f.DropAfterApply("/key/generate", 1), 1}, {f.FailNext("/key/info", http.StatusBadGateway, 2), 2}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			t.Cleanup(env.sim.ClearFaults)
			vk := newVirtualKey(ns, "svc")
			injected := tc.inject(keyFaults(vk))
			create(t, vk)
			waitReady(t, vk)
			raw := rawKey(t, vk)
			keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
			require.Len(t, keys, 1, "exactly one key in LiteLLM")
			assert.Equal(t, hash(raw), keys[0].Token)
			for _, h := range injected {
				requireHits(t, h.want, h.fault)
			}
		})
	}
}

// TestProxyDownThenBack: the Secret is written before LiteLLM is called, so a create interrupted
// before the call (an operator stopped, a proxy down) resumes with the same key.
func TestProxyDownThenBack(t *testing.T) {
	ns := newNamespace(t)
	env.sim.SetDown(true)
	t.Cleanup(func() { env.sim.SetDown(false) })
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitForVK(t, vk, "connection error while the proxy is down",
		hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionError))
	assert.Equal(t, v1alpha1.ReasonCreating, condition(vk, v1alpha1.ConditionTypeReady).Reason)
	raw := rawKey(t, vk)

	env.sim.SetDown(false)
	waitReady(t, vk)
	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(raw), keys[0].Token, "the key created is the one written to the Secret before the outage")
}

// TestOutageKeepsReady: an outage makes existing keys Synced=False, not Ready=False, and they
// recover by themselves.
func TestOutageKeepsReady(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)

	env.sim.SetDown(true)
	t.Cleanup(func() { env.sim.SetDown(false) })
	waitForVK(t, vk, "Synced=False during the outage",
		hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionError))
	assert.Equal(t, metav1.ConditionTrue, condition(vk, v1alpha1.ConditionTypeReady).Status, "the key still works: Ready stays True")

	env.sim.SetDown(false)
	waitReady(t, vk)
}

// TestResyncOfUnchangedKeyWritesNothing: steady state is reads only. The key is applied as
// client-side `kubectl apply` does, with its last-applied copy, which the operator's cache drops
// and its writes must leave in place.
func TestResyncOfUnchangedKeyWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
		vk.Annotations = map[string]string{lastApplied: `{"apiVersion":"auth.litellm.ai/v1alpha1","kind":"VirtualKey"}`}
		vk.Spec.Duration = "30d"
		vk.Spec.BudgetDuration = "30d"
		vk.Spec.SoftBudget = ptr.To("5")
		vk.Spec.Metadata = map[string]string{"team": "payments", "tier": "1"}
	})
	create(t, vk)
	waitReady(t, vk)
	// The reconcile that follows the first status write has finished once one more has.
	waitForReconciles(t, vk, reconciles(vk), 1)
	get(t, vk)
	expires := vk.Status.Expires

	writesBefore := env.writes.forNamespace(ns)
	f := keyFaults(vk)
	var writes []*litellmsim.Fault
	for _, path := range []string{"/key/generate", "/key/update", "/key/block", "/key/unblock", "/key/delete"} {
		writes = append(writes, f.Watch(path))
	}
	reads := f.Watch("/key/info")
	t.Cleanup(env.sim.ClearFaults)
	waitForReconciles(t, vk, reconciles(vk), 3)

	assert.Equal(t, writesBefore, env.writes.forNamespace(ns), "no Kubernetes writes for an unchanged key")
	requireHits(t, 0, writes...)
	assert.GreaterOrEqual(t, reads.Hits(), 3, "each resync reads the key")
	get(t, vk)
	assert.Equal(t, expires, vk.Status.Expires, "a resync never resets the expiry")
	assert.Contains(t, vk.Annotations, lastApplied, "the finalizer and status writes leave kubectl's copy alone")
}

// TestKeySecretOfAnEarlierRelease: a key Secret written before the operator described keys in
// annotations (labelled and controlled, holding the key, no auth.litellm.ai/key-token) is read
// once and gets one patch that adds the annotations; after that a resync reads and writes nothing.
func TestKeySecretOfAnEarlierRelease(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)
	waitForReconciles(t, vk, reconciles(vk), 1)
	raw := rawKey(t, vk)
	get(t, vk)
	token := vk.Status.TokenID

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: vk.Status.KeySecretRef}}
	writesBefore := env.writes.forNamespace(ns)
	patchMerge(t, secret, `{"metadata":{"annotations":{"auth.litellm.ai/key-token":null,"auth.litellm.ai/key-name":null}}}`)
	require.Eventually(t, func() bool {
		get(t, secret)
		return secret.Annotations[v1alpha1.AnnotationKeyToken] != ""
	}, waitTimeout, 100*time.Millisecond, "the annotations are written back")
	assert.Equal(t, hash(raw), secret.Annotations[v1alpha1.AnnotationKeyToken])
	assert.Equal(t, litellm.KeyName(raw), secret.Annotations[v1alpha1.AnnotationKeyName])

	waitForReconciles(t, vk, reconciles(vk), 3)
	writes := env.writes.forNamespace(ns)
	for path, n := range writesBefore {
		if writes[path] -= n; writes[path] == 0 {
			delete(writes, path)
		}
	}
	assert.Equal(t, map[string]int{"PATCH /api/v1/namespaces/" + ns + "/secrets/" + secret.Name: 1}, writes,
		"one patch of the Secret's annotations, nothing else")
	get(t, vk)
	assert.Equal(t, token, vk.Status.TokenID, "the key is kept")
	assert.Equal(t, raw, rawKey(t, vk))
}

// TestDriftIsRepaired: changes made in LiteLLM outside the operator are reverted on resync.
func TestDriftIsRepaired(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)

	require.True(t, env.sim.SetKeyBudget(hash(raw), ptr.To(1000.0)))
	require.Eventually(t, func() bool {
		k, _ := env.sim.KeyByHash(hash(raw))
		return k.MaxBudget != nil && *k.MaxBudget == 10
	}, waitTimeout, 100*time.Millisecond, "budget changed in LiteLLM is put back")
	waitForEvent(t, vk, "DriftRepaired")

	require.True(t, env.sim.BlockKey(hash(raw), true))
	require.Eventually(t, func() bool {
		k, _ := env.sim.KeyByHash(hash(raw))
		return !k.Blocked
	}, waitTimeout, 100*time.Millisecond, "a key blocked outside the operator is unblocked (spec.blocked is the way to block)")

	require.True(t, env.sim.DeleteKey(hash(raw)))
	require.Eventually(t, func() bool {
		_, ok := env.sim.KeyByHash(hash(raw))
		return ok
	}, waitTimeout, 100*time.Millisecond, "a key deleted outside the operator is recreated with the same value")
	assert.Len(t, env.sim.KeysByAlias(vk.Spec.KeyAlias), 1)
	code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code)
}

// TestLostDatabase: after LiteLLM loses its state, every key comes back with its old value, so
// applications keep working without a redeploy.
func TestLostDatabase(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)

	env.sim.Wipe()
	require.Eventually(t, func() bool {
		code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
		return code == http.StatusOK
	}, waitTimeout, 200*time.Millisecond, "the same raw key works again")
	assert.Len(t, env.sim.KeysByAlias(vk.Spec.KeyAlias), 1)

	// Every earlier test's key comes back too, each with its old value.
	require.Eventually(t, func() bool { return len(missingKeys(t)) == 0 }, waitTimeout, 200*time.Millisecond,
		"every VirtualKey's key is recreated")
}

// missingKeys lists the VirtualKeys on the shared simulator whose key (status.tokenID) is not in it.
func missingKeys(t *testing.T) []string {
	t.Helper()
	list := &v1alpha1.VirtualKeyList{}
	require.NoError(t, env.k8s.List(context.Background(), list))
	var missing []string
	for _, vk := range list.Items {
		onShared := vk.Spec.ConnectionRef.SecretRef != nil && vk.Spec.ConnectionRef.SecretRef.Name == "litellm"
		if !onShared || vk.DeletionTimestamp != nil || vk.Status.TokenID == "" {
			continue
		}
		if _, found := env.sim.KeyByHash(vk.Status.TokenID); !found {
			missing = append(missing, vk.Namespace+"/"+vk.Name)
		}
	}
	return missing
}

// TestDependencyMissing: a key whose user does not exist is not created.
func TestDependencyMissing(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.UserID = "ghost-" + ns })
	create(t, vk)
	waitForVK(t, vk, "dependency missing",
		hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonDependencyMissing))
	assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, "ghost-"+ns)
	assert.Empty(t, env.sim.KeysByAlias(vk.Spec.KeyAlias))
}

// TestEnterpriseFeature: a free proxy refuses tags; the refusal is reported once, naming the
// field, and not retried in a loop.
func TestEnterpriseFeature(t *testing.T) {
	ns := newNamespace(t)
	// A proxy of its own, so the call counts are this test's alone.
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.Tags = []string{"cost-center-1"}
		vk.Spec.ConnectionRef = secretRef("own")
	})
	create(t, vk)
	waitForVK(t, vk, "enterprise refusal",
		hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonEnterpriseFeature))
	assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, "tags")
	waitForReconciles(t, vk, reconciles(vk), 3)
	assert.Equal(t, 1, sim.Calls("POST", "/key/generate"), "no retry until the spec changes, over three resyncs")
	assert.Empty(t, sim.KeysByAlias(vk.Spec.KeyAlias))

	patchMerge(t, vk, `{"spec":{"tags":null}}`)
	waitReady(t, vk)
}

// TestSpecChangeAndExpiry: an update sends only what changed; the expiry moves only when duration
// changes.
func TestSpecChangeAndExpiry(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.Duration = "1h" })
	create(t, vk)
	waitReady(t, vk)
	raw := rawKey(t, vk)
	k, _ := env.sim.KeyByHash(hash(raw))
	require.NotNil(t, k.Expires)
	expires := *k.Expires

	updates := env.sim.Calls("POST", "/key/update")
	patchMerge(t, vk, `{"spec":{"rpmLimit":100}}`)
	waitForVK(t, vk, "rpm applied", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.RPMLimit != nil && *vk.Status.RPMLimit == 100 })
	k, _ = env.sim.KeyByHash(hash(raw))
	assert.Equal(t, expires, *k.Expires, "changing another field keeps the expiry")
	assert.Equal(t, 1, env.sim.Calls("POST", "/key/update")-updates, "one update call for one change")

	patchMerge(t, vk, `{"spec":{"duration":"2h"}}`)
	waitForVK(t, vk, "duration applied", func(vk *v1alpha1.VirtualKey) bool { return vk.Status.Duration == "2h" })
	k, _ = env.sim.KeyByHash(hash(raw))
	assert.True(t, k.Expires.After(expires), "a changed duration sets a new expiry")

	patchMerge(t, vk, `{"spec":{"rpmLimit":null}}`)
	require.Eventually(t, func() bool {
		k, _ := env.sim.KeyByHash(hash(raw))
		return k.RPMLimit == nil
	}, waitTimeout, 100*time.Millisecond, "a field removed from the spec is cleared once")
}

// TestRotation: the rotate annotation and deleting the key Secret both issue a new key, keep the
// alias, and delete the old key.
func TestRotation(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)
	oldRaw := rawKey(t, vk)

	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"2026-11-25"}}}`)
	waitForVK(t, vk, "rotated", func(vk *v1alpha1.VirtualKey) bool {
		return vk.Status.TokenID != hash(oldRaw) && vk.Status.RotationRequest == "2026-11-25" &&
			hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, "")(vk)
	})
	newRaw := rawKey(t, vk)
	require.NotEqual(t, oldRaw, newRaw)
	code, _ := chat(t, env.sim.URL(), oldRaw, "gpt-4o")
	assert.Equal(t, http.StatusUnauthorized, code, "the old key is refused")
	code, _ = chat(t, env.sim.URL(), newRaw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "the new key works")
	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1, "the alias moved to the new key")
	assert.Equal(t, hash(newRaw), keys[0].Token)
	waitForEvent(t, vk, "Rotated")

	// rotatedFrom waits until the key has replaced old and returns the new key, which alone holds
	// the alias.
	rotatedFrom := func(what, old string) string {
		t.Helper()
		waitForVK(t, vk, what, func(vk *v1alpha1.VirtualKey) bool {
			return vk.Status.TokenID != hash(old) && vk.Status.TokenID != "" &&
				hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, "")(vk)
		})
		raw := rawKey(t, vk)
		keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
		require.Len(t, keys, 1)
		assert.Equal(t, hash(raw), keys[0].Token)
		return raw
	}

	// Deleting the key Secret rotates too.
	require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: vk.Status.KeySecretRef}}))
	third := rotatedFrom("rotated after the Secret was deleted", newRaw)
	_, found := env.sim.KeyByHash(hash(newRaw))
	assert.False(t, found, "the replaced key is deleted")

	// Key Secrets are cached as metadata only; one whose data someone else overwrote has a new
	// version, so the next resync reads it and replaces what is no key.
	secret := &corev1.Secret{}
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: vk.Status.KeySecretRef}, secret))
	secret.Data["key"] = []byte("not-a-key")
	require.NoError(t, env.k8s.Update(context.Background(), secret))
	fourth := rotatedFrom("rotated after the Secret's key was overwritten", third)
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: vk.Status.KeySecretRef}, secret))
	assert.Equal(t, hash(fourth), secret.Annotations[v1alpha1.AnnotationKeyToken], "the Secret's annotations describe its key")
}

// TestRotationSurvivesACrash: a rotation interrupted after the new key was stored (here: the
// proxy drops the generate response and then goes down) completes later with one key.
func TestRotationSurvivesACrash(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitReady(t, vk)
	oldRaw := rawKey(t, vk)

	// The old key has given up its alias by the time it is deleted: scope the fault by its hash.
	lost := env.sim.For(litellmsim.Match{KeyHash: hash(oldRaw)}).DropAfterApply("/key/delete", 1)
	t.Cleanup(env.sim.ClearFaults)
	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"1"}}}`)
	waitForVK(t, vk, "rotation finished", func(vk *v1alpha1.VirtualKey) bool {
		return vk.Status.TokenID != hash(oldRaw) && vk.Status.KeyAlias == vk.Spec.KeyAlias &&
			hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, "")(vk)
	})
	newRaw := rawKey(t, vk)
	_, found := env.sim.KeyByHash(hash(oldRaw))
	assert.False(t, found)
	keys := env.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(newRaw), keys[0].Token)
	requireHits(t, 1, lost)
}

// TestAliasInUse: an alias taken by a key the VirtualKey does not own is reported, not stolen.
func TestAliasInUse(t *testing.T) {
	ns := newNamespace(t)
	lc, err := litellm.New(litellm.Config{BaseURL: env.sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	foreign, err := litellm.GenerateRawKey()
	require.NoError(t, err)
	seenRawKeys.Store(foreign, true)
	_, err = lc.GenerateKey(context.Background(), litellm.KeyGenerateRequest{Key: foreign, KeyAlias: "taken-" + ns})
	require.NoError(t, err)

	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.KeyAlias = "taken-" + ns })
	create(t, vk)
	waitForVK(t, vk, "alias in use", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonAliasInUse))
	keys := env.sim.KeysByAlias("taken-" + ns)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(foreign), keys[0].Token, "the other key is untouched")
	assert.NotContains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, foreign)
}

// TestDeletion covers the ways a VirtualKey leaves: Orphan keeps the key, a key never created and
// a connection gone for good do not block deletion.
func TestDeletion(t *testing.T) {
	t.Run("Orphan keeps the key in LiteLLM", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })
		create(t, vk)
		waitReady(t, vk)
		raw := rawKey(t, vk)
		deleteAndWait(t, vk)
		_, found := env.sim.KeyByHash(hash(raw))
		assert.True(t, found)
	})
	t.Run("a key never created", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("absent") })
		create(t, vk)
		waitForVK(t, vk, "connection error", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionError))
		deleteAndWait(t, vk)
	})
	t.Run("the connection Secret is gone", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc")
		create(t, vk)
		waitReady(t, vk)
		require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "litellm"}}))
		deleteAndWait(t, vk)
	})
	t.Run("the proxy is down: deletion waits, Orphan releases it", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc")
		create(t, vk)
		waitReady(t, vk)
		raw := rawKey(t, vk)
		env.sim.SetDown(true)
		t.Cleanup(func() { env.sim.SetDown(false) })
		require.NoError(t, env.k8s.Delete(context.Background(), vk))
		waitForVK(t, vk, "deletion blocked by the outage", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, ""))
		assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, "Orphan")
		env.sim.SetDown(false)
		deleteAndWait(t, vk)
		_, found := env.sim.KeyByHash(hash(raw))
		assert.False(t, found)
	})
}

// TestConnections: cross-namespace instanceRefs need the grant, and two proxies work side by side.
func TestConnections(t *testing.T) {
	ns := newNamespace(t)
	instanceNS := newNamespace(t)
	instanceSecret := func(name string, annotations map[string]string) {
		require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: instanceNS, Name: name + "-secrets", Annotations: annotations},
			StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()},
		}))
	}
	instanceSecret("shared", map[string]string{v1alpha1.AnnotationAllowedNamespaces: ns})
	// The refused instance is a proxy of its own, so its call counts are this test's alone.
	private := newSimulator(t, instanceNS, "unused", litellmsim.Options{})
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: instanceNS, Name: "private-secrets"},
		StringData: map[string]string{"masterkey": masterKey, "url": private.URL()},
	}))

	refused := newVirtualKey(ns, "refused", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.ConnectionRef = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "private", Namespace: instanceNS}}
	})
	create(t, refused)
	waitForVK(t, refused, "not permitted", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionNotPermitted))
	assert.Contains(t, condition(refused, v1alpha1.ConditionTypeSynced).Message, v1alpha1.AnnotationAllowedNamespaces)
	waitForReconciles(t, refused, reconciles(refused), 2)
	assert.Empty(t, private.AllCalls(), "nothing is called without the grant, over two more reconciles")

	allowed := newVirtualKey(ns, "allowed", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.ConnectionRef = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "shared", Namespace: instanceNS}}
	})
	create(t, allowed)
	waitReady(t, allowed)

	second, err := litellmsim.New(litellmsim.Options{MasterKey: secondMasterKey})
	require.NoError(t, err)
	_, err = second.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = second.Close() })
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "second"},
		StringData: map[string]string{"masterkey": secondMasterKey, "url": second.URL()},
	}))
	other := newVirtualKey(ns, "other", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("second") })
	create(t, other)
	waitReady(t, other)
	assert.Len(t, second.KeysByAlias(other.Spec.KeyAlias), 1, "the key is in the second proxy")
	assert.Empty(t, env.sim.KeysByAlias(other.Spec.KeyAlias), "and not in the first")
	assert.Len(t, env.sim.KeysByAlias(allowed.Spec.KeyAlias), 1)
}

// TestSecretConflict: a Secret with the key Secret's name that the operator does not own is never
// overwritten.
func TestSecretConflict(t *testing.T) {
	ns := newNamespace(t)
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc-key"},
		StringData: map[string]string{"key": "sk-not-ours"},
	}))
	vk := newVirtualKey(ns, "svc")
	create(t, vk)
	waitForVK(t, vk, "secret conflict", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonSecretConflict))
	secret := &corev1.Secret{}
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "svc-key"}, secret))
	assert.Equal(t, "sk-not-ours", string(secret.Data["key"]))
	assert.Empty(t, env.sim.KeysByAlias(vk.Spec.KeyAlias))
}
