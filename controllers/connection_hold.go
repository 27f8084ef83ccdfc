package controllers

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
)

// secretRefIndex indexes the four kinds by the name of their secretRef connection Secret.
const secretRefIndex = "spec.connectionRef.secretRef.name"

// secretHold keeps a secretRef connection Secret while objects that may hold something in LiteLLM
// use it (managed.ConnectionHold). Without it, deleting a namespace would usually delete the
// Secret before the objects, and they would let go of their keys, users and teams, which stay valid
// in LiteLLM. The mark is the finalizer auth.litellm.ai/connection-in-use; while the Secret is
// being deleted its data stays readable, so the objects' deletions go on, and the last one to let
// go removes the mark.
type secretHold struct {
	client    client.Client
	apiReader client.Reader
}

var _ managed.ConnectionHold = &secretHold{}

// Hold adds the finalizer. A Secret already being deleted cannot get one: it is left as it is.
func (h *secretHold) Hold(ctx context.Context, name types.NamespacedName) error {
	secret := &corev1.Secret{}
	if err := h.apiReader.Get(ctx, name, secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !secret.DeletionTimestamp.IsZero() || controllerutil.ContainsFinalizer(secret, v1alpha1.FinalizerConnectionInUse) {
		return nil
	}
	before := secret.DeepCopy()
	controllerutil.AddFinalizer(secret, v1alpha1.FinalizerConnectionInUse)
	return client.IgnoreNotFound(h.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

// Release removes the finalizer unless an object other than obj still uses the Secret: one that
// carries this operator's finalizer (or the replaced operator's), so that it may still have to
// delete something in LiteLLM. Objects without it never reached LiteLLM.
func (h *secretHold) Release(ctx context.Context, obj client.Object, name types.NamespacedName) error {
	inUse, err := h.usedByOthers(ctx, obj, name)
	if err != nil || inUse {
		return err
	}
	secret := &corev1.Secret{}
	if err := h.apiReader.Get(ctx, name, secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !controllerutil.ContainsFinalizer(secret, v1alpha1.FinalizerConnectionInUse) {
		return nil
	}
	before := secret.DeepCopy()
	controllerutil.RemoveFinalizer(secret, v1alpha1.FinalizerConnectionInUse)
	return client.IgnoreNotFound(h.client.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

func (h *secretHold) usedByOthers(ctx context.Context, obj client.Object, name types.NamespacedName) (bool, error) {
	opts := []client.ListOption{client.InNamespace(name.Namespace), client.MatchingFields{secretRefIndex: name.Name}}
	for _, list := range []client.ObjectList{&v1alpha1.VirtualKeyList{}, &v1alpha1.UserList{}, &v1alpha1.TeamList{}, &v1alpha1.TeamMemberAssociationList{}} {
		if err := h.client.List(ctx, list, opts...); err != nil {
			return false, fmt.Errorf("listing the objects that use connection Secret %s: %w", name, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return false, err
		}
		for _, item := range items {
			o, ok := item.(client.Object)
			if !ok || o.GetUID() == obj.GetUID() {
				continue
			}
			if slices.Contains(o.GetFinalizers(), v1alpha1.FinalizerName) || slices.Contains(o.GetFinalizers(), v1alpha1.LegacyFinalizerName) {
				return true, nil
			}
		}
	}
	return false, nil
}

// indexSecretRefs registers the index Release lists by.
func indexSecretRefs(ctx context.Context, mgr ctrl.Manager) error {
	for _, obj := range []client.Object{&v1alpha1.VirtualKey{}, &v1alpha1.User{}, &v1alpha1.Team{}, &v1alpha1.TeamMemberAssociation{}} {
		err := mgr.GetFieldIndexer().IndexField(ctx, obj, secretRefIndex, func(o client.Object) []string {
			if c, ok := o.(interface{ GetConnectionRef() v1alpha1.ConnectionRef }); ok && c.GetConnectionRef().SecretRef != nil {
				return []string{c.GetConnectionRef().SecretRef.Name}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
