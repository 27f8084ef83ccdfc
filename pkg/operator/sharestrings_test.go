package operator

import (
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// decoded returns a VirtualKey as an informer gets it: decoded on its own from the API server's
// JSON, so none of its strings share storage with any other object's.
func decoded(t *testing.T, name, hash string) *v1alpha1.VirtualKey {
	t.Helper()
	doc := `{"apiVersion":"auth.litellm.ai/v1alpha1","kind":"VirtualKey",
		"metadata":{"namespace":"team-a","name":"` + name + `","labels":{"app":"web"},
			"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"VirtualKey\"}"},
			"managedFields":[{"manager":"kubectl","operation":"Apply"}]},
		"spec":{"keyAlias":"team-a-` + name + `","models":["gpt-4o"],"connectionRef":{"secretRef":{"name":"litellm"}}},
		"status":{"token":"` + hash + `","tokenID":"` + hash + `","keyID":"` + hash + `","keyName":"` + strings.Repeat("x", 300) + `",
			"conditions":[{"type":"Ready","status":"True","reason":"Available","message":"the object exists in LiteLLM and can be used","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`
	vk := &v1alpha1.VirtualKey{}
	require.NoError(t, json.Unmarshal([]byte(doc), vk))
	return vk
}

func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func TestCacheTransform(t *testing.T) {
	transform := cacheTransform(ctrlcache.TransformStripManagedFields())
	hash := strings.Repeat("ab", 32)
	a, b := decoded(t, "app", hash), decoded(t, "web", hash)
	wantA, wantB := a.DeepCopy(), b.DeepCopy()
	wantA.ManagedFields, wantB.ManagedFields = nil, nil
	wantA.Annotations, wantB.Annotations = nil, nil
	require.False(t, same(a.Namespace, b.Namespace), "decoded apart, stored apart")

	for _, obj := range []*v1alpha1.VirtualKey{a, b} {
		out, err := transform(obj)
		require.NoError(t, err)
		require.Same(t, obj, out, "the object is changed in place")
	}
	assert.Equal(t, wantA, a, "no value changes: managed fields and the last-applied copy go, every other field is as the API server sent it")
	assert.Equal(t, wantB, b)

	cases := []struct {
		reason string
		x, y   string
		shared bool
	}{
		{reason: "the namespace of two objects", x: a.Namespace, y: b.Namespace, shared: true},
		{reason: "a key's hash in three status fields", x: a.Status.Token, y: a.Status.KeyID, shared: true},
		{reason: "and across objects", x: a.Status.TokenID, y: b.Status.Token, shared: true},
		{reason: "a condition's message", x: a.Status.Conditions[0].Message, y: b.Status.Conditions[0].Message, shared: true},
		{reason: "a model name in a list", x: a.Spec.Models[0], y: b.Spec.Models[0], shared: true},
		{reason: "behind a pointer", x: a.Spec.ConnectionRef.SecretRef.Name, y: b.Spec.ConnectionRef.SecretRef.Name, shared: true},
		{reason: "long strings are left alone", x: a.Status.KeyName, y: b.Status.KeyName, shared: false},
		{reason: "maps are left alone", x: a.Labels["app"], y: b.Labels["app"], shared: false},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			assert.Equal(t, tc.x, tc.y)
			assert.Equal(t, tc.shared, same(tc.x, tc.y))
		})
	}
}

func TestCacheTransformLeavesSecretDataAlone(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app-key"}, Data: map[string][]byte{"key": []byte("sk-1")}}
	out, err := cacheTransform(cache.TransformFunc(func(o any) (any, error) { return o, nil }))(s)
	require.NoError(t, err)
	assert.Equal(t, []byte("sk-1"), out.(*corev1.Secret).Data["key"])
}

func TestCacheTransformKeepsOtherAnnotations(t *testing.T) {
	vk := &v1alpha1.VirtualKey{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app", Annotations: map[string]string{
		lastApplied:               `{"kind":"VirtualKey"}`,
		v1alpha1.AnnotationRotate: "2026-12-01",
	}}}
	_, err := cacheTransform(ctrlcache.TransformStripManagedFields())(vk)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{v1alpha1.AnnotationRotate: "2026-12-01"}, vk.Annotations)
}
