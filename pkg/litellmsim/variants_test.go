package litellmsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorEnvelopeVariants(t *testing.T) {
	cases := []struct {
		name, reason string
		variant      Variant
		request      func(c *apiClient) response
		wantCode     any
		wantMessage  any
	}{
		{name: "string code", reason: "compat: Error bodies: (current)", request: func(c *apiClient) response { return c.get("/key/info?key=sk-nope-1234") },
			wantCode: "404", wantMessage: "Key not found in database"},
		{name: "integer code", reason: "compat: Error bodies: older bodies", variant: Variant{IntegerErrorCode: true},
			request: func(c *apiClient) response { return c.get("/key/info?key=sk-nope-1234") }, wantCode: 404.0},
		{name: "repr message", reason: "compat: Error bodies: current: dict detail as Python repr",
			request: func(c *apiClient) response {
				return c.post("/key/delete", map[string]any{"keys": []string{"sk-nope-1234"}})
			},
			wantCode: "404", wantMessage: "{'error': 'No keys found'}"},
		{name: "object message", reason: "compat: Error bodies: 1.81.x: dict detail passed through", variant: Variant{ObjectErrorMessage: true},
			request: func(c *apiClient) response {
				return c.post("/key/delete", map[string]any{"keys": []string{"sk-nope-1234"}})
			},
			wantCode: "404", wantMessage: map[string]any{"error": "No keys found"}},
		{name: "internal prefix", reason: "compat: Error bodies: 1.81.x prefixes wrapped exceptions", variant: Variant{ObjectErrorMessage: true},
			request:  func(c *apiClient) response { return c.post("/key/generate", map[string]any{"duration": "30"}) },
			wantCode: "500", wantMessage: "Internal Server Error, Unsupported duration unit, passed duration: 30"},
		{name: "no prefix", reason: "current: the exception text alone",
			request:  func(c *apiClient) response { return c.post("/key/generate", map[string]any{"duration": "30"}) },
			wantCode: "500", wantMessage: "Unsupported duration unit, passed duration: 30"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			r := tc.request(c)
			e := r.errA()
			require.NotNil(t, e, r.String())
			assert.Equal(t, tc.wantCode, e["code"], tc.reason)
			if tc.wantMessage != nil {
				assert.Equal(t, tc.wantMessage, e["message"], tc.reason)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	_, c := newTestSim(t)
	cases := []struct {
		name, reason, path string
		body               any
		wantType           string
		wantLoc            []any
	}{
		{name: "float", reason: "unparsable number", path: "/key/generate", body: map[string]any{"max_budget": "abc"}, wantType: "float_parsing", wantLoc: []any{"body", "max_budget"}},
		{name: "int fraction", reason: "1.5 is not an int", path: "/key/generate", body: map[string]any{"rpm_limit": 1.5}, wantType: "int_from_float", wantLoc: []any{"body", "rpm_limit"}},
		{name: "string", reason: "a number is not a string", path: "/key/generate", body: map[string]any{"key_alias": 5}, wantType: "string_type", wantLoc: []any{"body", "key_alias"}},
		{name: "list element", reason: "models must be strings", path: "/key/generate", body: map[string]any{"models": []any{"a", 1}}, wantType: "string_type", wantLoc: []any{"body", "models", 1.0}},
		{name: "missing", reason: "required field", path: "/team/update", body: map[string]any{}, wantType: "missing", wantLoc: []any{"body", "team_id"}},
		{name: "invalid json", reason: "not JSON", path: "/key/generate", body: "{nope", wantType: "json_invalid"},
		{name: "not an object", reason: "a list body", path: "/key/generate", body: []any{1}, wantType: "model_attributes_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post(tc.path, tc.body)
			require.Equal(t, 422, r.status, "%s: %s", tc.reason, r)
			items, ok := r.detail().([]any)
			require.True(t, ok, "compat: Error bodies: shape D")
			item := items[0].(map[string]any)
			assert.Equal(t, tc.wantType, item["type"], tc.reason)
			if tc.wantLoc != nil {
				assert.Equal(t, tc.wantLoc, item["loc"], tc.reason)
			}
			assert.Contains(t, item, "msg")
		})
	}
}

func TestJSONTypeMismatches(t *testing.T) {
	want := map[string]any{"a": "x", "b": nil, "c": map[string]any{"d": 1.0}, "e": []any{"s"}, "f": "skip"}
	assert.Empty(t, jsonTypeMismatches("", want, map[string]any{"a": "y", "b": nil, "c": map[string]any{"d": 2.0}, "e": []any{"t"}, "f": 1.0},
		map[string]string{"f": "reason"}))
	problems := jsonTypeMismatches("", want, map[string]any{"a": 1.0, "c": map[string]any{"d": "1"}, "e": []any{2.0}, "f": "x"}, nil)
	assert.Len(t, problems, 4, "a type, b missing, c.d type, e[0] type: %v", problems)
}
