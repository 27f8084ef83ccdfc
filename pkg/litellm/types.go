package litellm

import (
	"bytes"
	"encoding/json"
)

// optionalState says whether an Optional is left out, sent as JSON null, or sent with a value.
type optionalState uint8

const (
	stateUnset optionalState = iota
	stateNull
	stateSet
)

// Optional is a field of an update request with three states:
//   - unset (the zero value): the field is not sent, LiteLLM leaves it unchanged;
//   - Null: the field is sent as JSON null, which clears it on /key/update and /team/update
//     (compat: POST /key/update; POST /team/update; /key/update ignores a null budget_duration);
//   - Set: the field is sent with the value.
//
// Fields of this type must carry the `omitzero` JSON option, so that unset means "not sent".
type Optional[T any] struct {
	value T
	state optionalState
}

// Set returns an Optional that sends v.
func Set[T any](v T) Optional[T] { return Optional[T]{value: v, state: stateSet} }

// Null returns an Optional that sends JSON null, clearing the field in LiteLLM.
func Null[T any]() Optional[T] { return Optional[T]{state: stateNull} }

// IsZero reports whether the field is unset; encoding/json's omitzero uses it to leave the field out.
func (o Optional[T]) IsZero() bool { return o.state == stateUnset }

// IsNull reports whether the field is sent as JSON null.
func (o Optional[T]) IsNull() bool { return o.state == stateNull }

// Get returns the value and true when the field is set to a value.
func (o Optional[T]) Get() (T, bool) { return o.value, o.state == stateSet }

// MarshalJSON writes the value, or null for Null (and for unset, which omitzero leaves out anyway).
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.state != stateSet {
		return []byte("null"), nil
	}
	return json.Marshal(o.value)
}

// UnmarshalJSON reads null as Null and anything else as Set, so a decoded request keeps the
// difference between "sent as null" and "not sent" (the field stays unset when absent).
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}

// ModelBudget is one entry of model_max_budget (an Enterprise feature, compat: Numbers and timestamps; Enterprise-only features).
type ModelBudget struct {
	BudgetLimit float64 `json:"budget_limit"`
	TimePeriod  string  `json:"time_period,omitempty"`
}

// Budget is a LiteLLM budget row (litellm_budget_table), as embedded in keys and team memberships.
type Budget struct {
	BudgetID            string         `json:"budget_id,omitempty"`
	MaxBudget           *float64       `json:"max_budget,omitempty"`
	SoftBudget          *float64       `json:"soft_budget,omitempty"`
	MaxParallelRequests *int           `json:"max_parallel_requests,omitempty"`
	TPMLimit            *int           `json:"tpm_limit,omitempty"`
	RPMLimit            *int           `json:"rpm_limit,omitempty"`
	ModelMaxBudget      map[string]any `json:"model_max_budget,omitempty"`
	BudgetDuration      string         `json:"budget_duration,omitempty"`
	BudgetResetAt       *Time          `json:"budget_reset_at,omitempty"`
	CreatedAt           *Time          `json:"created_at,omitempty"`
	UpdatedAt           *Time          `json:"updated_at,omitempty"`
}
