package api

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// fieldsListPath is the field list of the API reference we implement, extracted by hack/seeddata
// (see testdata/README.md).
var fieldsListPath = filepath.Join(repoRoot, "testdata", "api-reference", "fields.txt")

// referenceField is one field of the API we implement: users of the existing operator rely on it
// having this JSON name and type. Path is where it sits in the kind, e.g. "spec.connectionRef".
type referenceField struct {
	Kind, Path, Name, Type string
	Required               bool
}

// TestReferenceFieldsInCRDs fails when a field of the reference is missing from our CRDs, has
// another type, or is required by the reference but not by us.
func TestReferenceFieldsInCRDs(t *testing.T) {
	want := readFieldList(t)
	require.Len(t, kindsOf(want), 4, "the reference has four kinds")
	schemas := loadCRDSchemas(t)

	// Fields we require though the reference does not: a Secret or instance without a name
	// cannot be found, so no working manifest omits them.
	extraRequired := []string{"spec.connectionRef.secretRef.name", "spec.connectionRef.instanceRef.name"}

	for _, f := range want {
		root, ok := schemas[f.Kind]
		if !assert.True(t, ok, "no CRD for kind %s", f.Kind) {
			continue
		}
		parent, ok := schemaAt(root, f.Path)
		if !assert.True(t, ok, "%s: no schema at %s", f.Kind, f.Path) {
			continue
		}
		prop, ok := parent.Properties[f.Name]
		if !assert.True(t, ok, "%s %s.%s is missing", f.Kind, f.Path, f.Name) {
			continue
		}
		assert.Equal(t, f.Type, schemaType(prop), "%s %s.%s has another type", f.Kind, f.Path, f.Name)
		required := slices.Contains(parent.Required, f.Name)
		if f.Required {
			assert.True(t, required, "%s %s.%s must be required", f.Kind, f.Path, f.Name)
		} else if required {
			assert.Contains(t, extraRequired, f.Path+"."+f.Name,
				"%s %s.%s is required by us but optional in the reference: existing manifests would break",
				f.Kind, f.Path, f.Name)
		}
	}
}

func readFieldList(t *testing.T) []referenceField {
	t.Helper()
	f, err := os.Open(fieldsListPath)
	require.NoError(t, err)
	defer f.Close()
	var out []referenceField
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Fields(line)
		require.Len(t, p, 5, line)
		out = append(out, referenceField{Kind: p[0], Path: p[1], Name: p[2], Type: p[3], Required: p[4] == "required"})
	}
	require.NoError(t, sc.Err())
	return out
}

func kindsOf(fields []referenceField) []string {
	var kinds []string
	for _, f := range fields {
		if !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	return kinds
}

func loadCRDSchemas(t *testing.T) map[string]*apiextensionsv1.JSONSchemaProps {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	require.NoError(t, err)
	out := map[string]*apiextensionsv1.JSONSchemaProps{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var crd apiextensionsv1.CustomResourceDefinition
		require.NoError(t, yaml.Unmarshal(data, &crd), f)
		require.Len(t, crd.Spec.Versions, 1, f)
		out[crd.Spec.Names.Kind] = crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	}
	return out
}

// schemaAt follows a path such as "spec.connectionRef" or "status.membersWithRole[]".
func schemaAt(root *apiextensionsv1.JSONSchemaProps, path string) (*apiextensionsv1.JSONSchemaProps, bool) {
	s := root
	for _, part := range strings.Split(path, ".") {
		name, isArray := strings.CutSuffix(part, "[]")
		p, ok := s.Properties[name]
		if !ok {
			return nil, false
		}
		if isArray {
			if p.Items == nil || p.Items.Schema == nil {
				return nil, false
			}
			p = *p.Items.Schema
		}
		s = &p
	}
	return s, true
}

// schemaType normalises a CRD schema type the same way referenceType does.
func schemaType(s apiextensionsv1.JSONSchemaProps) string {
	switch s.Type {
	case "array":
		if s.Items == nil || s.Items.Schema == nil {
			return "[]?"
		}
		if s.Items.Schema.Type == "object" {
			return "[]object"
		}
		return "[]" + s.Items.Schema.Type
	case "object":
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			return fmt.Sprintf("map[string]%s", s.AdditionalProperties.Schema.Type)
		}
		return "object"
	}
	return s.Type
}
