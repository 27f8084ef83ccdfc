package controllers

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
)

// replacedOperator takes over the objects of the operator whose API this one implements (release
// 1.1.2), as the shared loop's Adopter. It looks only at objects that still carry that operator's
// finalizer, and records what it finds in annotations, so nothing else in this operator needs to
// know about it:
//   - the key Secret that operator named "<instance>-key-<keyAlias>" (applications mount it by
//     name, so it is kept: auth.litellm.ai/key-secret on the VirtualKey, or on the User whose own
//     VirtualKey takes it over);
//   - the LiteLLM ID of a User or Team that only its status held (a UUID LiteLLM chose):
//     auth.litellm.ai/user-id or team-id;
//   - and, on a live object, its finalizer is replaced by this operator's.
//
// An object being deleted keeps that operator's finalizer, which the loop honours as its own.
type replacedOperator struct {
	client    client.Client
	apiReader client.Reader
	recorder  events.EventRecorder
	idPrefix  string
}

var _ managed.Adopter = &replacedOperator{}

func (a *replacedOperator) Finalizer() string { return v1alpha1.LegacyFinalizerName }

func (a *replacedOperator) Adopt(ctx context.Context, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.LegacyFinalizerName) {
		return nil
	}
	record, err := a.identities(ctx, obj)
	if err != nil {
		return err
	}
	before := obj.DeepCopyObject().(client.Object)
	annotations := maps.Clone(obj.GetAnnotations())
	if annotations == nil {
		annotations = map[string]string{}
	}
	maps.Copy(annotations, record)
	obj.SetAnnotations(annotations)
	live := obj.GetDeletionTimestamp().IsZero()
	if live {
		controllerutil.RemoveFinalizer(obj, v1alpha1.LegacyFinalizerName)
		controllerutil.AddFinalizer(obj, v1alpha1.FinalizerName)
	}
	if len(record) == 0 && !live {
		return nil
	}
	if err := a.client.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("adopting the object of the operator this one replaces: %w", err)
	}
	for key, value := range record {
		a.recorder.Eventf(obj, nil, corev1.EventTypeNormal, managed.EventAdopted, "Adopt",
			"adopted %s from the operator this one replaces; recorded in the annotation %s", value, key)
	}
	if live {
		a.recorder.Eventf(obj, nil, corev1.EventTypeNormal, managed.EventAdopted, "Adopt",
			"adopted from the LiteLLM operator this one replaces: its finalizer was replaced")
	}
	return nil
}

// identities finds what only the replaced operator knew of obj, as annotations to record.
func (a *replacedOperator) identities(ctx context.Context, obj client.Object) (map[string]string, error) {
	record := map[string]string{}
	switch o := obj.(type) {
	case *v1alpha1.VirtualKey:
		if o.Spec.KeyFrom != nil || o.Annotations[v1alpha1.AnnotationKeySecret] != "" {
			break
		}
		var candidates []string
		if ref := o.Status.KeySecretRef; ref != v1alpha1.KeySecretName(o.Name) {
			candidates = append(candidates, ref)
		}
		candidates = append(candidates, v1alpha1.LegacyKeySecretName(o.Spec.ConnectionRef, o.Spec.KeyAlias))
		name, err := a.keySecret(ctx, o, candidates)
		if err != nil || name == "" {
			return nil, err
		}
		record[v1alpha1.AnnotationKeySecret] = name
	case *v1alpha1.User:
		if id := o.Status.UserID; o.Spec.UserID == "" && o.Annotations[v1alpha1.AnnotationUserID] == "" &&
			id != "" && id != derivedID(a.idPrefix, o.Namespace, o.Name) {
			record[v1alpha1.AnnotationUserID] = id
		}
		if o.Spec.KeyAlias == "" || o.Annotations[v1alpha1.AnnotationKeySecret] != "" {
			break
		}
		// The User's own key: its VirtualKey is created later and takes the Secret over.
		name, err := a.keySecret(ctx, o, []string{o.Status.KeySecretRef, v1alpha1.LegacyKeySecretName(o.Spec.ConnectionRef, o.Spec.KeyAlias)})
		if err != nil {
			return nil, err
		}
		if name != "" {
			record[v1alpha1.AnnotationKeySecret] = name
		}
	case *v1alpha1.Team:
		if id := o.Status.TeamID; o.Spec.TeamID == "" && o.Annotations[v1alpha1.AnnotationTeamID] == "" &&
			id != "" && id != derivedID(a.idPrefix, o.Namespace, o.Name) {
			record[v1alpha1.AnnotationTeamID] = id
		}
	}
	return record, nil
}

// keySecret returns the first candidate that names a Secret owner controls. Candidates that are
// not Secret names (a key alias may hold any character) are skipped without a read.
func (a *replacedOperator) keySecret(ctx context.Context, owner client.Object, candidates []string) (string, error) {
	for _, name := range candidates {
		if name == "" || len(validation.IsDNS1123Subdomain(name)) > 0 {
			continue
		}
		secret := &corev1.Secret{}
		err := a.apiReader.Get(ctx, types.NamespacedName{Namespace: owner.GetNamespace(), Name: name}, secret)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		if metav1.IsControlledBy(secret, owner) {
			return name, nil
		}
	}
	return "", nil
}
