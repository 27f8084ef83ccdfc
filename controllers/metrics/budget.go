package metrics

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Event reasons of a VirtualKey's budget.
const (
	// ReasonSoftBudgetExceeded: the key's spend reached its soft budget (a Warning).
	ReasonSoftBudgetExceeded = "SoftBudgetExceeded"
	// ReasonBudgetExceeded: the key's spend reached its max budget; LiteLLM refuses its requests
	// until the budget resets or is raised (a Warning).
	ReasonBudgetExceeded = "BudgetExceeded"
	// ReasonBudgetReset: a new budget period started (Normal).
	ReasonBudgetReset = "BudgetReset"
)

// BudgetEvent is an Event due about a VirtualKey's budget.
type BudgetEvent struct {
	Type   string // corev1.EventTypeWarning or corev1.EventTypeNormal
	Reason string
	Note   string
}

// BudgetEvents compares a VirtualKey's status before and after one reconcile and returns the
// budget Events due. The Warnings are edge-triggered: one when the spend reaches the soft budget
// (the value last applied, kept in status.softBudget) and one when it reaches the max budget. The
// status written by that reconcile already holds the new spend, so later resyncs compare "above"
// with "above" and stay silent until the spend falls back (a new budget period) and crosses again.
// A Normal Event says when a new budget period started: the spend of the same LiteLLM key went
// down, or its budget reset time moved on after it had passed. A rotation (a different key, spend
// back at 0) is not a new period.
func BudgetEvents(before, after *v1alpha1.VirtualKeyStatus, now time.Time) []BudgetEvent {
	spend, hasSpend := ParseMoney(after.Spend)
	if !hasSpend {
		return nil
	}
	var out []BudgetEvent
	// After a reset the previous period's spend says nothing about this one: a key that is above a
	// budget again by the next resync has crossed it again.
	period := newBudgetPeriod(before, after, now)
	if period {
		note := fmt.Sprintf("a new budget period started: spend is %s USD", after.Spend)
		if prev, ok := ParseMoney(before.Spend); ok && prev > spend {
			note = fmt.Sprintf("a new budget period started: spend went from %s to %s USD", before.Spend, after.Spend)
		}
		if after.BudgetResetAt != "" {
			note += "; the next reset is at " + after.BudgetResetAt
		}
		out = append(out, BudgetEvent{Type: corev1.EventTypeNormal, Reason: ReasonBudgetReset, Note: note})
	}
	if soft, ok := ParseMoney(after.SoftBudget); ok && spend >= soft && (period || !reached(before, before.SoftBudget)) {
		out = append(out, BudgetEvent{Type: corev1.EventTypeWarning, Reason: ReasonSoftBudgetExceeded,
			Note: fmt.Sprintf("spend %s USD reached the soft budget of %s USD%s", after.Spend, after.SoftBudget, maxBudgetNote(after))})
	}
	if maxBudget, ok := ParseMoney(after.MaxBudget); ok && spend >= maxBudget && (period || !reached(before, before.MaxBudget)) {
		out = append(out, BudgetEvent{Type: corev1.EventTypeWarning, Reason: ReasonBudgetExceeded,
			Note: fmt.Sprintf("spend %s USD reached the max budget of %s USD: LiteLLM refuses the key's requests until %s",
				after.Spend, after.MaxBudget, untilNote(after))})
	}
	return out
}

// reached reports whether the status's spend had reached limit. A status without spend (the key
// was never observed) has reached nothing, so a key that starts above a budget is reported once.
func reached(st *v1alpha1.VirtualKeyStatus, limit string) bool {
	spend, ok := ParseMoney(st.Spend)
	l, hasLimit := ParseMoney(limit)
	return ok && hasLimit && spend >= l
}

// newBudgetPeriod reports that LiteLLM's budget reset job ran for this key between the two
// observations.
func newBudgetPeriod(before, after *v1alpha1.VirtualKeyStatus, now time.Time) bool {
	if before.TokenID == "" || before.TokenID != after.TokenID {
		return false // never observed, or rotated to a new key
	}
	prev, okPrev := ParseMoney(before.Spend)
	cur, okCur := ParseMoney(after.Spend)
	if okPrev && okCur && cur < prev {
		return true
	}
	// A reset with nothing spent in the past period shows only in the reset time, which moves on
	// once it has passed. A changed budgetDuration moves it as well, without a new period.
	prevReset, okPrevReset := ParseTime(before.BudgetResetAt)
	curReset, okCurReset := ParseTime(after.BudgetResetAt)
	return okPrevReset && okCurReset && curReset.After(prevReset) && !prevReset.After(now) &&
		before.BudgetDuration == after.BudgetDuration
}

func maxBudgetNote(st *v1alpha1.VirtualKeyStatus) string {
	if st.MaxBudget == "" {
		return ""
	}
	return " (max budget " + st.MaxBudget + " USD)"
}

func untilNote(st *v1alpha1.VirtualKeyStatus) string {
	if st.BudgetResetAt != "" {
		return "the budget resets at " + st.BudgetResetAt + " or maxBudget is raised"
	}
	return "maxBudget is raised"
}
