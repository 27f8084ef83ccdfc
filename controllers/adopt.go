package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
)

// foundExisting reports an object that its first observation found in LiteLLM already: its ID
// was never recorded in status, and the operator never sent a create for it (a create of ours
// whose response was lost is not a take-over).
func foundExisting(obj managed.Object, statusID string) bool {
	if statusID != "" {
		return false
	}
	c := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionTypeReady)
	return c == nil || c.Reason != v1alpha1.ReasonCreating || c.Message != managed.MessageCreating
}
