package api

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/reference-fields.txt from the seed API reference")

var (
	referencePath  = filepath.Join(repoRoot, "..", "shared", "seeds", "api-reference.md")
	fieldsListPath = filepath.Join("testdata", "reference-fields.txt")
)

// referenceField is one field of the API we implement: users of the existing operator rely on it
// having this JSON name and type. Path is where it sits in the kind, e.g. "spec.connectionRef".
type referenceField struct {
	Kind, Path, Name, Type string
	Required               bool
}

func (f referenceField) String() string {
	req := "optional"
	if f.Required {
		req = "required"
	}
	return strings.Join([]string{f.Kind, f.Path, f.Name, f.Type, req}, " ")
}

// TestReferenceFieldsInCRDs fails when a field of the reference is missing from our CRDs, has
// another type, or is required by the reference but not by us.
func TestReferenceFieldsInCRDs(t *testing.T) {
	want := readFieldList(t)
	require.NotEmpty(t, want)
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

// TestReferenceFieldListMatchesSeed keeps testdata/reference-fields.txt equal to the seed API
// reference when the seed is available (run with -update to rewrite it).
func TestReferenceFieldListMatchesSeed(t *testing.T) {
	data, err := os.ReadFile(referencePath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("the seed %s is not here; testdata/reference-fields.txt is used as committed", referencePath)
	}
	require.NoError(t, err)
	fields := parseReference(t, string(data))
	var b strings.Builder
	b.WriteString("# Fields of the API we implement (seeds/api-reference.md): kind path field type required|optional\n")
	b.WriteString("# Generated: go test ./test/api -run TestReferenceFieldListMatchesSeed -update\n")
	for _, f := range fields {
		b.WriteString(f.String() + "\n")
	}
	if *update {
		require.NoError(t, os.WriteFile(fieldsListPath, []byte(b.String()), 0o644))
	}
	committed, err := os.ReadFile(fieldsListPath)
	require.NoError(t, err)
	assert.Equal(t, b.String(), string(committed), "testdata/reference-fields.txt is out of date: run with -update")
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

var (
	sectionRE = regexp.MustCompile(`(?m)^#### (\w+)\s*$`)
	rowRE     = regexp.MustCompile("^\\| `(\\w+)` _(.+?)_ \\|(.*)\\|(.*)\\|(.*)\\|\\s*$")
	linkRE    = regexp.MustCompile(`^\[(\w+)\]\((#?)[^)]*\)( array)?$`)
)

type refRow struct{ name, typ, validation string }

// parseReference reads the seed's type sections and walks each kind's spec and status, following
// links to nested types, into a flat, ordered field list.
func parseReference(t *testing.T, md string) []referenceField {
	t.Helper()
	sections := map[string][]refRow{}
	idx := sectionRE.FindAllStringSubmatchIndex(md, -1)
	for i, m := range idx {
		end := len(md)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		name := md[m[2]:m[3]]
		for _, line := range strings.Split(md[m[1]:end], "\n") {
			if r := rowRE.FindStringSubmatch(line); r != nil {
				sections[name] = append(sections[name], refRow{name: r[1], typ: r[2], validation: r[5]})
			}
		}
	}
	var kinds []string
	for name := range sections {
		if _, ok := sections[name+"Spec"]; ok {
			kinds = append(kinds, name)
		}
	}
	slices.Sort(kinds)
	require.Len(t, kinds, 4, "the reference has four kinds")

	var out []referenceField
	var walk func(kind, path, section string)
	walk = func(kind, path, section string) {
		rows, ok := sections[section]
		require.True(t, ok, "the reference has no section %s", section)
		for _, r := range rows {
			typ, nested := referenceType(r.typ)
			out = append(out, referenceField{Kind: kind, Path: path, Name: r.name, Type: typ,
				Required: strings.Contains(r.validation, "Required")})
			if nested != "" {
				sub := path + "." + r.name
				if strings.HasPrefix(typ, "[]") {
					sub += "[]"
				}
				walk(kind, sub, nested)
			}
		}
	}
	for _, k := range kinds {
		walk(k, "spec", k+"Spec")
		walk(k, "status", k+"Status")
	}
	return out
}

// referenceType normalises a type cell of the reference and names the section of a linked type.
func referenceType(cell string) (typ, nested string) {
	switch cell {
	case "string", "boolean", "integer":
		return cell, ""
	case "string array":
		return "[]string", ""
	case "object (keys:string, values:string)":
		return "map[string]string", ""
	case "object (keys:string, values:integer)":
		return "map[string]integer", ""
	}
	m := linkRE.FindStringSubmatch(cell)
	if m == nil {
		return "unknown(" + cell + ")", ""
	}
	local := m[2] == "#"
	switch {
	case m[3] != "" && local:
		return "[]object", m[1]
	case m[3] != "":
		return "[]object", "" // e.g. metav1.Condition
	case local:
		return "object", m[1]
	}
	return "object", ""
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
