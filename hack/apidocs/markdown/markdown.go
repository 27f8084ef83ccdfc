// Package markdown renders the API reference (docs/api-reference.md) from the Go types of an API
// package. It reads the source with go/ast rather than the CRDs, because only the source knows
// the Go type names (ConnectionRef, SecretRef, ...) that link the sections together. The output
// depends on nothing but the source, so a test can regenerate it and compare.
package markdown

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const k8sAPIDocs = "https://kubernetes.io/docs/reference/generated/kubernetes-api/v1.37/"

// external types the API uses, linked to the Kubernetes reference.
var externalTypes = map[string]string{
	"metav1.Condition":  "[Condition](" + k8sAPIDocs + "#condition-v1-meta)",
	"metav1.ObjectMeta": "[ObjectMeta](" + k8sAPIDocs + "#objectmeta-v1-meta)",
	"metav1.ListMeta":   "[ListMeta](" + k8sAPIDocs + "#listmeta-v1-meta)",
}

type field struct {
	jsonName string
	goType   ast.Expr
	doc      []string
	markers  []string
}

type typeDecl struct {
	name    string
	doc     []string
	markers []string
	fields  []field  // structs only
	basic   ast.Expr // named non-struct types (e.g. DeletionPolicy string)
}

type apiPackage struct {
	group, version string
	doc            []string
	types          map[string]*typeDecl
}

// Generate parses the Go package in dir and returns its API reference in Markdown.
func Generate(dir string) ([]byte, error) {
	pkg, err := load(dir)
	if err != nil {
		return nil, err
	}
	return pkg.render(), nil
}

func load(dir string) (*apiPackage, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &apiPackage{version: filepath.Base(dir), types: map[string]*typeDecl{}}
	fset := token.NewFileSet()
	// ReadDir sorts by name, which keeps the output independent of the file system.
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") ||
			strings.HasPrefix(n, "zz_generated") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if f.Doc != nil {
			doc, markers := splitComment(f.Doc)
			p.doc = append(p.doc, doc...)
			for _, m := range markers {
				if g, ok := strings.CutPrefix(m, "groupName="); ok {
					p.group = g
				}
			}
		}
		collectTypes(f, p.types)
	}
	if p.group == "" {
		return nil, fmt.Errorf("%s: no +groupName marker in a package comment", dir)
	}
	return p, nil
}

func collectTypes(f *ast.File, into map[string]*typeDecl) {
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			ts := spec.(*ast.TypeSpec)
			if !ts.Name.IsExported() {
				continue
			}
			comment := ts.Doc
			if comment == nil && len(gen.Specs) == 1 {
				comment = gen.Doc
			}
			td := &typeDecl{name: ts.Name.Name}
			td.doc, td.markers = splitComment(comment)
			if st, ok := ts.Type.(*ast.StructType); ok {
				td.fields = structFields(st)
			} else {
				td.basic = ts.Type
			}
			into[td.name] = td
		}
	}
}

func structFields(st *ast.StructType) []field {
	var out []field
	for _, f := range st.Fields.List {
		name := jsonName(f)
		if name == "" || name == "-" {
			continue
		}
		fd := field{jsonName: name, goType: f.Type}
		fd.doc, fd.markers = splitComment(f.Doc)
		out = append(out, fd)
	}
	return out
}

// jsonName returns the field's JSON name, "" for inlined or untagged fields.
func jsonName(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	tag, err := strconv.Unquote(f.Tag.Value)
	if err != nil {
		return ""
	}
	for _, kv := range strings.Fields(tag) {
		if v, ok := strings.CutPrefix(kv, `json:"`); ok {
			name, _, _ := strings.Cut(strings.TrimSuffix(v, `"`), ",")
			return name
		}
	}
	return ""
}

// splitComment separates documentation lines from +marker lines.
func splitComment(cg *ast.CommentGroup) (doc, markers []string) {
	if cg == nil {
		return nil, nil
	}
	for _, c := range cg.List {
		line := strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), " ")
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "+"); ok {
			markers = append(markers, m)
			continue
		}
		doc = append(doc, strings.TrimRight(line, " "))
	}
	// Drop leading and trailing blank lines.
	for len(doc) > 0 && doc[0] == "" {
		doc = doc[1:]
	}
	for len(doc) > 0 && doc[len(doc)-1] == "" {
		doc = doc[:len(doc)-1]
	}
	return doc, markers
}

func (td *typeDecl) hasMarker(m string) bool { return slices.Contains(td.markers, m) }

func (td *typeDecl) isRoot() bool { return td.hasMarker("kubebuilder:object:root=true") }

// kinds returns the root types in alphabetical order.
func (p *apiPackage) kinds() []string {
	var out []string
	for name, td := range p.types {
		if td.isRoot() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// documented returns every type reachable from the root types, alphabetically.
func (p *apiPackage) documented() []string {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		td, ok := p.types[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		for _, f := range td.fields {
			for _, ref := range localRefs(f.goType) {
				visit(ref)
			}
		}
	}
	for _, k := range p.kinds() {
		visit(k)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// localRefs lists the package-local type names an expression mentions.
func localRefs(e ast.Expr) []string {
	switch t := e.(type) {
	case *ast.Ident:
		if t.IsExported() {
			return []string{t.Name}
		}
	case *ast.StarExpr:
		return localRefs(t.X)
	case *ast.ArrayType:
		return localRefs(t.Elt)
	case *ast.MapType:
		return append(localRefs(t.Key), localRefs(t.Value)...)
	}
	return nil
}

// appearsIn lists the documented types with a field of type name.
func (p *apiPackage) appearsIn(name string, documented []string) []string {
	var out []string
	for _, other := range documented {
		for _, f := range p.types[other].fields {
			if slices.Contains(localRefs(f.goType), name) {
				out = append(out, other)
				break
			}
		}
	}
	return out
}

func (p *apiPackage) render() []byte {
	var b bytes.Buffer
	gv := p.group + "/" + p.version
	documented := p.documented()

	b.WriteString("# API Reference\n\n")
	b.WriteString("<!-- Generated by `go run ./hack/apidocs` from the Go types in api/" + p.version +
		"; do not edit by hand. -->\n\n")
	b.WriteString("## Packages\n")
	fmt.Fprintf(&b, "- [%s](#%s)\n\n\n", gv, anchor(gv))
	fmt.Fprintf(&b, "## %s\n\n", gv)
	if len(p.doc) > 0 {
		b.WriteString(paragraph(p.doc) + "\n\n")
	}
	b.WriteString("### Resource Types\n")
	for _, k := range p.kinds() {
		fmt.Fprintf(&b, "- [%s](#%s)\n", k, anchor(k))
	}
	b.WriteString("\n\n\n")

	for _, name := range documented {
		td := p.types[name]
		fmt.Fprintf(&b, "#### %s\n\n", name)
		if td.basic != nil {
			fmt.Fprintf(&b, "_Underlying type:_ _%s_\n\n", p.typeString(td.basic))
		}
		if len(td.doc) > 0 {
			b.WriteString(paragraph(td.doc) + "\n\n")
		}
		if v := validations(td.markers, nil); len(v) > 0 {
			b.WriteString("_Validation:_\n")
			for _, line := range v {
				b.WriteString("- " + line + "\n")
			}
			b.WriteString("\n")
		}
		if res := resourceInfo(td.markers); res != "" {
			b.WriteString(res + "\n\n")
		}
		if in := p.appearsIn(name, documented); len(in) > 0 {
			b.WriteString("_Appears in:_\n")
			for _, o := range in {
				fmt.Fprintf(&b, "- [%s](#%s)\n", o, anchor(o))
			}
			b.WriteString("\n")
		}
		if td.fields == nil {
			b.WriteString("\n")
			continue
		}
		b.WriteString("| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n")
		if td.isRoot() {
			fmt.Fprintf(&b, "| `apiVersion` _string_ | `%s` | | |\n", gv)
			fmt.Fprintf(&b, "| `kind` _string_ | `%s` | | |\n", name)
		}
		for _, f := range td.fields {
			desc := paragraph(f.doc)
			if f.jsonName == "metadata" && isExternal(f.goType) {
				desc = "Refer to Kubernetes API documentation for fields of `metadata`."
			}
			fmt.Fprintf(&b, "| `%s` _%s_ | %s | %s | %s |\n",
				f.jsonName, p.typeString(f.goType), desc, defaultOf(f.markers),
				strings.Join(validations(f.markers, p.typeMarkers(f.goType)), " <br />"))
		}
		b.WriteString("\n\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// underlying resolves a local named non-struct type to its underlying type expression.
func (p *apiPackage) underlying(e ast.Expr) ast.Expr {
	if id, ok := e.(*ast.Ident); ok {
		if td, ok := p.types[id.Name]; ok && td.basic != nil {
			return td.basic
		}
	}
	return e
}

func isExternal(e ast.Expr) bool {
	_, ok := e.(*ast.SelectorExpr)
	return ok
}

// typeMarkers returns the markers of a local named type used as-is (validation on the type
// applies to the field, e.g. DeletionPolicy's enum).
func (p *apiPackage) typeMarkers(e ast.Expr) []string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		if td, ok := p.types[id.Name]; ok && td.basic != nil {
			return td.markers
		}
	}
	return nil
}

func (p *apiPackage) typeString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return p.typeString(t.X)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string"
		case "bool":
			return "boolean"
		case "int", "int32", "int64":
			return "integer"
		case "float32", "float64":
			return "number"
		}
		if _, ok := p.types[t.Name]; ok {
			return fmt.Sprintf("[%s](#%s)", t.Name, anchor(t.Name))
		}
		return t.Name
	case *ast.ArrayType:
		return p.typeString(t.Elt) + " array"
	case *ast.MapType:
		// Named string values (ModelBudgetString) are strings on the wire, as the reference says.
		return fmt.Sprintf("object (keys:%s, values:%s)", p.typeString(t.Key), p.typeString(p.underlying(t.Value)))
	case *ast.SelectorExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			if link, ok := externalTypes[id.Name+"."+t.Sel.Name]; ok {
				return link
			}
			return id.Name + "." + t.Sel.Name
		}
	}
	return fmt.Sprintf("%T", e)
}

var markerValue = regexp.MustCompile(`^kubebuilder:validation:(items:)?([A-Za-z]+)=(.*)$`)

// validations renders the validation markers of a field (plus those of its named type) the way
// the reference does, with CEL rules shown by their message.
func validations(fieldMarkers, typeMarkers []string) []string {
	var out []string
	for _, m := range append(slices.Clone(typeMarkers), fieldMarkers...) {
		switch {
		case m == "required" || m == "kubebuilder:validation:Required":
			out = append(out, `Required: \{\}`)
		case strings.HasPrefix(m, "kubebuilder:validation:XValidation:"):
			if msg := celMessage(m); msg != "" {
				out = append(out, "Rule: "+escape(msg))
			}
		default:
			sub := markerValue.FindStringSubmatch(m)
			if sub == nil {
				continue
			}
			name, value := sub[2], sub[3]
			if name == "Enum" {
				value = "[" + strings.ReplaceAll(value, ";", " ") + "]"
			}
			if sub[1] != "" {
				name = "Items " + name
			}
			out = append(out, fmt.Sprintf("%s: %s", name, escape(value)))
		}
	}
	return out
}

var celMessageRE = regexp.MustCompile(`message="((?:[^"\\]|\\.)*)"`)

func celMessage(marker string) string {
	sub := celMessageRE.FindStringSubmatch(marker)
	if sub == nil {
		return ""
	}
	msg, err := strconv.Unquote(`"` + sub[1] + `"`)
	if err != nil {
		return sub[1]
	}
	return msg
}

func defaultOf(markers []string) string {
	for _, m := range markers {
		if v, ok := strings.CutPrefix(m, "kubebuilder:default="); ok {
			return escape(v)
		}
	}
	return ""
}

var resourceMarker = regexp.MustCompile(`^kubebuilder:resource:(.*)$`)

// resourceInfo describes how kubectl reaches a kind: plural, short names, categories.
func resourceInfo(markers []string) string {
	for _, m := range markers {
		sub := resourceMarker.FindStringSubmatch(m)
		if sub == nil {
			continue
		}
		var parts []string
		for _, kv := range strings.Split(sub[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "path":
				parts = append(parts, "plural `"+v+"`")
			case "shortName":
				parts = append(parts, "short name `"+strings.ReplaceAll(v, ";", "`, `")+"`")
			case "categories":
				parts = append(parts, "category `"+strings.ReplaceAll(v, ";", "`, `")+"`")
			case "scope":
				parts = append(parts, strings.ToLower(v))
			}
		}
		return "_kubectl:_ " + strings.Join(parts, ", ")
	}
	return ""
}

// paragraph joins wrapped doc lines into one table-safe cell; blank lines (paragraph breaks) and
// list items become <br />.
func paragraph(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case i == 0:
		case l == "" || strings.HasPrefix(l, "- ") || lines[i-1] == "":
			b.WriteString("<br />")
		default:
			b.WriteString(" ")
		}
		b.WriteString(escape(l))
	}
	return strings.ReplaceAll(b.String(), "<br /><br />", "<br />")
}

var escaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "{", `\{`, "}", `\}`)

func escape(s string) string { return escaper.Replace(s) }

func anchor(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}

// WriteFile regenerates out from the package in dir.
func WriteFile(dir, out string) error {
	md, err := Generate(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(out, md, 0o644) //nolint:gosec // documentation, meant to be readable by everyone
}
