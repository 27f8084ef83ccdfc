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
	// secret is the Secret; its data holds the raw key only when this reconcile read or wrote it
	// (a Secret known from the metadata cache carries the data spec.secretTemplate put there).
	secret *corev1.Secret
	// raw is the raw key when this reconcile read or wrote it (a valid key only); see
	// virtualKeyConnector.rawKey.
	raw string
	// token is the hash of the key (LiteLLM's token) and keyName its redacted form; "" when
	// there is no Secret (only while deleting) or it holds no valid key.
	token, keyName string
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

// withKey returns a keySecret of secret holding raw.
func withKey(secret *corev1.Secret, raw string) *keySecret {
	ks := &keySecret{secret: secret}
	ks.setKey(raw)
	return ks
}

// setKey records raw as the key the Secret holds; a value that is no valid key is no key.
func (k *keySecret) setKey(raw string) {
	k.raw, k.token, k.keyName = "", "", ""
	if validKey(raw) {
		k.raw, k.token, k.keyName = raw, litellm.HashKey(raw), litellm.KeyName(raw)
	}
}

func validKey(raw string) bool { return strings.HasPrefix(raw, "sk-") }

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
// keyvalues). stamped reports whether LiteLLM records the key with this token as this object's; a
// rotation waits until it does.
func (c *virtualKeyConnector) ensureKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, baseURL string, generate bool, stamped func(token string) (bool, error)) (*keySecret, error) {
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
	if deleting {
		c.secrets.forget(name)
	}
	ks, err := c.findKeySecret(ctx, vk, name)
	if err != nil {
		return nil, err
	}
	generate = generate && vk.Spec.Key == ""
	if ks == nil && generate && !deleting {
		// Nothing is created before LiteLLM generates the key, so a Secret missing from the cache
		// is confirmed with a read: one that is someone else's is reported before a key is made.
		if ks, err = c.readKeySecret(ctx, vk, name); err != nil {
			return nil, err
		}
	}
	if ks == nil {
		switch {
		case deleting:
			return &keySecret{}, nil
		case generate:
			ks := &keySecret{generate: true}
			if vk.Status.TokenID != "" {
				ks.rotate = fmt.Sprintf("the key Secret %s was deleted", name.Name)
			}
			return ks, nil
		}
		if ks, err = c.createKeySecret(ctx, vk, name, baseURL); ks != nil || err != nil {
			return ks, err
		}
		// It exists after all (not in the cache yet, or not the operator's): read it.
		if ks, err = c.readKeySecret(ctx, vk, name); err != nil {
			return nil, err
		}
		if ks == nil {
			return nil, fmt.Errorf("key Secret %s was deleted while it was being created", name)
		}
	}
	ks.generate = generate
	if deleting {
		return ks, nil
	}
	return c.replaceKeyIfDue(ctx, vk, ks, stamped)
}

// replaceKeyIfDue writes a new key into the Secret when the key it holds must be replaced
// (rotationReason). When LiteLLM generates the value, it only records why: Create replaces it.
func (c *virtualKeyConnector) replaceKeyIfDue(ctx context.Context, vk *v1alpha1.VirtualKey, ks *keySecret, stamped func(token string) (bool, error)) (*keySecret, error) {
	reason := c.rotationReason(vk, ks.token)
	if reason == "" {
		return ks, nil
	}
	if ks.token != "" {
		if ok, err := stamped(ks.token); err != nil || !ok {
			// A key made before owner stamps: this reconcile stamps it, the next one rotates it.
			ks.rotationDeferred = err == nil
			return ks, err
		}
	}
	if ks.generate {
		ks.rotate = reason
		return ks, nil
	}
	newRaw, err := c.newRawKey(vk)
	if err != nil {
		return nil, err
	}
	if litellm.HashKey(newRaw) == ks.token {
		return ks, nil
	}
	if err := c.writeKey(ctx, vk, ks.secret, newRaw); err != nil {
		return nil, err
	}
	c.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate", "%s: issued a new key (%s)", reason, litellm.KeyName(newRaw))
	ks = withKey(ks.secret, newRaw)
	ks.rotated, ks.fresh = true, vk.Spec.Key == ""
	return ks, nil
}

// writeKey writes raw into the key Secret and the annotations that describe it. Only the key
// changes: data keys of spec.secretTemplate (or anyone's) stay. The optimistic lock keeps a
// concurrent writer's key from being overwritten.
func (c *virtualKeyConnector) writeKey(ctx context.Context, vk *v1alpha1.VirtualKey, secret *corev1.Secret, raw string) error {
	before := secret.DeepCopy()
	secret.Data = maps.Clone(secret.Data)
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[v1alpha1.KeySecretDataKey] = []byte(raw)
	describeKey(secret, raw)
	if err := c.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("writing the new key to Secret %s: %w", secret.Name, err)
	}
	c.secrets.remember(vk, secret)
	return nil
}

// storeGeneratedKey writes a key LiteLLM generated into the key Secret, creating the Secret if it
// does not exist yet (step 3 of the sequence in package keyvalues).
func (c *virtualKeyConnector) storeGeneratedKey(ctx context.Context, vk *v1alpha1.VirtualKey, ks *keySecret, raw, baseURL string) error {
	if ks.secret != nil {
		if err := c.writeKey(ctx, vk, ks.secret, raw); err != nil {
			return err
		}
	} else {
		name := types.NamespacedName{Namespace: vk.Namespace, Name: keySecretName(vk)}
		secret := c.desiredKeySecret(vk, name, raw)
		applySecretTemplate(vk, secret, baseURL)
		if err := c.client.Create(ctx, secret); err != nil {
			return fmt.Errorf("creating key Secret %s: %w", name, err)
		}
		c.secrets.remember(vk, secret)
		ks.secret = secret
	}
	ks.setKey(raw)
	vk.Status.KeySecretRef = ks.secret.Name
	return nil
}

// createKeySecret creates the key Secret with a new key. It returns nil when a Secret of that name
// exists already: the create path of a new VirtualKey reads nothing before it writes.
func (c *virtualKeyConnector) createKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, name types.NamespacedName, baseURL string) (*keySecret, error) {
	raw, err := c.newRawKey(vk)
	if err != nil {
		return nil, err
	}
	secret := c.desiredKeySecret(vk, name, raw)
	applySecretTemplate(vk, secret, baseURL)
	if err := c.client.Create(ctx, secret); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("creating key Secret %s: %w", name, err)
	}
	c.secrets.remember(vk, secret)
	ks := withKey(secret, raw)
	ks.rotated, ks.fresh = vk.Status.TokenID != "", vk.Spec.Key == ""
	if ks.rotated {
		c.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate",
			"the key Secret %s was deleted: issued a new key (%s) to replace %s", name.Name, ks.keyName, vk.Status.KeyName)
	}
	return ks, nil
}

// rotationReason says why the key in the Secret (token is its hash, "" when it holds no valid key)
// must be replaced, or "" when it must not.
func (c *virtualKeyConnector) rotationReason(vk *v1alpha1.VirtualKey, token string) string {
	switch {
	case vk.Spec.Key != "" && token != litellm.HashKey(vk.Spec.Key):
		return "the key Secret did not hold spec.key"
	case vk.Spec.Key != "":
		return "" // the value is the user's: never replaced by the operator
	case token == "":
		return "the key Secret held no valid key"
	case rotationInProgress(vk, token):
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

// findKeySecret finds the key Secret in the manager's cache, which holds the metadata of the
// operator's labelled Secrets only. A Secret this VirtualKey controls, unchanged since the operator
// last read or wrote it, is described by its annotations: its data is not read. Anything else is
// read from the API server. Not in the cache: nil, with no read (a create finds out whether it
// exists after all).
func (c *virtualKeyConnector) findKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, name types.NamespacedName) (*keySecret, error) {
	cached := &metav1.PartialObjectMetadata{}
	cached.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := c.client.Get(ctx, name, cached); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	if metav1.IsControlledBy(cached, vk) {
		if data, ok := c.secrets.unchanged(cached); ok {
			secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: cached.ObjectMeta, Data: data}
			return &keySecret{secret: secret, token: cached.Annotations[v1alpha1.AnnotationKeyToken], keyName: cached.Annotations[v1alpha1.AnnotationKeyName]}, nil
		}
	}
	return c.readKeySecret(ctx, vk, name)
}

// readKeySecret reads the key Secret from the API server: it may be someone else's (reported,
// never overwritten), one to adopt, or ours and changed since the operator last saw it.
func (c *virtualKeyConnector) readKeySecret(ctx context.Context, vk *v1alpha1.VirtualKey, name types.NamespacedName) (*keySecret, error) {
	secret := &corev1.Secret{}
	if err := c.apiReader.Get(ctx, name, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	legacy := false
	if !metav1.IsControlledBy(secret, vk) {
		var err error
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
	ks := withKey(secret, strings.TrimSpace(string(secret.Data[v1alpha1.KeySecretDataKey])))
	if !vk.DeletionTimestamp.IsZero() {
		return ks, nil
	}
	if err := c.claimSecret(ctx, vk, secret, ks.raw); err != nil {
		return nil, err
	}
	c.secrets.remember(vk, secret)
	return ks, nil
}

// rawKey returns the raw key of the Secret, read from the API server when this reconcile has not
// read it yet: only a create of the key in LiteLLM and a /key/update (addressed by the raw key, see
// addressUpdate) need it. "" when the Secret holds no valid key.
func (c *virtualKeyConnector) rawKey(ctx context.Context, ks *keySecret) (string, error) {
	if ks.raw != "" || ks.token == "" {
		return ks.raw, nil
	}
	secret := &corev1.Secret{}
	if err := c.apiReader.Get(ctx, client.ObjectKeyFromObject(ks.secret), secret); err != nil {
		return "", fmt.Errorf("reading the key from Secret %s: %w", ks.secret.Name, err)
	}
	raw := strings.TrimSpace(string(secret.Data[v1alpha1.KeySecretDataKey]))
	if !validKey(raw) || litellm.HashKey(raw) != ks.token {
		return "", fmt.Errorf("the key in Secret %s changed while it was being reconciled; retrying", ks.secret.Name)
	}
	ks.raw = raw
	return raw, nil
}

// keySecretName is the name of the VirtualKey's key Secret: "<name>-key", or the name of a Secret
// adopted from the operator this one replaces (kept: applications mount it by name).
func keySecretName(vk *v1alpha1.VirtualKey) string {
	if name := vk.Annotations[v1alpha1.AnnotationKeySecret]; name != "" {
		return name
	}
	return v1alpha1.KeySecretName(vk.Name)
}

// claimSecret makes an adopted Secret ours: our labels (so the manager's cache holds it), this
// VirtualKey as its controller (it may have been its User's, for a User's own key) and the
// annotations that describe its key (raw) to the metadata cache.
func (c *virtualKeyConnector) claimSecret(ctx context.Context, vk *v1alpha1.VirtualKey, secret *corev1.Secret, raw string) error {
	before := secret.DeepCopy()
	describeKey(secret, raw)
	if metav1.IsControlledBy(secret, vk) && secret.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue &&
		secret.Labels[v1alpha1.LabelVirtualKey] == vk.Name && maps.Equal(before.Annotations, secret.Annotations) {
		return nil
	}
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

// describeKey puts the hash and the redacted form of the key into the Secret's annotations (none
// for a Secret without a valid key), so that the metadata cache tells which key it holds.
func describeKey(secret *corev1.Secret, raw string) {
	if !validKey(raw) {
		delete(secret.Annotations, v1alpha1.AnnotationKeyToken)
		delete(secret.Annotations, v1alpha1.AnnotationKeyName)
		return
	}
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	secret.Annotations[v1alpha1.AnnotationKeyToken] = litellm.HashKey(raw)
	secret.Annotations[v1alpha1.AnnotationKeyName] = litellm.KeyName(raw)
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
	describeKey(secret, raw)
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
	ks := withKey(secret, raw)
	ks.rotated = !deleting && rotationInProgress(vk, ks.token)
	return ks, nil
}
