package metrics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
)

func TestBudgetEvents(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	status := func(spend string, mutate ...func(*v1alpha1.VirtualKeyStatus)) v1alpha1.VirtualKeyStatus {
		st := v1alpha1.VirtualKeyStatus{TokenID: keyHash, Spend: spend, SoftBudget: "8", MaxBudget: "10",
			BudgetDuration: "30d", BudgetResetAt: "2026-12-01T00:00:00Z"}
		for _, m := range mutate {
			m(&st)
		}
		return st
	}
	reasons := func(events []metrics.BudgetEvent) []string {
		var out []string
		for _, e := range events {
			out = append(out, e.Type+"/"+e.Reason)
		}
		return out
	}
	const (
		soft      = corev1.EventTypeWarning + "/" + metrics.ReasonSoftBudgetExceeded
		exhausted = corev1.EventTypeWarning + "/" + metrics.ReasonBudgetExceeded
		reset     = corev1.EventTypeNormal + "/" + metrics.ReasonBudgetReset
	)
	cases := []struct {
		reason        string
		before, after v1alpha1.VirtualKeyStatus
		want          []string
	}{
		{reason: "Spend below every budget: nothing to say.", before: status("1"), after: status("2")},
		{reason: "Spend reaches the soft budget: one Warning.", before: status("7.5"), after: status("8"), want: []string{soft}},
		{reason: "A resync that finds spend still above the soft budget says nothing again.", before: status("8.5"), after: status("9")},
		{reason: "An unchanged resync says nothing.", before: status("9"), after: status("9")},
		{reason: "Spend reaches the max budget: one Warning.", before: status("9"), after: status("10"), want: []string{exhausted}},
		{reason: "Both crossed between two resyncs: both Warnings.", before: status("1"), after: status("12"), want: []string{soft, exhausted}},
		{reason: "Still over the max budget: nothing again.", before: status("12"), after: status("12.5")},
		{
			reason: "The budget reset (spend down, reset time moved on): one Normal Event and no Warning.",
			before: status("12"), after: status("0", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-12-31T00:00:00Z" }),
			want: []string{reset},
		},
		{
			reason: "Reset and above the soft budget again by the next resync: the new period's crossing is reported too.",
			before: status("9"), after: status("8.5", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-12-31T00:00:00Z" }),
			want: []string{reset, soft},
		},
		{
			reason: "A period with no spend ends: the reset time moves on after it had passed.",
			before: status("0", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-11-25T11:00:00Z" }),
			after:  status("0", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-12-25T11:00:00Z" }),
			want:   []string{reset},
		},
		{
			reason: "A changed budgetDuration moves the reset time without a new period.",
			before: status("1", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-11-25T11:00:00Z" }),
			after: status("1", func(st *v1alpha1.VirtualKeyStatus) {
				st.BudgetDuration, st.BudgetResetAt = "7d", "2026-12-02T12:00:00Z"
			}),
		},
		{
			reason: "A reset time still in the future that moves is a spec change, not a new period.",
			before: status("1"), after: status("1", func(st *v1alpha1.VirtualKeyStatus) { st.BudgetResetAt = "2026-12-05T00:00:00Z" }),
		},
		{
			reason: "A rotation brings a new key with spend 0: not a new budget period.",
			before: status("9"), after: status("0", func(st *v1alpha1.VirtualKeyStatus) { st.TokenID = "another-hash" }),
		},
		{
			reason: "The first observation of a key that starts above its budgets reports them once.",
			before: v1alpha1.VirtualKeyStatus{}, after: status("11"), want: []string{soft, exhausted},
		},
		{
			reason: "A key not observed in this reconcile (no spend in status) says nothing.",
			before: v1alpha1.VirtualKeyStatus{}, after: v1alpha1.VirtualKeyStatus{},
		},
		{
			reason: "Without budgets there is nothing to cross.",
			before: status("1", func(st *v1alpha1.VirtualKeyStatus) { st.SoftBudget, st.MaxBudget = "", "" }),
			after:  status("100", func(st *v1alpha1.VirtualKeyStatus) { st.SoftBudget, st.MaxBudget = "", "" }),
		},
		{
			reason: "A soft budget lowered below the spend is a crossing.",
			before: status("5"), after: status("5", func(st *v1alpha1.VirtualKeyStatus) { st.SoftBudget = "4" }),
			want: []string{soft},
		},
		{
			reason: "A max budget raised above the spend, then spend reaching it again, is a second crossing.",
			before: status("11", func(st *v1alpha1.VirtualKeyStatus) { st.MaxBudget = "20" }),
			after:  status("20", func(st *v1alpha1.VirtualKeyStatus) { st.MaxBudget = "20" }),
			want:   []string{exhausted},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			got := metrics.BudgetEvents(&tc.before, &tc.after, now)
			assert.Equal(t, tc.want, reasons(got), tc.reason)
			for _, e := range got {
				assert.NotEmpty(t, e.Note)
				assert.NotContains(t, e.Note, keyHash, "an Event never names the key's hash")
			}
		})
	}
}

func TestBudgetEventNotes(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	before := v1alpha1.VirtualKeyStatus{TokenID: keyHash, Spend: "9.5", SoftBudget: "8", MaxBudget: "10", BudgetResetAt: "2026-11-25T11:00:00Z", BudgetDuration: "30d"}
	cases := []struct {
		reason string
		after  v1alpha1.VirtualKeyStatus
		want   []string
	}{
		{
			reason: "The exhausted Warning says what LiteLLM does and until when.",
			after:  v1alpha1.VirtualKeyStatus{TokenID: keyHash, Spend: "10.25", SoftBudget: "8", MaxBudget: "10", BudgetResetAt: "2026-11-25T11:00:00Z", BudgetDuration: "30d"},
			want:   []string{"spend 10.25 USD reached the max budget of 10 USD: LiteLLM refuses the key's requests until the budget resets at 2026-11-25T11:00:00Z or maxBudget is raised"},
		},
		{
			reason: "The reset names the spend before and after, and the next reset.",
			after:  v1alpha1.VirtualKeyStatus{TokenID: keyHash, Spend: "0", SoftBudget: "8", MaxBudget: "10", BudgetResetAt: "2026-12-25T11:00:00Z", BudgetDuration: "30d"},
			want:   []string{"a new budget period started: spend went from 9.5 to 0 USD; the next reset is at 2026-12-25T11:00:00Z"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			var notes []string
			for _, e := range metrics.BudgetEvents(&before, &tc.after, now) {
				notes = append(notes, e.Note)
			}
			assert.Equal(t, tc.want, notes, tc.reason)
		})
	}
}
