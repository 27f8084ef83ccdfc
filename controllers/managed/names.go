package managed

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// validateConnectionRef checks the Kubernetes names a connection refers to. The API server refuses
// invalid ones for new objects; objects stored before it did are refused here, before anything is
// read with them, and never block their own deletion.
func validateConnectionRef(ref v1alpha1.ConnectionRef) error {
	var errs []error
	if r := ref.SecretRef; r != nil {
		errs = append(errs, InvalidName("connectionRef.secretRef.name", r.Name, validation.IsDNS1123Subdomain))
	}
	if r := ref.InstanceRef; r != nil {
		errs = append(errs, InvalidName("connectionRef.instanceRef.name", r.Name, validation.IsDNS1123Label))
		if r.Namespace != "" {
			errs = append(errs, InvalidName("connectionRef.instanceRef.namespace", r.Namespace, validation.IsDNS1123Label))
		}
	}
	return errors.Join(errs...)
}

// InvalidName returns an error naming the field when name fails check (one of the validation
// package's IsDNS1123* functions), else nil.
func InvalidName(field, name string, check func(string) []string) error {
	if msgs := check(name); len(msgs) > 0 {
		return fmt.Errorf("spec.%s %q is not a valid Kubernetes name: %s", field, name, strings.Join(msgs, "; "))
	}
	return nil
}
