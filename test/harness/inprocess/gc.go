package inprocess

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// WaitForGarbageCollector returns once kube-controller-manager's garbage collector deletes an object
// owned by a VirtualKey in namespace: it discovers newly installed CRDs some seconds after they are
// served. The probe VirtualKey orphans its (absent) LiteLLM key, so a running operator lets it go.
func WaitForGarbageCollector(c client.Client, namespace string) error {
	const probe = "gc-probe"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner := &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: probe},
		Spec: v1alpha1.VirtualKeySpec{KeyAlias: probe, DeletionPolicy: v1alpha1.DeletionPolicyOrphan,
			ConnectionRef: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "none"}}},
	}
	if err := c.Create(ctx, owner); err != nil {
		return err
	}
	dependent := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: probe,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "VirtualKey", Name: owner.Name, UID: owner.UID}}}}
	if err := c.Create(ctx, dependent); err != nil {
		return err
	}
	if err := c.Delete(ctx, owner); err != nil {
		return err
	}
	for {
		if err := c.Get(ctx, client.ObjectKeyFromObject(dependent), dependent); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the garbage collector did not delete an object owned by a VirtualKey: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
