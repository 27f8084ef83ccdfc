package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// keySecret is the VirtualKey's Secret as this reconcile found or made it.
type keySecret struct {
	secret *corev1.Secret
	// raw is the raw key; "" when there is no Secret (only while deleting).
	raw string
	// rotated reports that this reconcile wrote a new key into the Secret.
	rotated bool
	// fresh reports a key this reconcile generated: no LiteLLM object can have it yet.
	fresh bool
}

// ensureKeySecret returns the key Secret, creating it (or writing a new key into it) when needed.
// The raw key is always written to the Secret before LiteLLM hears of it, so a crash after
// /key/generate can never lose the only copy of a key.
func (c *virtualKeyConnector) ensureKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey) (*keySecret, error) {
	name := types.NamespacedName{Namespace: vk.Namespace, Name: v1alpha1.KeySecretName(vk.Name)}
	secret, err := c.getKeySecret(ctx, vk, name)
	if err != nil {
		return nil, err
	}
	deleting := !vk.DeletionTimestamp.IsZero()
	if secret == nil {
		if deleting {
			return &keySecret{}, nil
		}
		raw, err := c.newRawKey(vk)
		if err != nil {
			return nil, err
		}
		secret = c.desiredKeySecret(vk, name, raw)
		if err := c.client.Create(ctx, secret); err != nil {
			return nil, fmt.Errorf("creating key Secret %s: %w", name, err)
		}
		ks := &keySecret{secret: secret, raw: raw, rotated: vk.Status.TokenID != "", fresh: vk.Spec.Key == ""}
		if ks.rotated {
			c.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate",
				"the key Secret %s was deleted: issued a new key (%s) to replace %s", name.Name, litellm.KeyName(raw), vk.Status.KeyName)
		}
		return ks, nil
	}

	raw := strings.TrimSpace(string(secret.Data[v1alpha1.KeySecretDataKey]))
	ks := &keySecret{secret: secret, raw: raw}
	if deleting {
		return ks, nil
	}
	reason := c.rotationReason(vk, raw)
	if reason == "" {
		return ks, nil
	}
	newRaw, err := c.newRawKey(vk)
	if err != nil {
		return nil, err
	}
	if newRaw == raw {
		return ks, nil
	}
	before := secret.DeepCopy()
	secret.Data = map[string][]byte{v1alpha1.KeySecretDataKey: []byte(newRaw)}
	if err := c.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("writing the new key to Secret %s: %w", name, err)
	}
	c.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate", "%s: issued a new key (%s)", reason, litellm.KeyName(newRaw))
	return &keySecret{secret: secret, raw: newRaw, rotated: true, fresh: vk.Spec.Key == ""}, nil
}

// rotationReason says why the key in the Secret must be replaced, or "" when it must not.
func (c *virtualKeyConnector) rotationReason(vk *v1alpha1.VirtualKey, raw string) string {
	switch {
	case vk.Spec.Key != "" && raw != vk.Spec.Key:
		return "the key Secret did not hold spec.key"
	case vk.Spec.Key != "":
		return "" // the value is the user's: never replaced by the operator
	case !strings.HasPrefix(raw, "sk-"):
		return "the key Secret held no valid key"
	case vk.Annotations[v1alpha1.AnnotationRotate] != "" && vk.Annotations[v1alpha1.AnnotationRotate] != vk.Status.RotationRequest:
		return fmt.Sprintf("rotation requested with %s=%q", v1alpha1.AnnotationRotate, vk.Annotations[v1alpha1.AnnotationRotate])
	}
	return ""
}

func (c *virtualKeyConnector) newRawKey(vk *v1alpha1.VirtualKey) (string, error) {
	if vk.Spec.Key != "" {
		return vk.Spec.Key, nil
	}
	return litellm.GenerateRawKey()
}

// getKeySecret reads the key Secret. The manager's cache holds only the operator's labelled
// Secrets, so a miss is confirmed with a direct read: the Secret may be someone else's (reported,
// never overwritten) or ours and not yet in the cache.
func (c *virtualKeyConnector) getKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, name types.NamespacedName) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	err := c.client.Get(ctx, name, secret)
	if err == nil && metav1.IsControlledBy(secret, vk) {
		return secret, nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if err := c.apiReader.Get(ctx, name, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	if !metav1.IsControlledBy(secret, vk) {
		return nil, managed.Terminalf(v1alpha1.ReasonSecretConflict,
			"Secret %s exists and is not owned by this VirtualKey; the operator never overwrites it: delete or rename it, or rename the VirtualKey", name)
	}
	return secret, nil
}

func (c *virtualKeyConnector) desiredKeySecret(vk *v1alpha1.VirtualKey, name types.NamespacedName, raw string) *corev1.Secret {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: name.Namespace,
			Name:      name.Name,
			Labels: map[string]string{
				v1alpha1.LabelManagedBy:  v1alpha1.ManagedByValue,
				v1alpha1.LabelVirtualKey: vk.Name,
			},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{v1alpha1.KeySecretDataKey: []byte(raw)},
	}
	// The owner reference lets garbage collection delete the Secret with the VirtualKey. Setting
	// it cannot fail for a VirtualKey read from the API server.
	_ = controllerutil.SetControllerReference(vk, secret, c.client.Scheme())
	return secret
}
