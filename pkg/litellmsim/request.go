//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Request bodies are validated the way FastAPI/pydantic (lax mode) does before LiteLLM's code
// runs: wrong JSON types and missing required fields give 422 shape D (compat: Error bodies).
// Numeric strings are coerced ("10" → 10.0), as pydantic does. Unknown fields are ignored.

type fieldKind int

const (
	kindString  fieldKind = iota
	kindFloat             // float
	kindInt               // int
	kindBool              // bool
	kindStrings           // list[str]
	kindObject            // dict
	kindList              // list of anything
	kindAny               // no validation
)

const (
	locBody      = "body" // FastAPI's error location of a body field
	msgNotString = "Input should be a valid string"
)

// schema maps a body field to its type.
type schema map[string]fieldKind

// body is a validated request body: which fields were sent, and their coerced values (nil for
// an explicit JSON null).
type body struct {
	sent   map[string]bool
	values map[string]any
}

const maxBodyBytes = 8 << 20

// errorInvalidJSON is FastAPI's 422 for a body that is not JSON.
func errorInvalidJSON(reason string) *apiError {
	return errorD(validationItem{Type: "json_invalid", Loc: []any{locBody, 0}, Msg: "JSON decode error",
		Input: map[string]any{}, Ctx: map[string]any{"error": reason}})
}

// parseBody reads and validates a JSON object body. required fields must be present (null is
// allowed unless LiteLLM's model says otherwise; the handlers check that).
func parseBody(r *http.Request, sc schema, required ...string) (*body, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return nil, errorInvalidJSON(err.Error())
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if len(required) > 0 {
			return nil, errorD(validationItem{Type: "missing", Loc: []any{locBody}, Msg: "Field required", Input: nil})
		}
		return &body{sent: map[string]bool{}, values: map[string]any{}}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var decoded any
	if err := dec.Decode(&decoded); err != nil {
		return nil, errorInvalidJSON("Expecting value")
	}
	obj, ok := decoded.(map[string]any)
	if !ok {
		return nil, errorD(validationItem{Type: "model_attributes_type", Loc: []any{locBody},
			Msg: "Input should be a valid dictionary or object to extract fields from", Input: plainJSON(decoded)})
	}
	b := &body{sent: map[string]bool{}, values: map[string]any{}}
	var items []validationItem
	for _, name := range required {
		if _, ok := obj[name]; !ok {
			items = append(items, validationItem{Type: "missing", Loc: []any{locBody, name}, Msg: "Field required", Input: plainJSON(obj)})
		}
	}
	for name, v := range obj {
		kind, known := sc[name]
		if !known {
			continue
		}
		b.sent[name] = true
		if v == nil {
			b.values[name] = nil
			continue
		}
		coerced, item := coerce(kind, v, []any{locBody, name})
		if item != nil {
			items = append(items, *item)
			continue
		}
		b.values[name] = coerced
	}
	if len(items) > 0 {
		return nil, errorD(items...)
	}
	return b, nil
}

// coerce converts a decoded JSON value to the field's type as pydantic's lax mode would.
func coerce(kind fieldKind, v any, loc []any) (any, *validationItem) {
	var (
		out any
		typ string
		msg string
	)
	switch kind {
	case kindString:
		out, typ, msg = coerceString(v)
	case kindFloat:
		out, typ, msg = coerceFloat(v)
	case kindInt:
		out, typ, msg = coerceInt(v)
	case kindBool:
		out, typ, msg = coerceBool(v)
	case kindStrings:
		return coerceStrings(v, loc)
	case kindObject:
		if m, ok := v.(map[string]any); ok {
			return plainJSON(m), nil
		}
		typ, msg = "dict_type", "Input should be a valid dictionary"
	case kindList:
		if l, ok := v.([]any); ok {
			return plainJSON(l), nil
		}
		typ, msg = "list_type", "Input should be a valid list"
	default:
		return plainJSON(v), nil
	}
	if typ != "" {
		return nil, &validationItem{Type: typ, Loc: loc, Msg: msg, Input: plainJSON(v)}
	}
	return out, nil
}

// The coerceX helpers return the value, or the pydantic error type and message.

func coerceString(v any) (any, string, string) {
	if s, ok := v.(string); ok {
		return s, "", ""
	}
	return nil, "string_type", msgNotString
}

func coerceFloat(v any) (any, string, string) {
	const parsing = "Input should be a valid number, unable to parse string as a number"
	var f float64
	var err error
	switch t := v.(type) {
	case json.Number:
		f, err = t.Float64()
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(t), 64)
	default:
		return nil, "float_type", "Input should be a valid number"
	}
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, "float_parsing", parsing
	}
	return f, "", ""
}

func coerceInt(v any) (any, string, string) {
	const parsing = "Input should be a valid integer, unable to parse string as an integer"
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, "", ""
		}
		f, err := t.Float64()
		if err != nil {
			return nil, "int_parsing", parsing
		}
		if f != math.Trunc(f) {
			return nil, "int_from_float", "Input should be a valid integer, got a number with a fractional part"
		}
		return int64(f), "", ""
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			return nil, "int_parsing", parsing
		}
		return i, "", ""
	}
	return nil, "int_type", "Input should be a valid integer"
}

func coerceBool(v any) (any, string, string) {
	const parsing = "Input should be a valid boolean, unable to interpret input"
	var text string
	switch t := v.(type) {
	case bool:
		return t, "", ""
	case json.Number:
		text = t.String()
	case string:
		text = strings.ToLower(strings.TrimSpace(t))
	default:
		return nil, "bool_type", "Input should be a valid boolean"
	}
	switch text {
	case "true", "1", "yes", "on", "t", "y":
		return true, "", ""
	case "false", "0", "no", "off", "f", "n":
		return false, "", ""
	}
	return nil, "bool_parsing", parsing
}

func coerceStrings(v any, loc []any) (any, *validationItem) {
	list, ok := v.([]any)
	if !ok {
		return nil, &validationItem{Type: "list_type", Loc: loc, Msg: "Input should be a valid list", Input: plainJSON(v)}
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, &validationItem{Type: "string_type", Loc: append(append([]any{}, loc...), i),
				Msg: msgNotString, Input: plainJSON(e)}
		}
		out = append(out, s)
	}
	return out, nil
}

// plainJSON turns json.Number values into float64/int64 so they can be stored and re-encoded.
func plainJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = plainJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainJSON(e)
		}
		return out
	}
	return v
}

func (b *body) has(name string) bool { return b.sent[name] }

// isNull reports an explicit JSON null.
func (b *body) isNull(name string) bool { return b.sent[name] && b.values[name] == nil }

// str returns a sent, non-null string field.
func (b *body) str(name string) (string, bool) {
	s, ok := b.values[name].(string)
	return s, ok
}

// text returns a string field, or "" when absent or null.
func (b *body) text(name string) string {
	s, _ := b.str(name)
	return s
}

func (b *body) float(name string) *float64 {
	if f, ok := b.values[name].(float64); ok {
		return &f
	}
	return nil
}

func (b *body) integer(name string) *int64 {
	if i, ok := b.values[name].(int64); ok {
		return &i
	}
	return nil
}

func (b *body) boolean(name string) *bool {
	if v, ok := b.values[name].(bool); ok {
		return &v
	}
	return nil
}

func (b *body) strings(name string) []string {
	if v, ok := b.values[name].([]string); ok {
		return v
	}
	return nil
}

func (b *body) object(name string) map[string]any {
	if v, ok := b.values[name].(map[string]any); ok {
		return v
	}
	return nil
}

// query helpers: FastAPI query parameters with their 422s.

// queryInt reads a positive integer query parameter (FastAPI Query(ge=1, le=upper); upper 0 = no
// upper bound).
func queryInt(r *http.Request, name string, def, upper int64) (int64, *validationItem) {
	raw := r.URL.Query().Get(name)
	if !r.URL.Query().Has(name) {
		return def, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return 0, &validationItem{Type: "int_parsing", Loc: []any{"query", name},
			Msg: "Input should be a valid integer, unable to parse string as an integer", Input: raw}
	}
	if v < 1 {
		return 0, &validationItem{Type: "greater_than_equal", Loc: []any{"query", name},
			Msg: "Input should be greater than or equal to 1", Input: raw, Ctx: map[string]any{"ge": 1}}
	}
	if upper > 0 && v > upper {
		return 0, &validationItem{Type: "less_than_equal", Loc: []any{"query", name},
			Msg: "Input should be less than or equal to " + strconv.FormatInt(upper, 10), Input: raw,
			Ctx: map[string]any{"le": upper}}
	}
	return v, nil
}

func queryBool(r *http.Request, name string) (bool, *validationItem) {
	if !r.URL.Query().Has(name) {
		return false, nil
	}
	raw := r.URL.Query().Get(name)
	v, item := coerce(kindBool, raw, []any{"query", name})
	if item != nil {
		return false, item
	}
	return v.(bool), nil
}

// queryStr returns a query parameter, or "" when absent.
func queryStr(r *http.Request, name string) string { return r.URL.Query().Get(name) }
