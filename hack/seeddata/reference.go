package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// FieldsFile is the name of the extracted field list in testdata/api-reference.
const FieldsFile = "fields.txt"

// Field is one field of the API reference: users of the existing operator rely on it having this JSON
// name and type. Path is where it sits in the kind, e.g. "spec.connectionRef".
type Field struct {
	Kind, Path, Name, Type string
	Required               bool
}

func (f Field) String() string {
	req := "optional"
	if f.Required {
		req = "required"
	}
	return strings.Join([]string{f.Kind, f.Path, f.Name, f.Type, req}, " ")
}

// FormatFields renders the field list as test/api reads it.
func FormatFields(fields []Field) string {
	var b strings.Builder
	b.WriteString("# Fields of the API this operator implements (the API reference of release 1.1.2 of the operator it\n")
	b.WriteString("# replaces): kind path field type required|optional. Extracted by hack/seeddata; see ../README.md.\n")
	for _, f := range fields {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

var (
	sectionRE = regexp.MustCompile(`(?m)^#### (\w+)\s*$`)
	rowRE     = regexp.MustCompile("^\\| `(\\w+)` _(.+?)_ \\|(.*)\\|(.*)\\|(.*)\\|\\s*$")
	linkRE    = regexp.MustCompile(`^\[(\w+)\]\((#?)[^)]*\)( array)?$`)
)

type refRow struct{ name, typ, validation string }

// ParseReference reads the reference's type sections (crd-ref-docs markdown) and walks each kind's
// spec and status, following links to nested types, into a flat, ordered field list.
func ParseReference(md string) ([]Field, error) {
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
	if len(kinds) == 0 {
		return nil, errors.New("no kind with a Spec section")
	}
	slices.Sort(kinds)

	var out []Field
	var walk func(kind, path, section string) error
	walk = func(kind, path, section string) error {
		rows, ok := sections[section]
		if !ok {
			return fmt.Errorf("no section %s", section)
		}
		for _, r := range rows {
			typ, nested := referenceType(r.typ)
			out = append(out, Field{Kind: kind, Path: path, Name: r.name, Type: typ,
				Required: strings.Contains(r.validation, "Required")})
			if nested == "" {
				continue
			}
			sub := path + "." + r.name
			if strings.HasPrefix(typ, "[]") {
				sub += "[]"
			}
			if err := walk(kind, sub, nested); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range kinds {
		if err := walk(k, "spec", k+"Spec"); err != nil {
			return nil, err
		}
		if err := walk(k, "status", k+"Status"); err != nil {
			return nil, err
		}
	}
	return out, nil
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
