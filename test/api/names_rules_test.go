package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"

	authv1alpha1 "github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// TestInvalidNamesAreRejected: Kubernetes names in a spec are checked at admission, with a message
// that says what a valid name looks like.
func TestInvalidNamesAreRejected(t *testing.T) {
	secretMsg := "must be the name of a Secret in this namespace"
	cases := []validationCase{
		{name: "secretRef upper case", reason: "Secret names are lower case",
			object: vk(func(o *authv1alpha1.VirtualKey) {
				o.Spec.ConnectionRef = authv1alpha1.ConnectionRef{SecretRef: &authv1alpha1.SecretRef{Name: "LiteLLM"}}
			}),
			want: "spec.connectionRef.secretRef.name: Invalid value: spec.connectionRef.secretRef.name " + secretMsg},
		{name: "secretRef slash", reason: "a slash would change the API path of the read",
			object: team(func(o *authv1alpha1.Team) {
				o.Spec.ConnectionRef = authv1alpha1.ConnectionRef{SecretRef: &authv1alpha1.SecretRef{Name: "a/b"}}
			}),
			want: "spec.connectionRef.secretRef.name " + secretMsg},
		{name: "instanceRef dot", reason: "the instance names a Service: a label",
			object: user(func(o *authv1alpha1.User) { o.Spec.ConnectionRef.InstanceRef.Name = "litellm.example" }),
			want:   "spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance"},
		{name: "instanceRef too long", reason: "a label has at most 63 characters",
			object: tma(func(o *authv1alpha1.TeamMemberAssociation) {
				o.Spec.ConnectionRef.InstanceRef.Name = strings.Repeat("a", 64)
			}),
			want: "spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance"},
		{name: "instanceRef namespace", reason: "namespaces are labels",
			object: vk(func(o *authv1alpha1.VirtualKey) { o.Spec.ConnectionRef.InstanceRef.Namespace = "AI_Platform" }),
			want:   "spec.connectionRef.instanceRef.namespace must be a namespace name"},
		{name: "keyFrom percent", reason: "keyFrom names a Secret",
			object: vk(func(o *authv1alpha1.VirtualKey) {
				o.Spec.KeyFrom = &authv1alpha1.KeySource{SecretKeyRef: authv1alpha1.SecretKeySelector{Name: "my%key", Key: "key"}}
			}),
			want: "spec.keyFrom.secretKeyRef.name " + secretMsg},
		{name: "keyFrom changed", reason: "a new keyFrom name is checked on update too",
			object: vk(func(o *authv1alpha1.VirtualKey) {
				o.Spec.KeyFrom = &authv1alpha1.KeySource{SecretKeyRef: authv1alpha1.SecretKeySelector{Name: "mine", Key: "key"}}
			}),
			update:     change(func(o *authv1alpha1.VirtualKey) { o.Spec.KeyFrom.SecretKeyRef.Name = "Mine" }),
			reconciled: true, want: "spec.keyFrom.secretKeyRef.name " + secretMsg},
	}
	runValidationCases(t, cases)
}

// minKubeVersion is the oldest Kubernetes the bundle installs on (the CSV's minKubeVersion).
func minKubeVersion(t *testing.T) *version.Version {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "config", "manifests", "bases", "*.clusterserviceversion.yaml"))
	require.NoError(t, err)
	require.Len(t, paths, 1)
	data, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	var csv struct {
		Spec struct {
			MinKubeVersion string `json:"minKubeVersion"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &csv))
	v, err := version.ParseGeneric(csv.Spec.MinKubeVersion)
	require.NoError(t, err)
	return v
}

// crdSchemas reads the structural schema of every CRD of the bundle, by kind.
func crdSchemas(t *testing.T) map[string]*schema.Structural {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	require.NoError(t, err)
	out := map[string]*schema.Structural{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		crd := &apiextensionsv1.CustomResourceDefinition{}
		require.NoError(t, yaml.Unmarshal(data, crd))
		internal := &apiextensions.JSONSchemaProps{}
		require.NoError(t, apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, internal, nil))
		s, err := schema.NewStructural(internal)
		require.NoError(t, err)
		out[crd.Spec.Names.Kind] = s
	}
	return out
}

// TestRulesCompileOnMinKubeVersion: every rule of every CRD compiles in the CEL environment of the
// oldest Kubernetes the bundle supports, as a new expression (the strictest check the API server
// makes when a CRD is installed); none needs a feature that version lacks (optionalOldSelf).
func TestRulesCompileOnMinKubeVersion(t *testing.T) {
	minVersion := minKubeVersion(t)
	envSet := environment.MustBaseEnvSet(version.MajorMinor(minVersion.Major(), minVersion.Minor()))
	rules := 0
	var walk func(kind, path string, s *schema.Structural, root bool)
	walk = func(kind, path string, s *schema.Structural, root bool) {
		if len(s.XValidations) > 0 {
			results, err := cel.Compile(s, model.SchemaDeclType(s, root), celconfig.PerCallLimit, envSet, cel.NewExpressionsEnvLoader())
			require.NoError(t, err, "%s %s", kind, path)
			for i, r := range results {
				rules++
				assert.Nil(t, r.Error, "%s %s: rule %q does not compile on Kubernetes %s", kind, path, s.XValidations[i].Rule, minVersion)
				assert.Nil(t, s.XValidations[i].OptionalOldSelf, "%s %s: optionalOldSelf needs Kubernetes 1.30", kind, path)
			}
		}
		for name, p := range s.Properties {
			walk(kind, path+"."+name, &p, false)
		}
		if s.Items != nil {
			walk(kind, path+"[*]", s.Items, false)
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
			walk(kind, path+"[*]", s.AdditionalProperties.Structural, false)
		}
	}
	for kind, s := range crdSchemas(t) {
		walk(kind, "", s, true)
	}
	assert.Greater(t, rules, 50, "the rules were found")
}

// TestNameRulesWithoutRatcheting evaluates the name rules as an API server that does not ratchet
// validation does (Kubernetes 1.29, the bundle's minimum): an object stored before the rules
// existed, with a name they refuse, can still be updated (its finalizer removed, its spec edited),
// while a new object with such a name is refused.
func TestNameRulesWithoutRatcheting(t *testing.T) {
	s := crdSchemas(t)["VirtualKey"]
	validator := cel.NewValidator(s, true, celconfig.PerCallLimit)
	require.NotNil(t, validator)
	object := func(secretName, keyFrom string, status, finalizer bool) map[string]any {
		spec := map[string]any{"keyAlias": "svc", "connectionRef": map[string]any{"secretRef": map[string]any{"name": secretName}}}
		if keyFrom != "" {
			spec["keyFrom"] = map[string]any{"secretKeyRef": map[string]any{"name": keyFrom, "key": "key"}}
		}
		obj := map[string]any{"apiVersion": authv1alpha1.GroupVersion.String(), "kind": "VirtualKey",
			"metadata": map[string]any{"name": "svc", "namespace": "ns"}, "spec": spec}
		if finalizer {
			obj["metadata"].(map[string]any)["finalizers"] = []any{authv1alpha1.FinalizerName}
		}
		if status {
			obj["status"] = map[string]any{"keySecretRef": "", "currentSpend": "", "isActive": false, "expiryDate": ""}
		}
		return obj
	}
	cases := []struct {
		name   string
		reason string
		old    map[string]any
		new    map[string]any
		want   string
	}{
		{name: "create invalid", reason: "a new object is checked", new: object("Bad_Name", "", false, false),
			want: "spec.connectionRef.secretRef.name must be the name of a Secret"},
		{name: "create valid", reason: "a valid name passes", new: object("litellm", "", false, false)},
		{name: "finalizer removed", reason: "a stored object with an invalid name can always let go of its finalizer",
			old: object("Bad_Name", "Mine", true, true), new: object("Bad_Name", "Mine", true, false)},
		{name: "spec edited", reason: "other edits of a stored object are not refused for its old names",
			old: object("Bad_Name", "Mine", true, true), new: object("Bad_Name", "Mine", true, true)},
		{name: "keyFrom changed", reason: "a new keyFrom name is checked", old: object("litellm", "mine", true, true),
			new: object("litellm", "Other", true, true), want: "spec.keyFrom.secretKeyRef.name must be the name of a Secret"},
		{name: "keyFrom added", reason: "a keyFrom that did not exist is checked", old: object("litellm", "", true, true),
			new: object("litellm", "Other", true, true), want: "spec.keyFrom.secretKeyRef.name must be the name of a Secret"},
		{name: "never reconciled", reason: "an object without status is still checked: it carries no finalizer of ours to release",
			old: object("Bad_Name", "", false, false), new: object("Bad_Name", "", false, false),
			want: "spec.connectionRef.secretRef.name must be the name of a Secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var old any
			if tc.old != nil {
				old = tc.old
			}
			errs, _ := validator.Validate(context.Background(), field.NewPath(""), s, tc.new, old, celconfig.RuntimeCELCostBudget)
			if tc.want == "" {
				assert.Empty(t, errs, tc.reason)
				return
			}
			assert.Contains(t, errs.ToAggregate().Error(), tc.want, tc.reason)
		})
	}
}
