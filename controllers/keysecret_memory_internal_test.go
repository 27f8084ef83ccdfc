package controllers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

func TestKeySecretMemory(t *testing.T) {
	vk := &v1alpha1.VirtualKey{Spec: v1alpha1.VirtualKeySpec{SecretTemplate: &v1alpha1.KeySecretTemplate{BaseURLKey: "url"}}}
	written := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "svc-key", UID: "u1", ResourceVersion: "7"},
		Data:       map[string][]byte{v1alpha1.KeySecretDataKey: []byte(rawA), "url": []byte("http://proxy"), "other": []byte("x")},
	}
	describeKey(written, rawA)
	cached := func(mutate func(*metav1.PartialObjectMetadata)) *metav1.PartialObjectMetadata {
		m := &metav1.PartialObjectMetadata{ObjectMeta: *written.ObjectMeta.DeepCopy()}
		if mutate != nil {
			mutate(m)
		}
		return m
	}
	cases := []struct {
		reason    string
		cached    *metav1.PartialObjectMetadata
		unchanged bool
	}{
		{"the version the operator wrote", cached(nil), true},
		{"written since by someone else", cached(func(m *metav1.PartialObjectMetadata) { m.ResourceVersion = "8" }), false},
		{"deleted and made again under the same name", cached(func(m *metav1.PartialObjectMetadata) { m.UID = "u2" }), false},
		{"no key described", cached(func(m *metav1.PartialObjectMetadata) { delete(m.Annotations, v1alpha1.AnnotationKeyToken) }), false},
		{"another Secret", cached(func(m *metav1.PartialObjectMetadata) { m.Name = "other-key" }), false},
	}
	var m keySecretMemory
	m.remember(vk, written)
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			data, ok := m.unchanged(tc.cached)
			assert.Equal(t, tc.unchanged, ok)
			if tc.unchanged {
				assert.Equal(t, map[string][]byte{"url": []byte("http://proxy")}, data, "the template's data keys only: never the key")
			}
		})
	}
	m.forget(types.NamespacedName{Namespace: "ns", Name: "svc-key"})
	_, ok := m.unchanged(cached(nil))
	assert.False(t, ok, "forgotten")
}
