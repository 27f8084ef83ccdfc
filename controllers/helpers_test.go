package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

const waitTimeout = 30 * time.Second

func secretRef(name string) v1alpha1.ConnectionRef {
	return v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: name}}
}

func newVirtualKey(ns, name string, mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	vk := &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.VirtualKeySpec{
			KeyAlias:      ns + "-" + name,
			Models:        []string{"gpt-4o"},
			MaxBudget:     ptr.To("10"),
			ConnectionRef: secretRef("litellm"),
		},
	}
	for _, m := range mutate {
		m(vk)
	}
	return vk
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.k8s.Create(context.Background(), obj))
}

func get(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
}

// patchSpec applies a JSON merge patch, as `kubectl patch --type=merge` does.
func patchMerge(t *testing.T, obj client.Object, patch string) {
	t.Helper()
	require.NoError(t, env.k8s.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch))))
}

func condition(obj interface{ GetConditions() []metav1.Condition }, condType string) *metav1.Condition {
	return meta.FindStatusCondition(obj.GetConditions(), condType)
}

// waitFor polls the VirtualKey until check passes.
func waitForVK(t *testing.T, vk *v1alpha1.VirtualKey, what string, check func(*v1alpha1.VirtualKey) bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		if err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(vk), vk); err != nil {
			return false
		}
		return check(vk)
	}, waitTimeout, 100*time.Millisecond, "%s: %s/%s; conditions: %+v", what, vk.Namespace, vk.Name, vk.Status.Conditions)
}

func hasCondition(condType string, status metav1.ConditionStatus, reason string) func(*v1alpha1.VirtualKey) bool {
	return func(vk *v1alpha1.VirtualKey) bool {
		c := condition(vk, condType)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason) && c.ObservedGeneration == vk.Generation
	}
}

func waitReady(t *testing.T, vk *v1alpha1.VirtualKey) {
	t.Helper()
	waitForVK(t, vk, "Ready and Synced", func(vk *v1alpha1.VirtualKey) bool {
		return hasCondition(v1alpha1.ConditionTypeReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)(vk) &&
			hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)(vk)
	})
}

// rawKey reads the key as the guide does: from the Secret named in status.keySecretRef.
func rawKey(t *testing.T, vk *v1alpha1.VirtualKey) string {
	t.Helper()
	get(t, vk)
	require.NotEmpty(t, vk.Status.KeySecretRef)
	secret := &corev1.Secret{}
	require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: vk.Namespace, Name: vk.Status.KeySecretRef}, secret))
	raw := string(secret.Data["key"])
	require.NotEmpty(t, raw)
	seenRawKeys.Store(raw, true)
	return raw
}

// chat calls the simulator's /chat/completions with a key and returns the status code and body.
func chat(t *testing.T, baseURL, key, model string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"model": model, "messages": []map[string]string{{"role": "user", "content": "hi"}}})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, baseURL+"/chat/completions", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

func deleteAndWait(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, client.IgnoreNotFound(env.k8s.Delete(context.Background(), obj)))
	require.Eventually(t, func() bool {
		err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
		return apierrors.IsNotFound(err)
	}, waitTimeout, 100*time.Millisecond, "%s/%s should be deleted", obj.GetNamespace(), obj.GetName())
}

// eventReasons lists the reasons of the Events about an object.
func eventReasons(t *testing.T, obj client.Object) []string {
	t.Helper()
	list := &eventsv1.EventList{}
	require.NoError(t, env.k8s.List(context.Background(), list, client.InNamespace(obj.GetNamespace())))
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

func waitForEvent(t *testing.T, obj client.Object, reason string) {
	t.Helper()
	assert.Eventually(t, func() bool {
		for _, r := range eventReasons(t, obj) {
			if r == reason {
				return true
			}
		}
		return false
	}, waitTimeout, 200*time.Millisecond, "event %s on %s", reason, obj.GetName())
}

func hash(raw string) string { return litellm.HashKey(raw) }

// keyFaults scopes the simulator's faults to the calls about vk's LiteLLM key (named by its alias,
// or by the hash of a key holding the alias): other tests' objects resyncing on the shared
// simulator cannot consume them.
func keyFaults(vk *v1alpha1.VirtualKey) litellmsim.Faults {
	return env.sim.For(litellmsim.Match{KeyAlias: vk.Spec.KeyAlias})
}

// requireHits checks that each fault acted on exactly as many calls as it was set up for: proof
// that the object under test, not another one, went through the fault.
func requireHits(t *testing.T, want int, faults ...*litellmsim.Fault) {
	t.Helper()
	for _, f := range faults {
		require.Equal(t, want, f.Hits(), "the fault hit the object under test")
	}
}
