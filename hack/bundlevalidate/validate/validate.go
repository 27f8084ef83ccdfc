// Package validate checks an OLM bundle directory with operator-framework/api's validators: the
// defaults of `operator-sdk bundle validate`, its operatorframework suite (OperatorHub metadata,
// capabilities, categories, removed APIs, good practices) and the community catalogs' checks (the
// earlier "operatorhub" validator is left out: it only repeats operatorhubv2, capabilities and
// categories, and warns that it is deprecated). operator-framework/api is pinned in
// go.mod, newer than the copy inside the pinned operator-sdk: that copy (v0.42.0) takes any RBAC
// rule on events.k8s.io for the events.k8s.io/v1beta1 API removed in Kubernetes 1.25
// (operator-framework/api#378, fixed in v0.43.0).
//
// The multi-architecture validator is left out: it inspects the images in a registry.
package validate

import (
	"fmt"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"github.com/operator-framework/api/pkg/validation/errors"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
)

// Finding is one error or warning of a validator.
type Finding struct {
	Level, Validator, Message string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s: %s", f.Level, f.Validator, f.Message) }

// checks are the validators run on a bundle, by the name operator-sdk gives them.
var checks = []struct {
	name      string
	validator interfaces.Validator
	onBundle  bool // validates the loaded bundle; otherwise its objects
}{
	{"default (csv, crd, bundle)", validation.DefaultBundleValidators, false},
	{"operatorhubv2", validation.OperatorHubV2Validator, true},
	{"capabilities", validation.StandardCapabilitiesValidator, true},
	{"categories", validation.StandardCategoriesValidator, true},
	{"alpha-deprecated-apis", validation.AlphaDeprecatedAPIsValidator, true},
	{"good-practices", validation.GoodPracticesValidator, true},
	{"community", validation.CommunityOperatorValidator, true},
}

// Bundle validates the bundle in dir for Kubernetes k8sVersion (removed APIs are checked up to
// it) and returns every error and warning.
func Bundle(dir, k8sVersion string) ([]Finding, error) {
	bundle, err := manifests.GetBundleFromDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading the bundle in %s: %w", dir, err)
	}
	optional := map[string]string{"k8s-version": k8sVersion}
	var findings []Finding
	for _, c := range checks {
		objects := bundle.ObjectsToValidate()
		if c.onBundle {
			objects = []any{bundle}
		}
		for _, result := range c.validator.Validate(append(objects, optional)...) {
			for _, e := range append(result.Errors, result.Warnings...) {
				level := "error"
				if e.Level == errors.LevelWarn {
					level = "warning"
				}
				findings = append(findings, Finding{Level: level, Validator: c.name, Message: e.Error()})
			}
		}
	}
	return findings, nil
}
