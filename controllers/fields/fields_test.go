package fields

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldCase describes one field of a table: how the spec sets it, a LiteLLM view that holds the
// spec's value and one that does not, and what an update sends to set and to clear it.
type fieldCase[S, O any] struct {
	field  string
	reason string
	// required fields are always set: they cannot leave the spec.
	required bool
	set      func(S)
	// same makes LiteLLM (or what status recorded of the last apply) hold the spec's value, other
	// a different one.
	same  func(S, O)
	other func(S, O)
	// sent is the JSON value Set sends. clears says LiteLLM can clear the field, with the JSON
	// value cleared (null is nil); a field it cannot clear is reported as not cleared.
	sent    any
	clears  bool
	cleared any
}

// checkTable runs the same five checks on every field of a table, and checks that the cases
// cover the whole table.
func checkTable[S, O, R any](t *testing.T, table Table[S, O, R], newSpec func() S, newObserved func() O, cases []fieldCase[S, O]) {
	t.Helper()
	var covered []string
	for _, tc := range cases {
		covered = append(covered, tc.field)
		t.Run(tc.field, func(t *testing.T) {
			set := func() S { s := newSpec(); tc.set(s); return s }
			with := func(s S, mutate func(S, O)) (S, O) { o := newObserved(); mutate(s, o); return s, o }

			t.Run("equal", func(t *testing.T) {
				s, o := with(set(), tc.same)
				p := table.Plan(s, o, nil)
				assert.NotContains(t, p.Set, tc.field, "LiteLLM holds the spec's value: nothing to send (%s)", tc.reason)
			})
			t.Run("differs", func(t *testing.T) {
				s, o := with(set(), tc.other)
				p := table.Plan(s, o, nil)
				require.Contains(t, p.Set, tc.field, tc.reason)
				assert.Contains(t, p.Diff(), tc.field, "the Event names it")
				assert.Equal(t, tc.sent, sentValue(t, table, p, s, o, tc.field), "the spec's value is sent: %s", tc.reason)
			})
			t.Run("managed", func(t *testing.T) {
				assert.Contains(t, table.Managed(set()), tc.field, "a field the spec sets is managed")
			})
			if tc.required {
				return
			}
			t.Run("unset and unmanaged", func(t *testing.T) {
				s, o := with(newSpec(), tc.other)
				p := table.Plan(s, o, nil)
				assert.NotContains(t, p.Diff(), tc.field, "a field the spec never set is LiteLLM's")
				assert.NotContains(t, p.NotCleared, tc.field)
				assert.NotContains(t, table.Managed(newSpec()), tc.field)
			})
			t.Run("removed", func(t *testing.T) {
				s, o := with(newSpec(), tc.other)
				p := table.Plan(s, o, []string{tc.field})
				if !tc.clears {
					assert.Equal(t, []string{tc.field}, p.NotCleared, "LiteLLM cannot clear it: reported, %s", tc.reason)
					assert.False(t, p.Writes(), "nothing is sent for it")
					assert.False(t, p.Empty(), "but there is something to report")
					return
				}
				require.Equal(t, []string{tc.field}, p.Clear, tc.reason)
				assert.Equal(t, tc.cleared, sentValue(t, table, p, s, o, tc.field), "the clearing value is sent: %s", tc.reason)
			})
		})
	}
	var all []string
	for _, f := range table {
		all = append(all, f.Name)
	}
	assert.ElementsMatch(t, all, covered, "every field of the table has a case")
}

// sentValue applies the plan and returns the JSON value the request carries for field.
func sentValue[S, O, R any](t *testing.T, table Table[S, O, R], p Plan, s S, o O, field string) any {
	t.Helper()
	var req R
	table.Apply(p, s, o, &req)
	data, err := json.Marshal(req)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(data, &body))
	v, ok := body[field]
	require.True(t, ok, "the request carries %s: %s", field, data)
	return v
}

func TestPlan(t *testing.T) {
	table := Table[map[string]string, map[string]string, map[string]string]{
		{Name: "a", IsSet: func(s map[string]string) bool { return s["a"] != "" },
			Equal: func(s, o map[string]string) bool { return s["a"] == o["a"] },
			Set:   func(s, _ map[string]string, r *map[string]string) { (*r)["a"] = s["a"] },
			Clear: func(r *map[string]string) { (*r)["a"] = "" }},
		{Name: "b", IsSet: func(s map[string]string) bool { return s["b"] != "" },
			Equal: func(s, o map[string]string) bool { return s["b"] == o["b"] },
			Set:   func(s, _ map[string]string, r *map[string]string) { (*r)["b"] = s["b"] }},
	}
	cases := []struct {
		name     string
		reason   string
		spec     map[string]string
		observed map[string]string
		managed  []string
		want     Plan
		request  map[string]string
	}{
		{name: "in line", reason: "nothing to do", spec: map[string]string{"a": "1"}, observed: map[string]string{"a": "1"},
			want: Plan{}, request: map[string]string{}},
		{name: "set", reason: "only what differs is sent", spec: map[string]string{"a": "1", "b": "2"}, observed: map[string]string{"a": "1", "b": "3"},
			want: Plan{Set: []string{"b"}}, request: map[string]string{"b": "2"}},
		{name: "removed", reason: "cleared where possible, reported where not", spec: map[string]string{}, observed: map[string]string{"a": "1", "b": "2"},
			managed: []string{"a", "b"}, want: Plan{Clear: []string{"a"}, NotCleared: []string{"b"}}, request: map[string]string{"a": ""}},
		{name: "never managed", reason: "unset and unmanaged is LiteLLM's", spec: map[string]string{}, observed: map[string]string{"a": "1"},
			want: Plan{}, request: map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := table.Plan(tc.spec, tc.observed, tc.managed)
			assert.Equal(t, tc.want, p, tc.reason)
			req := map[string]string{}
			table.Apply(p, tc.spec, tc.observed, &req)
			assert.Equal(t, tc.request, req, tc.reason)
			assert.Equal(t, len(tc.want.Set)+len(tc.want.Clear) > 0, p.Writes())
			assert.Equal(t, len(tc.want.Set)+len(tc.want.Clear)+len(tc.want.NotCleared) == 0, p.Empty())
		})
	}
	assert.Equal(t, []string{"a", "b"}, Plan{Set: []string{"a"}, Clear: []string{"b"}}.Diff(), "set, then cleared")
}
