package controllers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// TestGrantBySelector: an instance grants namespaces by label as well as by name; an invalid
// selector grants nothing and says so; an invalid policy lets granted objects write nothing, but
// not stop them from being deleted.
func TestGrantBySelector(t *testing.T) {
	lbl := uniqueID("tenant")
	instance := newNamespace(t)
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: instance, Name: sharedInstance + "-secrets",
			Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: "tenancy-test/group=" + lbl}},
		StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()},
	})
	conn := v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: sharedInstance, Namespace: instance}}

	labelled := newNamespace(t)
	patchMerge(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: labelled}}, `{"metadata":{"labels":{"tenancy-test/group":"`+lbl+`"}}}`)
	in := newVirtualKey(labelled, "in", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = conn })
	create(t, in)
	waitReady(t, in)

	other := newNamespace(t)
	out := newVirtualKey(other, "out", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = conn })
	create(t, out)
	waitForVK(t, out, "not granted", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionNotPermitted))
	assert.Contains(t, condition(out, v1alpha1.ConditionTypeSynced).Message, v1alpha1.AnnotationAllowedNamespaceSelector, "the message says how to be granted")
	assert.Empty(t, env.sim.KeysByAlias(out.Spec.KeyAlias))

	t.Run("an invalid selector grants nothing and says why", func(t *testing.T) {
		bad := newNamespace(t)
		create(t, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: bad, Name: sharedInstance + "-secrets",
				Annotations: map[string]string{v1alpha1.AnnotationAllowedNamespaceSelector: "tenancy-test/group in (("}},
			StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()},
		})
		vk := newVirtualKey(labelled, "bad-selector", func(vk *v1alpha1.VirtualKey) {
			vk.Spec.ConnectionRef = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: sharedInstance, Namespace: bad}}
		})
		create(t, vk)
		waitForVK(t, vk, "not granted", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonConnectionNotPermitted))
		assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, "not a valid label selector")
	})

	t.Run("an invalid policy writes nothing, and deletions still work", func(t *testing.T) {
		secret := &corev1.Secret{}
		require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: instance, Name: sharedInstance + "-secrets"}, secret))
		patchMerge(t, secret, `{"metadata":{"annotations":{"`+v1alpha1.AnnotationGrantPolicy+`":"maxBudget: 10\nmodel: [gpt-4o]"}}}`)
		vk := newVirtualKey(labelled, "under-bad-policy", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = conn })
		create(t, vk)
		waitForVK(t, vk, "refused", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonNotPermitted))
		msg := condition(vk, v1alpha1.ConditionTypeSynced).Message
		assert.Contains(t, msg, v1alpha1.AnnotationGrantPolicy)
		assert.Contains(t, msg, `unknown field "model"`, "the message says what is wrong")
		assert.Empty(t, env.sim.KeysByAlias(vk.Spec.KeyAlias))

		raw := rawKey(t, in)
		deleteAndWait(t, in)
		_, found := env.sim.KeyByHash(hash(raw))
		assert.False(t, found, "the key made before the policy broke is deleted with its object")
	})
}

// TestAuditNamesTheObject: LiteLLM's audit log (the litellm-changed-by header of every write) names
// the object that made the change, so an audit says which tenant object did what.
func TestAuditNamesTheObject(t *testing.T) {
	ns := newNamespace(t)
	f := newFront(t, env.sim.URL())
	createConnectionSecret(t, ns, "fronted", f.srv.URL, nil)
	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("fronted") })
	tm := newTeam(ns, "research", func(tm *v1alpha1.Team) { tm.Spec.ConnectionRef = secretRef("fronted") })
	create(t, vk)
	create(t, tm)
	waitReady(t, vk)
	waitUntil(t, tm, "team Ready", ready[*v1alpha1.Team])
	assert.Equal(t, []string{"litellm-operator:" + ns + "/VirtualKey/svc"}, f.writers("/key/generate"))
	assert.Equal(t, []string{"litellm-operator:" + ns + "/Team/research"}, f.writers("/team/new"))
}

// TestConnectionSecretHold: a secretRef connection Secret is held while objects that may hold
// something in LiteLLM use it, and the trade-offs that come with it.
func TestConnectionSecretHold(t *testing.T) {
	held := func(t *testing.T, ns, name string) bool {
		t.Helper()
		s := &corev1.Secret{}
		err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, s)
		if apierrors.IsNotFound(err) {
			return false
		}
		require.NoError(t, err)
		for _, f := range s.Finalizers {
			if f == v1alpha1.FinalizerConnectionInUse {
				return true
			}
		}
		return false
	}
	gone := func(t *testing.T, ns, name string) {
		t.Helper()
		require.Eventually(t, func() bool {
			err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &corev1.Secret{})
			return apierrors.IsNotFound(err)
		}, waitTimeout, 100*time.Millisecond, "Secret %s/%s goes", ns, name)
	}

	t.Run("held from the first write, released by the last object", func(t *testing.T) {
		ns := newNamespace(t)
		refused := newVirtualKey(ns, "never", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("absent") })
		create(t, refused)
		one, two := newVirtualKey(ns, "one"), newVirtualKey(ns, "two")
		create(t, one)
		create(t, two)
		waitReady(t, one)
		waitReady(t, two)
		assert.True(t, held(t, ns, "litellm"), "the Secret is held while keys use it")
		deleteAndWait(t, one)
		assert.True(t, held(t, ns, "litellm"), "another key still uses it")
		deleteAndWait(t, two)
		assert.False(t, held(t, ns, "litellm"), "released by the last one; an object that never reached LiteLLM does not count")
	})

	t.Run("deleted while in use: it stays until its objects are gone", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc")
		create(t, vk)
		waitReady(t, vk)
		raw := rawKey(t, vk)
		require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "litellm"}}))

		err := env.k8s.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "litellm"},
			StringData: map[string]string{"masterKey": masterKey, "url": env.sim.URL()}})
		assert.True(t, apierrors.IsAlreadyExists(err), "re-creating it waits for the objects: edit it in place instead (%v)", err)
		from := reconciles(vk)
		nudge(t, vk)
		waitForReconciles(t, vk, from, 2)
		waitReady(t, vk) // the terminating Secret still connects
		code, _ := chat(t, env.sim.URL(), raw, "gpt-4o")
		assert.Equal(t, http.StatusOK, code)

		deleteAndWait(t, vk)
		_, found := env.sim.KeyByHash(hash(raw))
		assert.False(t, found, "the key was deleted with the credentials still there")
		gone(t, ns, "litellm")
	})

	t.Run("Orphan lets go without a call, and releases the Secret", func(t *testing.T) {
		ns := newNamespace(t)
		sim := newSimulator(t, ns, "own", litellmsim.Options{})
		vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("own") })
		create(t, vk)
		waitReady(t, vk)
		raw := rawKey(t, vk)
		require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "own"}}))
		sim.SetDown(true) // a proxy that is gone for good
		require.NoError(t, env.k8s.Delete(context.Background(), vk))
		waitForVK(t, vk, "deletion waits for the proxy", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, ""))
		patchMerge(t, vk, `{"spec":{"deletionPolicy":"Orphan"}}`)
		require.Eventually(t, func() bool {
			return apierrors.IsNotFound(env.k8s.Get(context.Background(), client.ObjectKeyFromObject(vk), &v1alpha1.VirtualKey{}))
		}, waitTimeout, 100*time.Millisecond)
		gone(t, ns, "own")
		sim.SetDown(false)
		_, found := sim.KeyByHash(hash(raw))
		assert.True(t, found, "Orphan keeps the key")
	})

	t.Run("the documented way out when the operator is gone", func(t *testing.T) {
		// Without the operator nothing removes the finalizer: docs/multi-tenancy.md says to remove it
		// by hand (after setting Orphan on the objects, or accepting what stays in LiteLLM).
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })
		create(t, vk)
		waitReady(t, vk)
		require.True(t, held(t, ns, "litellm"))
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "litellm"}}
		require.NoError(t, env.k8s.Delete(context.Background(), secret))
		require.NoError(t, env.k8s.Patch(context.Background(), secret,
			client.RawPatch(types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`))))
		gone(t, ns, "litellm")
		deleteAndWait(t, vk) // and the objects go without their connection
	})

	t.Run("an instance Secret is never held", func(t *testing.T) {
		ns := newNamespace(t)
		create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "own-secrets"},
			StringData: map[string]string{"masterkey": masterKey, "url": env.sim.URL()}})
		vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
			vk.Spec.ConnectionRef = v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "own"}}
			vk.Spec.MaxBudget = ptr.To("1")
		})
		create(t, vk)
		waitReady(t, vk)
		assert.False(t, held(t, ns, "own-secrets"), "it belongs to whoever deploys the instance")
	})
}
