package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// conflictInjector answers chosen write requests of the operator with 409 Conflict, as the API
// server does when an optimistic lock fails, and counts the ones it answered.
type conflictInjector struct {
	mu   sync.Mutex
	left map[string]int
	hits map[string]int
}

// conflictNext makes the next n requests to method+path conflict.
func (c *conflictInjector) conflictNext(method, path string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left == nil {
		c.left, c.hits = map[string]int{}, map[string]int{}
	}
	c.left[method+" "+path] = n
}

func (c *conflictInjector) hit(method, path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[method+" "+path]
}

func (c *conflictInjector) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		key := req.Method + " " + req.URL.Path
		c.mu.Lock()
		inject := c.left[key] > 0
		if inject {
			c.left[key]--
			c.hits[key]++
		}
		c.mu.Unlock()
		if !inject {
			return rt.RoundTrip(req)
		}
		body := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Conflict","code":409,` +
			`"message":"Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"}`
		return &http.Response{StatusCode: http.StatusConflict, Status: "409 Conflict", Request: req, ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewBufferString(body))}, nil
	})
}

// events lists the Events about an object.
func events(t *testing.T, obj client.Object) []eventsv1.Event {
	t.Helper()
	list := &eventsv1.EventList{}
	require.NoError(t, env.k8s.List(context.Background(), list, client.InNamespace(obj.GetNamespace())))
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() {
			out = append(out, e)
		}
	}
	return out
}

// warnings lists the reasons of the Warning Events about an object.
func warnings(t *testing.T, obj client.Object) []string {
	t.Helper()
	var out []string
	for _, e := range events(t, obj) {
		if e.Type == corev1.EventTypeWarning {
			out = append(out, e.Reason)
		}
	}
	return out
}

// reconcileErrorsIn lists the operator's "Reconciler error" log lines about objects of namespace ns.
func reconcileErrorsIn(ns string) []string {
	var out []string
	for _, line := range strings.Split(env.logs.String(), "\n") {
		if strings.Contains(line, "Reconciler error") && strings.Contains(line, `"`+ns+`"`) {
			out = append(out, line)
		}
	}
	return out
}

// TestKubernetesConflictsAreQuiet: an optimistic-lock conflict on the operator's own writes is a
// race, not a failure: Synced does not change, no Warning, no error in the log.
func TestKubernetesConflictsAreQuiet(t *testing.T) {
	t.Run("finalizer patch", func(t *testing.T) {
		ns := newNamespace(t)
		path := "/apis/auth.litellm.ai/v1alpha1/namespaces/" + ns + "/virtualkeys/svc"
		env.conflicts.conflictNext(http.MethodPatch, path, 1)
		vk := newVirtualKey(ns, "svc")
		create(t, vk)
		waitReady(t, vk)
		assert.Equal(t, 1, env.conflicts.hit(http.MethodPatch, path), "the conflict hit the finalizer patch of this object")
		assert.Empty(t, warnings(t, vk))
		assert.Empty(t, reconcileErrorsIn(ns))
	})
	t.Run("key Secret write during a rotation", func(t *testing.T) {
		ns := newNamespace(t)
		vk := newVirtualKey(ns, "svc")
		create(t, vk)
		waitReady(t, vk)
		oldHash := vk.Status.TokenID
		syncedSince := condition(vk, v1alpha1.ConditionTypeSynced).LastTransitionTime

		path := "/api/v1/namespaces/" + ns + "/secrets/svc-key"
		env.conflicts.conflictNext(http.MethodPatch, path, 1)
		patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"1"}}}`)
		waitForVK(t, vk, "rotated", rotated(oldHash))
		assert.Equal(t, 1, env.conflicts.hit(http.MethodPatch, path), "the conflict hit the write of the new key")
		assert.Equal(t, syncedSince, condition(vk, v1alpha1.ConditionTypeSynced).LastTransitionTime, "Synced never left True")
		assert.Empty(t, warnings(t, vk))
		assert.Empty(t, reconcileErrorsIn(ns))
	})
}

// TestAliasClashSettlesInOneReconcile: a key alias held by another key is reported as AliasInUse
// by the reconcile that tried it, with one /key/generate and no LiteLLMError first.
func TestAliasClashSettlesInOneReconcile(t *testing.T) {
	ns := newNamespace(t)
	sim := newSimulator(t, ns, "own", litellmsim.Options{})
	lc, err := litellm.New(litellm.Config{BaseURL: sim.URL(), MasterKey: masterKey})
	require.NoError(t, err)
	foreign, err := litellm.GenerateRawKey()
	require.NoError(t, err)
	seenRawKeys.Store(foreign, true)
	_, err = lc.GenerateKey(context.Background(), litellm.KeyGenerateRequest{Key: foreign, KeyAlias: "taken"})
	require.NoError(t, err)
	sim.ResetCalls()

	vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
		vk.Spec.KeyAlias = "taken"
		vk.Spec.ConnectionRef = secretRef("own")
	})
	create(t, vk)
	waitForVK(t, vk, "alias in use", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonAliasInUse))
	assert.Equal(t, 1, sim.Calls(http.MethodPost, "/key/generate"), "one attempt, then the observation that explains it")
	assert.Equal(t, []string{v1alpha1.ReasonAliasInUse}, warnings(t, vk), "the true reason first, and only once")
	assert.Len(t, sim.KeysByAlias("taken"), 1)
}

// closedURL is the URL of a port nothing listens on: every call to it is refused.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// writesTo lists the calls to a simulator that could have changed it.
func writesTo(sim *litellmsim.Simulator) map[string]int {
	out := map[string]int{}
	for call, n := range sim.AllCalls() {
		if !strings.HasPrefix(call, http.MethodGet+" ") {
			out[call] = n
		}
	}
	return out
}

// TestNeverCreatedDeletions: an object whose reconciles never reached LiteLLM carries no
// finalizer, so deleting it needs no LiteLLM call and never waits for one.
func TestNeverCreatedDeletions(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		// setup prepares the namespace and returns the VirtualKey to create and, when the case has
		// a proxy of its own, that proxy.
		setup  func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator)
		failed string
		check  func(t *testing.T, ns string)
	}{
		{name: "proxy never reachable", reason: "the key Secret was written, the only create was refused: nothing in LiteLLM",
			setup: func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator) {
				createConnectionSecret(t, ns, "down", closedURL(t), nil)
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("down") }), nil
			},
			failed: v1alpha1.ReasonConnectionError,
			check: func(t *testing.T, ns string) {
				err := env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "svc-key"}, &corev1.Secret{})
				assert.NoError(t, err, "the key was written to its Secret before LiteLLM was called")
			}},
		{name: "malformed URL", reason: "a connection that can never work",
			setup: func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator) {
				createConnectionSecret(t, ns, "bad", "not a url", nil)
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("bad") }), nil
			},
			failed: v1alpha1.ReasonConnectionError},
		{name: "foreign key Secret", reason: "the Secret named like the key Secret is someone else's: nothing was created, and it is left alone",
			setup: func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator) {
				sim := newSimulator(t, ns, "own", litellmsim.Options{})
				create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc-key"}, StringData: map[string]string{"key": "sk-not-ours"}})
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.ConnectionRef = secretRef("own") }), sim
			},
			failed: v1alpha1.ReasonSecretConflict,
			check: func(t *testing.T, ns string) {
				secret := &corev1.Secret{}
				require.NoError(t, env.k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "svc-key"}, secret))
				assert.Equal(t, "sk-not-ours", string(secret.Data["key"]))
				assert.Empty(t, secret.OwnerReferences)
			}},
		{name: "user missing", reason: "a key for a user LiteLLM does not know is never sent",
			setup: func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator) {
				sim := newSimulator(t, ns, "own", litellmsim.Options{})
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
					vk.Spec.ConnectionRef = secretRef("own")
					vk.Spec.UserID = "nobody"
				}), sim
			},
			failed: v1alpha1.ReasonDependencyMissing},
		{name: "keyFrom Secret missing", reason: "no key value, no call",
			setup: func(t *testing.T, ns string) (*v1alpha1.VirtualKey, *litellmsim.Simulator) {
				sim := newSimulator(t, ns, "own", litellmsim.Options{})
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
					vk.Spec.ConnectionRef = secretRef("own")
					vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "absent", Key: "key"}}
				}), sim
			},
			failed: v1alpha1.ReasonDependencyMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			vk, sim := tc.setup(t, ns)
			create(t, vk)
			waitForVK(t, vk, tc.failed, hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, tc.failed))
			assert.False(t, controllerutil.ContainsFinalizer(vk, v1alpha1.FinalizerName), "nothing reached LiteLLM: %s", tc.reason)
			if tc.check != nil {
				tc.check(t, ns)
			}
			require.NoError(t, env.k8s.Delete(context.Background(), vk))
			err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(vk), vk)
			assert.True(t, apierrors.IsNotFound(err), "deleted at once, without waiting for the operator")
			if sim != nil {
				assert.Empty(t, writesTo(sim), "LiteLLM was never written to")
			}
		})
	}
}

// TestOddKeyAliases: a key alias may hold any character; it is never used as a Kubernetes name.
func TestOddKeyAliases(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		legacy bool
	}{
		{name: "new key", reason: "an alias with '/' and '%' is created and deleted like any other"},
		{name: "replaced operator's object", reason: "its Secret naming scheme cannot name such an alias: the lookup is skipped, not failed",
			legacy: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			vk := newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) { vk.Spec.KeyAlias = ns + "/a%2Fb c" })
			if tc.legacy {
				vk.Finalizers = []string{v1alpha1.LegacyFinalizerName}
			}
			create(t, vk)
			waitReady(t, vk)
			assert.Equal(t, []string{v1alpha1.FinalizerName}, vk.Finalizers)
			raw := rawKey(t, vk)
			require.Len(t, env.sim.KeysByAlias(vk.Spec.KeyAlias), 1)
			deleteAndWait(t, vk)
			_, found := env.sim.KeyByHash(hash(raw))
			assert.False(t, found, "the key is deleted with the VirtualKey")
		})
	}
}

// TestRemovedBudgetDuration: removing budgetDuration clears it where LiteLLM can (a Team, by an
// explicit null) and is reported once with FieldNotCleared where it cannot (a key, a user).
func TestRemovedBudgetDuration(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		object func(ns string) client.Object
		// left reads the budget duration LiteLLM holds for the object; info is its read endpoint.
		left    func(sim *litellmsim.Simulator, obj client.Object) string
		info    string
		cleared bool
	}{
		{name: "VirtualKey", reason: "LiteLLM ignores a null budget_duration on /key/update",
			object: func(ns string) client.Object {
				return newVirtualKey(ns, "svc", func(vk *v1alpha1.VirtualKey) {
					vk.Spec.BudgetDuration = "30d"
					vk.Spec.ConnectionRef = secretRef("own")
				})
			},
			left: func(sim *litellmsim.Simulator, obj client.Object) string {
				k, _ := sim.KeyByHash(obj.(*v1alpha1.VirtualKey).Status.TokenID)
				return k.BudgetDuration
			},
			info: "/key/info"},
		{name: "User", reason: "/user/update ignores null",
			object: func(ns string) client.Object {
				return newUser(ns, "jane", func(u *v1alpha1.User) { u.Spec.BudgetDuration = "30d"; u.Spec.ConnectionRef = secretRef("own") })
			},
			left: func(sim *litellmsim.Simulator, obj client.Object) string {
				u, _ := sim.User(obj.(*v1alpha1.User).Status.UserID)
				return u.BudgetDuration
			},
			info: "/user/info"},
		{name: "Team", reason: "/team/update writes an explicit null",
			object: func(ns string) client.Object {
				return newTeam(ns, "data", func(tm *v1alpha1.Team) { tm.Spec.BudgetDuration = "30d"; tm.Spec.ConnectionRef = secretRef("own") })
			},
			left: func(sim *litellmsim.Simulator, obj client.Object) string {
				tm, _ := sim.Team(obj.(*v1alpha1.Team).Status.TeamID)
				return tm.BudgetDuration
			},
			info: "/team/info", cleared: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			sim := newSimulator(t, ns, "own", litellmsim.Options{})
			obj := tc.object(ns).(conditioned)
			create(t, obj)
			waitUntil(t, obj, "ready", ready[conditioned])
			require.Equal(t, "30d", tc.left(sim, obj))
			updates := writesTo(sim)

			patchMerge(t, obj, `{"spec":{"budgetDuration":null}}`)
			waitUntil(t, obj, "the new spec applied", ready[conditioned])
			assert.NotContains(t, managedFields(obj), "budget_duration", "no longer managed")
			if tc.cleared {
				assert.Empty(t, tc.left(sim, obj), "cleared in LiteLLM: %s", tc.reason)
				assert.NotContains(t, eventReasons(t, obj), controllers.EventFieldNotCleared)
				return
			}
			waitForEvent(t, obj, controllers.EventFieldNotCleared)
			assert.Equal(t, "30d", tc.left(sim, obj), "kept in LiteLLM: %s", tc.reason)
			assert.Equal(t, updates, writesTo(sim), "nothing was sent that LiteLLM would ignore")

			// Two more resyncs report nothing again and write nothing.
			reads := sim.Calls(http.MethodGet, tc.info)
			require.Eventually(t, func() bool { return sim.Calls(http.MethodGet, tc.info) >= reads+2 }, waitTimeout, 100*time.Millisecond)
			var reported []eventsv1.Event
			for _, e := range events(t, obj) {
				if e.Reason == controllers.EventFieldNotCleared {
					reported = append(reported, e)
				}
			}
			require.Len(t, reported, 1, "reported once")
			assert.Nil(t, reported[0].Series, "and not repeated")
			assert.Equal(t, updates, writesTo(sim))
		})
	}
}

func managedFields(obj client.Object) []string {
	switch o := obj.(type) {
	case *v1alpha1.VirtualKey:
		return o.Status.ManagedFields
	case *v1alpha1.User:
		return o.Status.ManagedFields
	case *v1alpha1.Team:
		return o.Status.ManagedFields
	}
	panic(fmt.Sprintf("no managed fields on %T", obj))
}
