package controllers

import (
	"maps"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// keySecretMemory remembers, for each key Secret, the version at which the operator last read or
// wrote its data. The manager caches key Secrets as metadata only (no raw keys in the operator's
// memory, less memory per key); a Secret still at that version holds what its annotations
// describe, so a resync needs no read of its data. After a restart, or after anyone else changed
// the Secret, its data is read once.
type keySecretMemory struct {
	seen sync.Map // types.NamespacedName → seenSecret
}

type seenSecret struct {
	uid             types.UID
	resourceVersion string
	// templateData holds the data keys spec.secretTemplate manages (e.g. the proxy's URL), so
	// that the template can be kept without reading the Secret; never the key itself.
	templateData map[string][]byte
}

// remember records the Secret as read or written just now.
func (m *keySecretMemory) remember(vk *v1alpha1.VirtualKey, secret *corev1.Secret) {
	var data map[string][]byte
	for _, name := range templateDataKeys(vk) {
		if v, ok := secret.Data[name]; ok {
			if data == nil {
				data = map[string][]byte{}
			}
			data[name] = v
		}
	}
	m.seen.Store(types.NamespacedName{Namespace: secret.Namespace, Name: secret.Name}, seenSecret{uid: secret.UID, resourceVersion: secret.ResourceVersion, templateData: data})
}

// unchanged reports whether the cached Secret is still what the operator last read or wrote, and
// returns the template's data keys then (a copy).
func (m *keySecretMemory) unchanged(cached *metav1.PartialObjectMetadata) (map[string][]byte, bool) {
	v, ok := m.seen.Load(types.NamespacedName{Namespace: cached.Namespace, Name: cached.Name})
	if !ok {
		return nil, false
	}
	s := v.(seenSecret)
	if s.uid != cached.UID || s.resourceVersion != cached.ResourceVersion || cached.Annotations[v1alpha1.AnnotationKeyToken] == "" {
		return nil, false
	}
	return maps.Clone(s.templateData), true
}

func (m *keySecretMemory) forget(name types.NamespacedName) { m.seen.Delete(name) }

// templateDataKeys are the data keys spec.secretTemplate puts on the key Secret now or did before
// (status.secretTemplateKeys).
func templateDataKeys(vk *v1alpha1.VirtualKey) []string {
	var names []string
	if t := vk.Spec.SecretTemplate; t != nil && t.BaseURLKey != "" && t.BaseURLKey != v1alpha1.KeySecretDataKey {
		names = append(names, t.BaseURLKey)
	}
	for _, entry := range vk.Status.SecretTemplateKeys {
		if name, ok := strings.CutPrefix(entry, templateData); ok {
			names = append(names, name)
		}
	}
	return names
}
