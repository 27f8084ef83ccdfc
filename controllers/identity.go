package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/controllers/managed"
)

// derivedID is the LiteLLM ID of a User or Team whose spec sets none. It depends only on the
// namespace and name (and the operator's prefix), never on the UID, so a GitOps re-create or a
// backup restore finds the same LiteLLM object. Namespaces cannot contain dots, so the first dot
// separates the two parts unambiguously.
func derivedID(prefix, explicit, namespace, name string) string {
	if explicit != "" {
		return explicit
	}
	return prefix + namespace + "." + name
}

// objectID resolves the LiteLLM ID of a User or Team: the spec's, else the one recorded in an
// annotation, else derived. An object adopted from the operator this one replaces may carry an ID
// LiteLLM chose (a UUID) in its status only: that ID is recorded in the annotation, durably, so a
// later status loss does not lose the object's identity.
func objectID(ctx context.Context, c client.Client, recorder events.EventRecorder, obj client.Object,
	prefix, explicit, annotation, observed string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if id := obj.GetAnnotations()[annotation]; id != "" {
		return id, nil
	}
	derived := derivedID(prefix, "", obj.GetNamespace(), obj.GetName())
	if observed == "" || observed == derived || !obj.GetDeletionTimestamp().IsZero() {
		return derived, nil
	}
	if err := annotate(ctx, c, obj, annotation, observed); err != nil {
		return "", fmt.Errorf("recording the LiteLLM ID %s: %w", observed, err)
	}
	recorder.Eventf(obj, nil, corev1.EventTypeNormal, managed.EventAdopted, "Adopt",
		"adopted LiteLLM ID %s from status; recorded in the annotation %s", observed, annotation)
	return observed, nil
}

// annotate sets one annotation with a metadata patch made on a copy: the patch answer carries the
// stored status, which must not replace the status this reconcile is building.
func annotate(ctx context.Context, c client.Client, obj client.Object, key, value string) error {
	patched := obj.DeepCopyObject().(client.Object)
	annotations := patched.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[key] = value
	patched.SetAnnotations(annotations)
	if err := c.Patch(ctx, patched, client.MergeFrom(obj)); err != nil {
		return err
	}
	obj.SetAnnotations(patched.GetAnnotations())
	obj.SetResourceVersion(patched.GetResourceVersion())
	return nil
}

// diff collects the LiteLLM fields an update sends, for the Event that reports it.
type diff []string

func (d *diff) add(name string, differs bool) bool {
	if differs {
		*d = append(*d, name)
	}
	return differs
}
