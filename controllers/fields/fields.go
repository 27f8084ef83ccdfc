// Package fields maps the spec of each kind to LiteLLM, declaratively and in one way for every
// kind. A Table lists the fields LiteLLM can update; each Field says when the spec sets it, how
// the spec and LiteLLM's view compare once normalised, how the spec's value is sent, and how a
// field removed from the spec is cleared, or that LiteLLM cannot clear it. Plan turns a spec, an
// observed LiteLLM object and the fields the spec set at its last apply into what an update must
// do; Apply writes that plan into the update request.
//
// A field unset in the spec is not managed. A field the spec set at its last apply (recorded in
// status.managedFields) and no longer sets is cleared once where LiteLLM can clear it, and reported
// once where it cannot (FieldNotCleared); either way it is no longer managed afterwards.
package fields

import "slices"

// Field maps one spec field of a kind to one LiteLLM field. S is the Kubernetes object (its spec,
// and its status where the field is compared with what was last applied), O the object LiteLLM
// reports, R the update request.
type Field[S, O, R any] struct {
	// Name is LiteLLM's name of the field, used in Events and status.managedFields.
	Name string
	// IsSet reports that the spec sets the field, which makes it managed.
	IsSet func(S) bool
	// Equal reports that LiteLLM holds the spec's value, after normalising both sides.
	Equal func(S, O) bool
	// Set puts the spec's value into the request.
	Set func(S, O, *R)
	// Clear puts the clearing value into the request; nil when LiteLLM cannot clear the field.
	Clear func(*R)
}

// Table is the mapping of one kind, in the order fields are reported.
type Table[S, O, R any] []Field[S, O, R]

// Plan is what an update must do, each list in table order.
type Plan struct {
	// Set names the fields whose spec value differs from LiteLLM's.
	Set []string
	// Clear names the fields removed from the spec that LiteLLM can clear.
	Clear []string
	// NotCleared names the fields removed from the spec that LiteLLM cannot clear: they keep their
	// value in LiteLLM, are reported once, and are no longer managed.
	NotCleared []string
}

// Writes reports that the plan sends something to LiteLLM.
func (p Plan) Writes() bool { return len(p.Set) > 0 || len(p.Clear) > 0 }

// Empty reports that there is nothing to do, not even to report.
func (p Plan) Empty() bool { return !p.Writes() && len(p.NotCleared) == 0 }

// Diff names what an update sends: the fields set, then the fields cleared.
func (p Plan) Diff() []string { return append(slices.Clip(p.Set), p.Clear...) }

// Plan compares the spec with LiteLLM's view. managed lists the fields the spec set when it was
// last applied.
func (t Table[S, O, R]) Plan(spec S, observed O, managed []string) Plan {
	var p Plan
	for _, f := range t {
		switch {
		case f.IsSet(spec):
			if !f.Equal(spec, observed) {
				p.Set = append(p.Set, f.Name)
			}
		case !slices.Contains(managed, f.Name):
		case f.Clear != nil:
			p.Clear = append(p.Clear, f.Name)
		default:
			p.NotCleared = append(p.NotCleared, f.Name)
		}
	}
	return p
}

// Apply writes the plan into req: the spec's value of every field in p.Set, the clearing value of
// every field in p.Clear.
func (t Table[S, O, R]) Apply(p Plan, spec S, observed O, req *R) {
	for _, f := range t {
		switch {
		case slices.Contains(p.Set, f.Name):
			f.Set(spec, observed, req)
		case slices.Contains(p.Clear, f.Name) && f.Clear != nil:
			f.Clear(req)
		}
	}
}

// Managed names the fields the spec sets, in table order: what status.managedFields records once
// the spec is applied.
func (t Table[S, O, R]) Managed(spec S) []string {
	var names []string
	for _, f := range t {
		if f.IsSet(spec) {
			names = append(names, f.Name)
		}
	}
	return names
}
