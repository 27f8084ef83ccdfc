package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
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
	// rotationDeferred reports a rotation put off until the current key carries this object's owner
	// stamp: the previous key of a rotation is deleted only when LiteLLM records it as this object's.
	rotationDeferred bool
	// generate reports that LiteLLM generates the key's value (see package keyvalues): nothing is
	// written before the call. rotate says why the key is replaced by a generated one ("": it is not).
	generate bool
	rotate   string
}

// name is the Secret's name, for messages.
func (k *keySecret) name() string {
	if k.secret == nil {
		return "(none)"
	}
	return k.secret.Name
}

// ensureKeySecret returns the key Secret, creating it (or writing a new key into it) when needed.
// A key the operator chooses is written to the Secret before LiteLLM hears of it, so a crash after
// /key/generate can never lose the only copy of a key. When LiteLLM generates the value (generate),
// nothing is written here: a missing Secret or a due rotation is left to Create (see package
// keyvalues). stamped reports whether LiteLLM records the key as this object's; a rotation waits
// until it does.
func (c *virtualKeyConnector) ensureKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, baseURL string, generate bool, stamped func(raw string) (bool, error)) (*keySecret, error) {
	scrubLegacyStatus(vk)
	if vk.Spec.KeyFrom != nil {
		return c.userKeySecret(ctx, vk)
	}
	deleting := !vk.DeletionTimestamp.IsZero()
	name := types.NamespacedName{Namespace: vk.Namespace, Name: keySecretName(vk)}
	if err := managed.InvalidName("metadata.annotations["+v1alpha1.AnnotationKeySecret+"]", name.Name, validation.IsDNS1123Subdomain); err != nil {
		if deleting {
			return &keySecret{}, nil
		}
		return nil, managed.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	secret, err := c.getKeySecret(ctx, vk, name)
	if err != nil {
		return nil, err
	}
	generate = generate && vk.Spec.Key == ""
	if secret == nil {
		if deleting {
			return &keySecret{}, nil
		}
		if generate {
			ks := &keySecret{generate: true}
			if vk.Status.TokenID != "" {
				ks.rotate = fmt.Sprintf("the key Secret %s was deleted", name.Name)
			}
			return ks, nil
		}
		raw, err := c.newRawKey(vk)
		if err != nil {
			return nil, err
		}
		secret = c.desiredKeySecret(vk, name, raw)
		applySecretTemplate(vk, secret, baseURL)
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
	ks := &keySecret{secret: secret, raw: raw, generate: generate}
	if deleting {
		return ks, nil
	}
	reason := c.rotationReason(vk, raw)
	if reason == "" {
		return ks, nil
	}
	if ok, err := stamped(raw); err != nil || !ok {
		// A key made before owner stamps: this reconcile stamps it, the next one rotates it.
		ks.rotationDeferred = err == nil
		return ks, err
	}
	if generate {
		if !strings.HasPrefix(raw, "sk-") {
			ks.raw = ""
		}
		ks.rotate = reason
		return ks, nil
	}
	newRaw, err := c.newRawKey(vk)
	if err != nil {
		return nil, err
	}
	if newRaw == raw {
		return ks, nil
	}
	if err := c.writeKey(ctx, secret, newRaw); err != nil {
		return nil, err
	}
	c.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate", "%s: issued a new key (%s)", reason, litellm.KeyName(newRaw))
	return &keySecret{secret: secret, raw: newRaw, rotated: true, fresh: vk.Spec.Key == ""}, nil
}

// writeKey writes raw into the key Secret. Only the key changes: data keys of spec.secretTemplate
// (or anyone's) stay. The optimistic lock keeps a concurrent writer's key from being overwritten.
func (c *virtualKeyConnector) writeKey(ctx context.Context, secret *corev1.Secret, raw string) error {
	before := secret.DeepCopy()
	secret.Data = maps.Clone(secret.Data)
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[v1alpha1.KeySecretDataKey] = []byte(raw)
	if err := c.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("writing the new key to Secret %s: %w", secret.Name, err)
	}
	return nil
}

// storeGeneratedKey writes a key LiteLLM generated into the key Secret, creating the Secret if it
// does not exist yet (step 3 of the sequence in package keyvalues).
func (c *virtualKeyConnector) storeGeneratedKey(ctx context.Context, vk *v1alpha1.VirtualKey, ks *keySecret, raw, baseURL string) error {
	if ks.secret != nil {
		if err := c.writeKey(ctx, ks.secret, raw); err != nil {
			return err
		}
	} else {
		name := types.NamespacedName{Namespace: vk.Namespace, Name: keySecretName(vk)}
		secret := c.desiredKeySecret(vk, name, raw)
		applySecretTemplate(vk, secret, baseURL)
		if err := c.client.Create(ctx, secret); err != nil {
			return fmt.Errorf("creating key Secret %s: %w", name, err)
		}
		ks.secret = secret
	}
	ks.raw = raw
	vk.Status.KeySecretRef = ks.secret.Name
	return nil
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
	case rotationInProgress(vk, raw):
		return "" // finish the rotation that wrote this key first
	case vk.Annotations[v1alpha1.AnnotationRotate] != "" && vk.Annotations[v1alpha1.AnnotationRotate] != vk.Status.RotationRequest:
		return fmt.Sprintf("rotation requested with %s=%q", v1alpha1.AnnotationRotate, vk.Annotations[v1alpha1.AnnotationRotate])
	case scheduledRotationDue(vk, c.now()):
		return fmt.Sprintf("scheduled rotation (spec.rotation.every is %s)", vk.Spec.Rotation.Every)
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
	legacy := false
	if !metav1.IsControlledBy(secret, vk) {
		if legacy, err = c.legacyUserKeySecret(ctx, secret, vk); err != nil {
			return nil, err
		}
	}
	if !metav1.IsControlledBy(secret, vk) && !legacy {
		if !vk.DeletionTimestamp.IsZero() {
			return nil, nil // someone else's Secret holds no key of this VirtualKey: nothing to delete with it
		}
		return nil, managed.Terminalf(v1alpha1.ReasonSecretConflict,
			"Secret %s exists and is not owned by this VirtualKey; the operator never overwrites it: delete or rename it, or rename the VirtualKey", name)
	}
	if !vk.DeletionTimestamp.IsZero() {
		return secret, nil
	}
	return secret, c.claimSecret(ctx, vk, secret)
}

// keySecretName is the name of the VirtualKey's key Secret: "<name>-key", or the name of a Secret
// adopted from the operator this one replaces (kept: applications mount it by name).
func keySecretName(vk *v1alpha1.VirtualKey) string {
	if name := vk.Annotations[v1alpha1.AnnotationKeySecret]; name != "" {
		return name
	}
	return v1alpha1.KeySecretName(vk.Name)
}

// claimSecret makes an adopted Secret ours: our labels (so the manager's cache holds it) and this
// VirtualKey as its controller (it may have been its User's, for a User's own key).
func (c *virtualKeyConnector) claimSecret(ctx context.Context, vk *v1alpha1.VirtualKey, secret *corev1.Secret) error {
	if metav1.IsControlledBy(secret, vk) && secret.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue &&
		secret.Labels[v1alpha1.LabelVirtualKey] == vk.Name {
		return nil
	}
	before := secret.DeepCopy()
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	secret.Labels[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	secret.Labels[v1alpha1.LabelVirtualKey] = vk.Name
	if !metav1.IsControlledBy(secret, vk) {
		secret.OwnerReferences = slices.DeleteFunc(secret.OwnerReferences, func(r metav1.OwnerReference) bool {
			return r.Controller != nil && *r.Controller
		})
		if err := controllerutil.SetControllerReference(vk, secret, c.client.Scheme()); err != nil {
			return err
		}
	}
	return c.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// legacyUserKeySecret reports the one Secret a VirtualKey may claim without controlling it: the key
// Secret of a User's auto-created key, left by the operator this one replaces. ownerReferences
// are written by whoever creates an object, so they prove nothing alone: the common controller
// must be a User of this namespace (read from the API server, by UID), the VirtualKey that User's
// own key "<user>-key", and the Secret named the replaced operator's way for that User's key alias.
func (c *virtualKeyConnector) legacyUserKeySecret(ctx context.Context, secret *corev1.Secret, vk *v1alpha1.VirtualKey) (bool, error) {
	owner, secretOwner := metav1.GetControllerOf(vk), metav1.GetControllerOf(secret)
	if owner == nil || secretOwner == nil || owner.UID != secretOwner.UID || owner.Kind != "User" ||
		owner.APIVersion != v1alpha1.GroupVersion.String() || vk.Name != owner.Name+UserKeySuffix {
		return false, nil
	}
	user := &v1alpha1.User{}
	err := c.client.Get(ctx, types.NamespacedName{Namespace: vk.Namespace, Name: owner.Name}, user)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return user.UID == owner.UID && user.Spec.KeyAlias != "" &&
		secret.Name == v1alpha1.LegacyKeySecretName(user.Spec.ConnectionRef, user.Spec.KeyAlias), nil
}

// scrubLegacyStatus forgets raw keys that the operator this one replaces kept in status (it
// stored the key itself in keyID or token): they are never copied anywhere, and copyStatus writes
// the hash in their place.
func scrubLegacyStatus(vk *v1alpha1.VirtualKey) {
	for _, f := range []*string{&vk.Status.KeyID, &vk.Status.Token, &vk.Status.TokenID} {
		if strings.HasPrefix(*f, "sk-") {
			*f = ""
		}
	}
}

// keySourceRefusal says why a Secret may not be read through keyFrom, or "" when it may. Whoever may
// create a VirtualKey must not thereby make the operator read a Secret they may not read
// themselves, nor register another VirtualKey's key: a Secret opts in with a label that only
// someone who may write Secrets in the namespace can set, and the operator's own key Secrets never
// can.
func keySourceRefusal(secret *corev1.Secret) string {
	switch {
	case secret.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue || ownedByVirtualKey(secret):
		return "is a key Secret of a VirtualKey: a key belongs to one VirtualKey only"
	case secret.Labels[v1alpha1.LabelKeySource] != "true":
		return fmt.Sprintf("has not opted in to being read as a key: someone who may write Secrets in this namespace must label it %s=true", v1alpha1.LabelKeySource)
	}
	return ""
}

func ownedByVirtualKey(secret *corev1.Secret) bool {
	for _, ref := range secret.OwnerReferences {
		if ref.Kind == "VirtualKey" && strings.HasPrefix(ref.APIVersion, v1alpha1.GroupVersion.Group+"/") {
			return true
		}
	}
	return false
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

// userKeySecret reads the key's value from the user's Secret named in spec.keyFrom. Nothing is
// written: the value goes to LiteLLM only. A new value in that Secret is a rotation, which the
// loop finishes like any other (status.tokenID names the previous key until then).
func (c *virtualKeyConnector) userKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey) (*keySecret, error) {
	ref := vk.Spec.KeyFrom.SecretKeyRef
	deleting := !vk.DeletionTimestamp.IsZero()
	if err := managed.InvalidName("keyFrom.secretKeyRef.name", ref.Name, validation.IsDNS1123Subdomain); err != nil {
		if deleting {
			return &keySecret{}, nil
		}
		return nil, managed.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	secret := &corev1.Secret{}
	// A direct read: the manager's cache holds only the operator's own Secrets.
	if err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: vk.Namespace, Name: ref.Name}, secret); err != nil {
		switch {
		case deleting && apierrors.IsNotFound(err):
			return &keySecret{}, nil
		case apierrors.IsNotFound(err):
			return nil, managed.Waiting(v1alpha1.ReasonDependencyMissing,
				fmt.Sprintf("Secret %s named in spec.keyFrom does not exist; the key is registered in LiteLLM once it does", ref.Name), 30*time.Second)
		}
		return nil, err
	}
	if why := keySourceRefusal(secret); why != "" {
		if deleting {
			return &keySecret{}, nil // its value proves nothing: only stamped keys are deleted
		}
		return nil, managed.Terminalf(v1alpha1.ReasonNotPermitted, "Secret %s named in spec.keyFrom %s", ref.Name, why)
	}
	raw := strings.TrimSpace(string(secret.Data[ref.Key]))
	if !strings.HasPrefix(raw, "sk-") || strings.ContainsAny(raw, " \t\r\n") {
		if deleting {
			return &keySecret{secret: secret}, nil
		}
		return nil, managed.Waiting(v1alpha1.ReasonDependencyMissing,
			fmt.Sprintf("data key %q of Secret %s named in spec.keyFrom must hold a key that starts with \"sk-\" and has no spaces", ref.Key, ref.Name), 30*time.Second)
	}
	return &keySecret{secret: secret, raw: raw, rotated: !deleting && rotationInProgress(vk, raw)}, nil
}
