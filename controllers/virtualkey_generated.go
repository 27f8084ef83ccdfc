package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/fields"
	"github.com/litellm-operator/litellm-operator/controllers/keyvalues"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/ownership"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// EventUnstoredKeyDeleted: a key LiteLLM generated for the object was deleted because its value
// never reached the Secret (an earlier attempt lost the response or stopped).
const EventUnstoredKeyDeleted = "UnstoredKeyDeleted"

// noKeyValue is the not-found answer for a Secret that holds no value yet because LiteLLM is to
// generate it: no key of it can exist.
var noKeyValue = &litellm.Error{Reason: litellm.ReasonNotFound, Message: "the key Secret holds no value yet"}

// afterKeyGenerated, when set (by tests only), runs between /key/generate and the Secret write of
// a generated key; an error it returns ends the reconcile there, as a crash of the operator would.
var afterKeyGenerated atomic.Pointer[func(*v1alpha1.VirtualKey) error]

// createGenerated lets LiteLLM generate the key, in the crash-safe sequence of package keyvalues.
func (e *virtualKeyExternal) createGenerated(ctx context.Context, vk *v1alpha1.VirtualKey) error {
	if !e.aliasChecked {
		// Observe went straight to the create of a value it had just chosen, which the proxy
		// refused: find out now whether the alias is free, before LiteLLM makes a key.
		if err := e.checkAliasHolders(ctx, vk, e.hash(), vk.Status.TokenID); err != nil {
			return err
		}
	}
	// Step 1: keys of earlier attempts whose value nobody holds.
	unstored, err := e.unstoredKeys(ctx)
	if err != nil {
		return err
	}
	if len(unstored) > 0 {
		if _, err := e.lc.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: unstored}); err != nil && !litellm.IsNotFound(err) {
			return err
		}
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventUnstoredKeyDeleted, "Create",
			"deleted %d key(s) LiteLLM had generated for this object whose value was never stored (an earlier attempt was interrupted)", len(unstored))
	}
	if e.secret.rotate != "" {
		e.connector.recorder.Eventf(vk, nil, corev1.EventTypeNormal, EventRotating, "Rotate",
			"%s: LiteLLM generates the new key", e.secret.rotate)
	}
	// Step 2: the key, under the pending alias.
	req := fields.KeyGenerateRequest(vk, "")
	req.Metadata = e.tenancy.owner.Stamp(req.Metadata)
	req.KeyAlias = e.pendingAlias()
	resp, err := e.generateKey(ctx, vk, req)
	if err != nil {
		return err
	}
	if hook := afterKeyGenerated.Load(); hook != nil {
		if err := (*hook)(vk); err != nil {
			return err
		}
	}
	if !validKey(resp.RawKey) {
		return errors.New("LiteLLM answered /key/generate without a key value; the key it made is deleted by the next attempt")
	}
	// Step 3: the value into the Secret. From here on the key is the object's key.
	if err := e.connector.storeGeneratedKey(ctx, vk, e.secret, resp.RawKey, e.lc.BaseURL()); err != nil {
		return err
	}
	key := resp.Key
	key.Token = e.hash()
	// Steps 4 and 5: retire the previous key, give the new one its alias.
	if e.previous != "" {
		if err := e.finishRotation(ctx, vk, &key); err != nil {
			return err
		}
	} else {
		if err := e.giveAlias(ctx, vk, &key); err != nil {
			return err
		}
		if e.secret.rotate != "" {
			e.recordRotation(vk) // the previous key was gone already
		}
	}
	e.created(vk, &key)
	return nil
}

// secretKeyInfo reads the key whose value the Secret holds.
func (e *virtualKeyExternal) secretKeyInfo(ctx context.Context, hash string) (*litellm.KeyInfoResponse, error) {
	if e.secret.token == "" {
		return nil, noKeyValue
	}
	return e.lc.KeyInfo(ctx, hash)
}

// pendingAlias is the alias this object's generated keys hold until their value is stored.
func (e *virtualKeyExternal) pendingAlias() string {
	return keyvalues.PendingAlias(e.tenancy.owner.String())
}

// unstoredKeys lists the keys under the pending alias that carry this object's owner stamp and
// are not the Secret's key: nobody holds their value. A key there without the stamp is not
// touched: it is reported.
func (e *virtualKeyExternal) unstoredKeys(ctx context.Context) ([]string, error) {
	alias := e.pendingAlias()
	holders, err := e.lc.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias, ReturnFullObject: true, Size: 100})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range holders.Keys {
		switch {
		case e.secret.token != "" && k.Token == e.hash():
			continue
		case e.tenancy.owner.Claim(k.Metadata) != ownership.Ours:
			return nil, managed.Terminalf(v1alpha1.ReasonAliasInUse,
				"key alias %q, which the operator gives this VirtualKey's keys until their value is stored, belongs to another LiteLLM key: ask the proxy's administrator about that key",
				alias)
		}
		out = append(out, k.Token)
	}
	return out, nil
}

// userChosenKey names the field that chooses the key's value, or "" when the operator does.
func userChosenKey(vk *v1alpha1.VirtualKey) string {
	switch {
	case vk.Spec.Key != "":
		return "spec.key"
	case vk.Spec.KeyFrom != nil:
		return "spec.keyFrom"
	}
	return ""
}

// customKeysDisabled reports a key whose value the user chose on a proxy that generates every key
// itself: the key cannot be created or rotated until the spec or the proxy changes.
func customKeysDisabled(vk *v1alpha1.VirtualKey, why string) error {
	field := userChosenKey(vk)
	return managed.Terminal(v1alpha1.ReasonCustomKeysDisabled, fmt.Errorf(
		"%s chooses the key's value, but %s: remove %s to let LiteLLM generate the key, or ask the proxy's administrator to allow custom key values",
		field, why, field))
}
