package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers"
	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// Keys on a proxy that generates them itself (disable_custom_api_keys): see package
// controllers/keyvalues for the sequence these tests interrupt.

// recordingProxy is a simulator behind a proxy that adds every key value it generates to the
// secret scan (a value that was never stored anywhere must not leak either) and counts the
// /key/generate calls that chose a value. Connections in a namespace are made with connectTo.
type recordingProxy struct {
	sim    *litellmsim.Simulator
	url    string
	chosen atomic.Int32
}

// newGeneratingProxy starts a recording proxy in front of a simulator that refuses chosen values.
func newGeneratingProxy(t *testing.T) *recordingProxy {
	return newRecordingProxy(t, litellmsim.Options{DisableCustomAPIKeys: true})
}

func newRecordingProxy(t *testing.T, opts litellmsim.Options) *recordingProxy {
	t.Helper()
	sim := startSimulator(t, opts)
	target, err := url.Parse(sim.URL())
	require.NoError(t, err)
	p := &recordingProxy{sim: sim}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		if r.In.URL.Path != "/key/generate" || r.In.Body == nil {
			return
		}
		body, _ := io.ReadAll(r.In.Body)
		r.Out.Body = io.NopCloser(bytes.NewReader(body))
		var in map[string]any
		if json.Unmarshal(body, &in) == nil && in["key"] != nil {
			p.chosen.Add(1)
		}
	}}
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/key/generate" || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		var out struct{ Key string }
		if json.Unmarshal(body, &out) == nil && out.Key != "" {
			seenRawKeys.Store(out.Key, true)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// connectTo makes the connection Secret "generating" in ns point at the proxy.
func (p *recordingProxy) connectTo(t *testing.T, ns string) {
	t.Helper()
	createConnectionSecret(t, ns, "generating", p.url, nil)
}

// generatedKey is a VirtualKey on the generating proxy whose LiteLLM keys carry the test's
// namespace in their metadata, so every key it ever had can be counted.
func generatedKey(ns string, mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	return lifecycleKey(ns, append([]func(*v1alpha1.VirtualKey){func(vk *v1alpha1.VirtualKey) {
		vk.Spec.ConnectionRef = secretRef("generating")
	}}, mutate...)...)
}

// liveKeysIn lists the hashes of the keys of the test's VirtualKey in sim.
func liveKeysIn(sim *litellmsim.Simulator, ns string) []string {
	var out []string
	for _, k := range sim.Keys() {
		if k.Metadata["test"] == ns {
			out = append(out, k.Token)
		}
	}
	return out
}

// requireOneValidKey checks the guarantee: exactly one key of the VirtualKey in LiteLLM, holding
// the alias, whose value is the one in the Secret and works at /chat/completions.
func (p *recordingProxy) requireOneValidKey(t *testing.T, vk *v1alpha1.VirtualKey) string {
	t.Helper()
	raw := rawKey(t, vk)
	assert.Equal(t, []string{hash(raw)}, liveKeysIn(p.sim, vk.Namespace), "exactly one key of the VirtualKey in LiteLLM, the one in the Secret")
	keys := p.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1, "the alias is on one key")
	assert.Equal(t, hash(raw), keys[0].Token)
	assert.Equal(t, hash(raw), vk.Status.TokenID)
	code, body := chat(t, p.url, raw, "gpt-4o")
	assert.Equal(t, http.StatusOK, code, "the key in the Secret works: %s", body)
	return raw
}

// stopOnce ends the next reconcile of ns's VirtualKey right after LiteLLM generated its key, as a
// crash would; then runs after (e.g. a restart) and lets the following reconciles through.
func stopOnce(t *testing.T, ns string, after func()) *atomic.Int32 {
	t.Helper()
	var stops atomic.Int32
	restore := controllers.StopAfterKeyGenerated(func(vk *v1alpha1.VirtualKey) error {
		if vk.Namespace != ns || !stops.CompareAndSwap(0, 1) {
			return nil
		}
		if after != nil {
			after()
		}
		return errors.New("the operator stopped after /key/generate")
	})
	t.Cleanup(restore)
	return &stops
}

// TestGeneratedKeys: on a proxy that refuses chosen values, every way a create can be interrupted
// ends with exactly one valid key whose value is in the Secret.
func TestGeneratedKeys(t *testing.T) {
	proxy := newGeneratingProxy(t)
	cases := []struct {
		reason string
		// interrupt sets up the interruption; it returns a check that it happened.
		interrupt    func(t *testing.T, ns string) func(t *testing.T)
		wantUnstored bool // an unstored key was found and deleted
		forgetFirst  bool // the operator restarts before the test (learns the mode again)
		// wantCalls and wantChosen count the /key/generate calls, and those that chose a value.
		wantCalls, wantChosen int
	}{
		{reason: "detected from the proxy's 403 on the first key: LiteLLM generates it", forgetFirst: true,
			wantCalls: 2, wantChosen: 1,
			interrupt: func(*testing.T, string) func(*testing.T) { return func(*testing.T) {} }},
		{reason: "the /key/generate response is lost after LiteLLM applied it: the key nobody holds is deleted, a new one generated",
			wantUnstored: true, wantCalls: 2,
			interrupt: func(_ *testing.T, ns string) func(*testing.T) {
				f := proxy.sim.For(litellmsim.Match{KeyMetadata: "test=" + ns}).DropAfterApply("/key/generate", 1)
				return func(t *testing.T) { requireHits(t, 1, f) }
			}},
		{reason: "the operator stops between /key/generate and the Secret write", wantUnstored: true, wantCalls: 2,
			interrupt: func(t *testing.T, ns string) func(*testing.T) {
				stops := stopOnce(t, ns, nil)
				return func(t *testing.T) { assert.Equal(t, int32(1), stops.Load()) }
			}},
		{reason: "the operator stops there and restarts: it learns the mode again from the 403", wantUnstored: true,
			wantCalls: 3, wantChosen: 1,
			interrupt: func(t *testing.T, ns string) func(*testing.T) {
				stops := stopOnce(t, ns, controllers.ForgetKeyValues)
				return func(t *testing.T) { assert.Equal(t, int32(1), stops.Load()) }
			}},
		{reason: "the operator stops after the Secret write, before the key gets its alias", wantCalls: 1,
			interrupt: func(_ *testing.T, ns string) func(*testing.T) {
				// The alias move is the first /key/update naming the alias; the retries of one
				// reconcile all fail.
				f := proxy.sim.For(litellmsim.Match{KeyAlias: ns + "-svc"}).FailNext("/key/update", http.StatusInternalServerError, 3)
				return func(t *testing.T) { requireHits(t, 3, f) }
			}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			proxy.connectTo(t, ns)
			t.Cleanup(proxy.sim.ClearFaults)
			if tc.forgetFirst {
				controllers.ForgetKeyValues()
			}
			check := tc.interrupt(t, ns)
			calls, chosenBefore := proxy.sim.For(litellmsim.Match{KeyMetadata: "test=" + ns}).Watch("/key/generate"), proxy.chosen.Load()
			vk := generatedKey(ns)
			createLifecycleKey(t, vk)
			waitReady(t, vk)
			proxy.requireOneValidKey(t, vk)
			check(t)
			assert.Equal(t, tc.wantCalls, calls.Hits(), "calls to /key/generate")
			assert.Equal(t, tc.wantChosen, int(proxy.chosen.Load()-chosenBefore), "calls that chose the value")
			if tc.wantUnstored {
				waitForEvent(t, vk, controllers.EventUnstoredKeyDeleted)
			}
		})
	}
	t.Run("deleting a VirtualKey deletes a key whose value was never stored", func(t *testing.T) {
		ns := newNamespace(t)
		proxy.connectTo(t, ns)
		restore := controllers.StopAfterKeyGenerated(func(vk *v1alpha1.VirtualKey) error {
			if vk.Namespace != ns {
				return nil
			}
			return errors.New("the operator stops after /key/generate, every time")
		})
		defer restore()
		vk := generatedKey(ns)
		create(t, vk)
		require.Eventually(t, func() bool { return len(liveKeysIn(proxy.sim, ns)) == 1 }, waitTimeout, 100*time.Millisecond)
		deleteAndWait(t, vk)
		assert.Empty(t, liveKeysIn(proxy.sim, ns), "no key is left behind")
	})
}

// TestGeneratedKeyRotation: rotation on a proxy that generates keys keeps the grace period: both
// keys work during it, the alias is on the new one, and a crash in the middle leaves no extra key.
func TestGeneratedKeyRotation(t *testing.T) {
	proxy := newGeneratingProxy(t)
	ns := newNamespace(t)
	proxy.connectTo(t, ns)
	vk := generatedKey(ns, func(vk *v1alpha1.VirtualKey) { vk.Spec.Rotation = &v1alpha1.KeyRotation{GracePeriod: "4s"} })
	createLifecycleKey(t, vk)
	waitReady(t, vk)
	oldRaw := proxy.requireOneValidKey(t, vk)

	// A rotation interrupted between /key/generate and the Secret write.
	stops := stopOnce(t, ns, nil)
	patchMerge(t, vk, `{"metadata":{"annotations":{"auth.litellm.ai/rotate":"r1"}}}`)
	waitForVK(t, vk, "rotated with a grace period", rotated(hash(oldRaw)))
	assert.Equal(t, int32(1), stops.Load(), "the rotation was interrupted once")
	newRaw := rawKey(t, vk)
	require.NotEqual(t, oldRaw, newRaw)
	require.Len(t, vk.Status.RetiringKeys, 1)
	assert.Equal(t, hash(oldRaw), vk.Status.RetiringKeys[0].TokenID)
	assert.Equal(t, "r1", vk.Status.RotationRequest)
	assert.ElementsMatch(t, []string{hash(oldRaw), hash(newRaw)}, liveKeysIn(proxy.sim, ns), "the interrupted attempt's key is gone")
	for raw, what := range map[string]string{oldRaw: "the old key works during the grace period", newRaw: "the new key works"} {
		code, _ := chat(t, proxy.url, raw, "gpt-4o")
		assert.Equal(t, http.StatusOK, code, what)
	}
	keys := proxy.sim.KeysByAlias(vk.Spec.KeyAlias)
	require.Len(t, keys, 1)
	assert.Equal(t, hash(newRaw), keys[0].Token)

	waitForVK(t, vk, "grace period over", func(vk *v1alpha1.VirtualKey) bool { return len(vk.Status.RetiringKeys) == 0 })
	code, _ := chat(t, proxy.url, oldRaw, "gpt-4o")
	assert.Equal(t, http.StatusUnauthorized, code, "the old key is refused after the grace period")
	proxy.requireOneValidKey(t, vk)
	for _, reason := range []string{"Rotating", "Rotated", "RetiredKeyDeleted", controllers.EventUnstoredKeyDeleted} {
		waitForEvent(t, vk, reason)
	}

	// Deleting the key Secret rotates too: LiteLLM generates the replacement.
	require.NoError(t, env.k8s.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: vk.Status.KeySecretRef}}))
	waitForVK(t, vk, "rotated after the Secret was deleted", rotated(hash(newRaw)))
	waitForVK(t, vk, "grace period over", func(vk *v1alpha1.VirtualKey) bool { return len(vk.Status.RetiringKeys) == 0 })
	third := proxy.requireOneValidKey(t, vk)
	assert.NotEqual(t, newRaw, third)
}

// TestCustomKeysDisabled: spec.key and spec.keyFrom cannot work on a proxy that refuses chosen
// values: the object says so once, with a reason of its own, and LiteLLM is not asked again.
func TestCustomKeysDisabled(t *testing.T) {
	proxy := newGeneratingProxy(t)
	cases := []struct {
		reason string
		field  string
		mutate func(t *testing.T, ns string) func(*v1alpha1.VirtualKey)
	}{
		{reason: "spec.key chooses the value", field: "spec.key",
			mutate: func(*testing.T, string) func(*v1alpha1.VirtualKey) {
				return func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = "sk-chosen-by-the-user-0123456789" }
			}},
		{reason: "spec.keyFrom chooses the value", field: "spec.keyFrom",
			mutate: func(t *testing.T, ns string) func(*v1alpha1.VirtualKey) {
				require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-key", Labels: map[string]string{v1alpha1.LabelKeySource: "true"}},
					StringData: map[string]string{"key": "sk-from-the-users-secret-0123456789"},
				}))
				return func(vk *v1alpha1.VirtualKey) {
					vk.Spec.KeyFrom = &v1alpha1.KeySource{SecretKeyRef: v1alpha1.SecretKeySelector{Name: "my-key", Key: "key"}}
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			proxy.connectTo(t, ns)
			seenRawKeys.Store("sk-chosen-by-the-user-0123456789", true)
			seenRawKeys.Store("sk-from-the-users-secret-0123456789", true)
			vk := generatedKey(ns, tc.mutate(t, ns))
			generates := proxy.sim.For(litellmsim.Match{KeyMetadata: "test=" + ns}).Watch("/key/generate")
			createLifecycleKey(t, vk)
			waitForVK(t, vk, "refused with its own reason",
				hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonCustomKeysDisabled))
			msg := condition(vk, v1alpha1.ConditionTypeSynced).Message
			assert.Contains(t, msg, tc.field, "the message names the field")
			assert.Contains(t, msg, "disable_custom_api_keys", "and the proxy setting")
			assert.Equal(t, metav1.ConditionFalse, condition(vk, v1alpha1.ConditionTypeReady).Status)

			calls := generates.Hits()
			time.Sleep(3 * resyncPeriod) // several resyncs
			assert.Equal(t, calls, generates.Hits(), "LiteLLM is not asked again for the same spec")
			assert.LessOrEqual(t, calls, 1, "at most the one call that learned the refusal")
			n := 0
			for _, r := range eventReasons(t, vk) {
				if r == v1alpha1.ReasonCustomKeysDisabled {
					n++
				}
			}
			assert.Equal(t, 1, n, "one Event, not one per resync")
			assert.Empty(t, liveKeysIn(proxy.sim, ns))
		})
	}
}

// TestKeyValuesForced: --key-values overrides what the proxy's answers teach.
func TestKeyValuesForced(t *testing.T) {
	plain := newRecordingProxy(t, litellmsim.Options{})
	generating := newGeneratingProxy(t)
	cases := []struct {
		reason string
		mode   keyvalues.Mode
		proxy  *recordingProxy
		mutate func(*v1alpha1.VirtualKey)
		// wantMessage is the CustomKeysDisabled message part; "" means the key is made.
		wantMessage string
	}{
		{reason: "litellm: a proxy that accepts chosen values still generates the key", mode: keyvalues.LiteLLM, proxy: plain},
		{reason: "litellm: spec.key is refused without a call", mode: keyvalues.LiteLLM, proxy: plain,
			mutate:      func(vk *v1alpha1.VirtualKey) { vk.Spec.Key = "sk-chosen-under-forced-litellm-0123" },
			wantMessage: "--key-values=litellm"},
		{reason: "operator: a proxy that refuses chosen values gets no key, and the flag is named", mode: keyvalues.Operator,
			proxy: generating, wantMessage: "--key-values=operator"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			ns := newNamespace(t)
			tc.proxy.connectTo(t, ns)
			t.Cleanup(controllers.ForceKeyValues(tc.mode))
			seenRawKeys.Store("sk-chosen-under-forced-litellm-0123", true)
			chosenBefore := tc.proxy.chosen.Load()
			vk := generatedKey(ns)
			if tc.mutate != nil {
				tc.mutate(vk)
			}
			createLifecycleKey(t, vk)
			if tc.wantMessage == "" {
				waitReady(t, vk)
				tc.proxy.requireOneValidKey(t, vk)
				assert.Equal(t, int32(0), tc.proxy.chosen.Load()-chosenBefore, "the operator chose no value")
				return
			}
			waitForVK(t, vk, "refused", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonCustomKeysDisabled))
			assert.Contains(t, condition(vk, v1alpha1.ConditionTypeSynced).Message, tc.wantMessage)
			assert.Empty(t, liveKeysIn(tc.proxy.sim, ns))
		})
	}
}

// TestGeneratedKeyFailuresAreReported: before LiteLLM has generated the key there is no key
// Secret, and failures are reported all the same.
func TestGeneratedKeyFailuresAreReported(t *testing.T) {
	proxy := newGeneratingProxy(t)
	t.Run("the alias belongs to another key", func(t *testing.T) {
		ns := newNamespace(t)
		proxy.connectTo(t, ns)
		lc, err := litellm.New(litellm.Config{BaseURL: proxy.url, MasterKey: masterKey})
		require.NoError(t, err)
		vk := generatedKey(ns)
		other, err := lc.GenerateKey(context.Background(), litellm.KeyGenerateRequest{KeyAlias: vk.Spec.KeyAlias})
		require.NoError(t, err)
		seenRawKeys.Store(other.RawKey, true)
		createLifecycleKey(t, vk)
		waitForVK(t, vk, "AliasInUse", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonAliasInUse))
		assert.Empty(t, liveKeysIn(proxy.sim, ns), "nothing was generated")
	})
	t.Run("the key Secret's name is another's Secret", func(t *testing.T) {
		// Key Secrets are cached as metadata only, and this one is not the operator's, so it is not
		// in the cache: it is read before LiteLLM generates a key whose value could not be stored.
		// The mode is forced: alone, this case would learn it only from a create that never comes.
		ns := newNamespace(t)
		proxy.connectTo(t, ns)
		t.Cleanup(controllers.ForceKeyValues(keyvalues.LiteLLM))
		vk := generatedKey(ns)
		require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.KeySecretName(vk.Name)},
			StringData: map[string]string{"key": "not-a-key"},
		}))
		createLifecycleKey(t, vk)
		waitForVK(t, vk, "SecretConflict", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, v1alpha1.ReasonSecretConflict))
		assert.Empty(t, liveKeysIn(proxy.sim, ns), "nothing was generated")
		secret := &corev1.Secret{}
		require.NoError(t, env.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: v1alpha1.KeySecretName(vk.Name)}, secret))
		assert.Equal(t, "not-a-key", string(secret.Data["key"]), "never overwritten")
	})
	t.Run("the proxy is down, then back", func(t *testing.T) {
		ns := newNamespace(t)
		proxy.connectTo(t, ns)
		proxy.sim.SetDown(true)
		t.Cleanup(func() { proxy.sim.SetDown(false) })
		vk := generatedKey(ns)
		createLifecycleKey(t, vk)
		// Behind the recording proxy a proxy that is down answers 502.
		waitForVK(t, vk, "a failure while the proxy is down", hasCondition(v1alpha1.ConditionTypeSynced, metav1.ConditionFalse, ""))
		assert.Equal(t, v1alpha1.ReasonCreating, condition(vk, v1alpha1.ConditionTypeReady).Reason)
		proxy.sim.SetDown(false)
		waitReady(t, vk)
		proxy.requireOneValidKey(t, vk)
	})
}
