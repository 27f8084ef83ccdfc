package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Event reasons of the key lifecycle.
const (
	EventRetiredKeyDeleted = "RetiredKeyDeleted"
	EventRenewed           = "Renewed"
	EventRenewIgnored      = "RenewIgnored"
)

// defaultGracePeriod applies when spec.rotation is set without gracePeriod (the CRD defaults it
// too; this covers objects written before the field existed).
const defaultGracePeriod = time.Hour

// gracePeriod is how long a replaced key stays valid. Without spec.rotation the replaced key is
// deleted at once, as before the field existed.
func gracePeriod(vk *v1alpha1.VirtualKey) time.Duration {
	r := vk.Spec.Rotation
	if r == nil {
		return 0
	}
	if r.GracePeriod == "" {
		return defaultGracePeriod
	}
	d, err := time.ParseDuration(r.GracePeriod)
	if err != nil || d < 0 {
		return defaultGracePeriod
	}
	return d
}

// nextRotation is when the next scheduled rotation is due: spec.rotation.every after the last
// rotation, or after the VirtualKey's creation before the first one.
func nextRotation(vk *v1alpha1.VirtualKey) (time.Time, bool) {
	r := vk.Spec.Rotation
	if r == nil || r.Every == "" || vk.Spec.Key != "" {
		return time.Time{}, false
	}
	every, err := time.ParseDuration(r.Every)
	if err != nil || every <= 0 {
		return time.Time{}, false
	}
	base := vk.CreationTimestamp.Time
	if t, err := time.Parse(time.RFC3339, vk.Status.LastRotation); err == nil {
		base = t
	}
	return base.Add(every), true
}

// setNextRotation shows the next scheduled rotation in status.
func setNextRotation(vk *v1alpha1.VirtualKey) {
	vk.Status.NextRotation = ""
	if t, ok := nextRotation(vk); ok {
		vk.Status.NextRotation = t.UTC().Format(time.RFC3339)
	}
}

// scheduledRotationDue reports a scheduled rotation that is due for a key that exists.
func scheduledRotationDue(vk *v1alpha1.VirtualKey, now time.Time) bool {
	t, ok := nextRotation(vk)
	return ok && vk.Status.TokenID != "" && !now.Before(t)
}

// rotationInProgress reports that the Secret holds a key that has not replaced status.tokenID
// yet: that rotation is finished before another one starts, so no key issued in between is ever
// forgotten in LiteLLM.
func rotationInProgress(vk *v1alpha1.VirtualKey, token string) bool {
	return vk.Status.TokenID != "" && token != vk.Status.TokenID
}

// retire keeps the replaced key valid for the grace period: it gives up the alias (LiteLLM
// refuses a second key with the same alias) and is recorded in status.retiringKeys, from where it
// is deleted when the grace period ends, also after a crash.
func (e *virtualKeyExternal) retire(ctx context.Context, vk *v1alpha1.VirtualKey, token, name string, grace time.Duration) error {
	if !slices.ContainsFunc(vk.Status.RetiringKeys, func(r v1alpha1.RetiringKey) bool { return r.TokenID == token }) {
		if _, err := e.lc.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: token, KeyAlias: litellm.Null[string]()}); err != nil && !litellm.IsNotFound(err) {
			return err
		}
		vk.Status.RetiringKeys = append(vk.Status.RetiringKeys, v1alpha1.RetiringKey{
			TokenID: token, KeyName: name, DeleteAfter: e.connector.now().Add(grace).UTC().Format(time.RFC3339),
		})
	}
	return nil
}

// Finish deletes the replaced keys whose grace period is over. On a failure the keys not yet
// deleted stay in status and are tried again.
func (e *virtualKeyExternal) Finish(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	now := e.connector.now()
	pending := vk.Status.RetiringKeys
	var keep []v1alpha1.RetiringKey
	for i, r := range pending {
		if r.TokenID == e.hash() {
			continue // the Secret's key is never retired
		}
		if t, err := time.Parse(time.RFC3339, r.DeleteAfter); err == nil && now.Before(t) {
			keep = append(keep, r)
			continue
		}
		// Status is only a hint: the key is deleted only when LiteLLM records it as this object's.
		ours, err := e.ownsKey(ctx, r.TokenID)
		if err == nil && ours {
			_, err = e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{r.TokenID}})
		}
		if err != nil && !litellm.IsNotFound(err) {
			vk.Status.RetiringKeys = append(keep, pending[i:]...)
			return err
		}
		if !ours {
			continue // gone already, or not this object's to delete
		}
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRetiredKeyDeleted, "Rotate",
			"the grace period of the replaced key %s is over: it was deleted from LiteLLM", r.KeyName)
	}
	vk.Status.RetiringKeys = keep
	return nil
}

// ownsKey reports that LiteLLM holds the key with this object's owner stamp.
func (e *virtualKeyExternal) ownsKey(ctx context.Context, token string) (bool, error) {
	info, err := e.lc.KeyInfo(ctx, token)
	if err != nil {
		return false, err
	}
	return e.tenancy.owner.Claim(info.Info.Metadata) == ownership.Ours, nil
}

// NextReconcile comes back when a replaced key is due for deletion or a scheduled rotation is due.
func (e *virtualKeyExternal) NextReconcile(vk *v1alpha1.VirtualKey) time.Duration {
	now := e.connector.now()
	var next time.Duration
	consider := func(t time.Time) {
		d := max(t.Sub(now), time.Second) // RFC 3339 drops fractions: never a hot loop
		if next == 0 || d < next {
			next = d
		}
	}
	for _, r := range vk.Status.RetiringKeys {
		if t, err := time.Parse(time.RFC3339, r.DeleteAfter); err == nil {
			consider(t.Add(time.Second))
		}
	}
	if e.secret != nil && e.secret.rotationDeferred {
		consider(now) // the key is stamped now: rotate it
	}
	if t, ok := nextRotation(vk); ok {
		consider(t.Add(time.Second))
	}
	return next
}

// renewRequested reports an auth.litellm.ai/renew value not honoured yet.
func renewRequested(vk *v1alpha1.VirtualKey) bool {
	v := vk.Annotations[v1alpha1.AnnotationRenew]
	return v != "" && v != vk.Status.RenewRequest
}

// renew adds spec.duration to the update once per renew annotation value: LiteLLM counts it from
// the time of the call, so the expiry moves to now + duration. A resync never does this.
func (e *virtualKeyExternal) renew(vk *v1alpha1.VirtualKey, req *litellm.KeyUpdateRequest) bool {
	if !renewRequested(vk) {
		return false
	}
	vk.Status.RenewRequest = vk.Annotations[v1alpha1.AnnotationRenew]
	if vk.Spec.Duration == "" {
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeWarning, EventRenewIgnored, "Renew",
			"%s=%q asks to renew the expiry, but spec.duration is not set: the key never expires", v1alpha1.AnnotationRenew, vk.Status.RenewRequest)
		return false
	}
	req.Duration = litellm.Set(vk.Spec.Duration)
	return true
}

// Secret template entries are recorded as "<kind>:<name>".
const (
	templateLabel      = "label:"
	templateAnnotation = "annotation:"
	templateData       = "data:"
)

// applySecretTemplate puts spec.secretTemplate on the key Secret and removes what an earlier
// template put there and the current one no longer has (status.secretTemplateKeys); nothing else
// on the Secret is touched. It reports whether the Secret changed.
func applySecretTemplate(vk *v1alpha1.VirtualKey, secret *corev1.Secret, baseURL string) bool {
	want := map[string]string{}
	if t := vk.Spec.SecretTemplate; t != nil {
		for k, v := range t.Labels {
			want[templateLabel+k] = v
		}
		for k, v := range t.Annotations {
			want[templateAnnotation+k] = v
		}
		if t.BaseURLKey != "" && t.BaseURLKey != v1alpha1.KeySecretDataKey {
			want[templateData+t.BaseURLKey] = baseURL
		}
	}
	changed := false
	set := func(entry, value string, remove bool) {
		kind, name, _ := strings.Cut(entry, ":")
		switch kind + ":" {
		case templateLabel:
			if name == v1alpha1.LabelManagedBy || name == v1alpha1.LabelVirtualKey {
				return
			}
			changed = setString(&secret.Labels, name, value, remove) || changed
		case templateAnnotation:
			if strings.HasPrefix(name, "auth.litellm.ai/") {
				return
			}
			changed = setString(&secret.Annotations, name, value, remove) || changed
		case templateData:
			if name == v1alpha1.KeySecretDataKey {
				return
			}
			if remove {
				if _, ok := secret.Data[name]; ok {
					delete(secret.Data, name)
					changed = true
				}
			} else if string(secret.Data[name]) != value {
				if secret.Data == nil {
					secret.Data = map[string][]byte{}
				}
				secret.Data[name] = []byte(value)
				changed = true
			}
		}
	}
	for _, entry := range slices.Sorted(maps.Keys(want)) {
		set(entry, want[entry], false)
	}
	for _, entry := range vk.Status.SecretTemplateKeys {
		if _, ok := want[entry]; !ok {
			set(entry, "", true)
		}
	}
	vk.Status.SecretTemplateKeys = nil
	if len(want) > 0 {
		vk.Status.SecretTemplateKeys = slices.Sorted(maps.Keys(want))
	}
	return changed
}

func setString(m *map[string]string, name, value string, remove bool) bool {
	if remove {
		if _, ok := (*m)[name]; ok {
			delete(*m, name)
			return true
		}
		return false
	}
	if cur, ok := (*m)[name]; ok && cur == value {
		return false
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[name] = value
	return true
}

// syncSecretTemplate keeps an existing key Secret in line with spec.secretTemplate; it writes
// only when something differs.
func (c *virtualKeyConnector) syncSecretTemplate(ctx context.Context, vk *v1alpha1.VirtualKey, secret *corev1.Secret, baseURL string) error {
	before := secret.DeepCopy()
	applied := vk.Status.SecretTemplateKeys
	if !applySecretTemplate(vk, secret, baseURL) {
		return nil
	}
	if err := c.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		vk.Status.SecretTemplateKeys = applied // what is on the Secret is unchanged
		return fmt.Errorf("applying spec.secretTemplate to Secret %s: %w", secret.Name, err)
	}
	c.secrets.remember(vk, secret)
	return nil
}
