// Package v1alpha1 contains API Schema definitions for the auth v1alpha1 API group.
// +kubebuilder:object:generate=true
// +groupName=auth.litellm.ai
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "auth.litellm.ai", Version: "v1alpha1"}

	// SchemeBuilder collects the functions that add this group-version's types to a scheme.
	// It is apimachinery's builder, not controller-runtime's (deprecated), so importing the API
	// does not pull in controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(func(s *runtime.Scheme) error {
		metav1.AddToGroupVersion(s, GroupVersion)
		return nil
	})

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// register is called by each kind's init to add the kind and its list.
func register(objects ...runtime.Object) {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, objects...)
		return nil
	})
}
