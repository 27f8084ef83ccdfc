package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The accessors below let the controllers handle the four kinds through one generic reconciler.

// GetConditions returns the status conditions.
func (in *VirtualKey) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *VirtualKey) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetConnectionRef returns how to reach the LiteLLM proxy.
func (in *VirtualKey) GetConnectionRef() ConnectionRef { return in.Spec.ConnectionRef }

// GetDeletionPolicy returns the deletion policy, Delete when unset.
func (in *VirtualKey) GetDeletionPolicy() DeletionPolicy {
	return deletionPolicyOrDefault(in.Spec.DeletionPolicy)
}

// GetConditions returns the status conditions.
func (in *User) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *User) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetConnectionRef returns how to reach the LiteLLM proxy.
func (in *User) GetConnectionRef() ConnectionRef { return in.Spec.ConnectionRef }

// GetDeletionPolicy returns the deletion policy, Delete when unset.
func (in *User) GetDeletionPolicy() DeletionPolicy {
	return deletionPolicyOrDefault(in.Spec.DeletionPolicy)
}

// GetConditions returns the status conditions.
func (in *Team) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *Team) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetConnectionRef returns how to reach the LiteLLM proxy.
func (in *Team) GetConnectionRef() ConnectionRef { return in.Spec.ConnectionRef }

// GetDeletionPolicy returns the deletion policy, Delete when unset.
func (in *Team) GetDeletionPolicy() DeletionPolicy {
	return deletionPolicyOrDefault(in.Spec.DeletionPolicy)
}

// GetConditions returns the status conditions.
func (in *TeamMemberAssociation) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *TeamMemberAssociation) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetConnectionRef returns how to reach the LiteLLM proxy.
func (in *TeamMemberAssociation) GetConnectionRef() ConnectionRef { return in.Spec.ConnectionRef }

// GetDeletionPolicy returns the deletion policy, Delete when unset.
func (in *TeamMemberAssociation) GetDeletionPolicy() DeletionPolicy {
	return deletionPolicyOrDefault(in.Spec.DeletionPolicy)
}
