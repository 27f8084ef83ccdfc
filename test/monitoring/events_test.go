package monitoring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/litellm-operator/litellm-operator/controllers/metrics"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// TestBudgetEventsOncePerCrossing drives one key's spend in LiteLLM over its soft budget, over its
// max budget, through a budget reset and over the soft budget again, and checks after several
// resyncs each time that every crossing was reported exactly once.
func TestBudgetEventsOncePerCrossing(t *testing.T) {
	ns := newNamespace(t)
	vk := newVirtualKey(ns, "budget")
	require.NoError(t, env.k8s.Create(context.Background(), vk))
	t.Cleanup(func() { deleteAndWait(t, vk) })
	waitReady(t, vk)
	hash := vk.Status.TokenID

	// want is the number of Events of each reason after each step.
	steps := []struct {
		reason string
		do     func()
		want   map[string]int
	}{
		{
			reason: "below the soft budget: no budget Event",
			do:     func() { require.True(t, env.sim.SetKeySpend(hash, 7.5)) },
			want:   map[string]int{},
		},
		{
			reason: "spend reaches the soft budget: one Warning",
			do:     func() { require.True(t, env.sim.SetKeySpend(hash, 8.5)) },
			want:   map[string]int{metrics.ReasonSoftBudgetExceeded: 1},
		},
		{
			reason: "more spend above the soft budget: nothing new",
			do:     func() { require.True(t, env.sim.SetKeySpend(hash, 9)) },
			want:   map[string]int{metrics.ReasonSoftBudgetExceeded: 1},
		},
		{
			reason: "spend reaches the max budget: one Warning",
			do:     func() { require.True(t, env.sim.SetKeySpend(hash, 10.5)) },
			want:   map[string]int{metrics.ReasonSoftBudgetExceeded: 1, metrics.ReasonBudgetExceeded: 1},
		},
		{
			reason: "LiteLLM's budget reset job runs: one Normal Event",
			do: func() {
				past := env.sim.Now().Add(-time.Minute)
				require.True(t, env.sim.MutateKey(hash, func(k *litellmsim.Key) { k.BudgetResetAt = &past }))
				env.sim.ResetBudgets()
			},
			want: map[string]int{metrics.ReasonSoftBudgetExceeded: 1, metrics.ReasonBudgetExceeded: 1, metrics.ReasonBudgetReset: 1},
		},
		{
			reason: "the new period crosses the soft budget again: a second Warning",
			do:     func() { require.True(t, env.sim.SetKeySpend(hash, 8.25)) },
			want:   map[string]int{metrics.ReasonSoftBudgetExceeded: 2, metrics.ReasonBudgetExceeded: 1, metrics.ReasonBudgetReset: 1},
		},
	}
	reasons := []string{metrics.ReasonSoftBudgetExceeded, metrics.ReasonBudgetExceeded, metrics.ReasonBudgetReset}
	for _, step := range steps {
		step.do()
		// The first resync after the change reports it; wait for the Events it is due to write.
		require.Eventually(t, func() bool {
			for _, r := range reasons {
				if len(budgetEvents(t, vk, r)) < step.want[r] {
					return false
				}
			}
			return true
		}, waitTimeout, poll, "%s: Events %v", step.reason, step.want)
		// Later resyncs see the same state and must stay silent.
		waitForResyncs(t, 2)
		for _, r := range reasons {
			events := budgetEvents(t, vk, r)
			assert.Len(t, events, step.want[r], "%s: %s Events", step.reason, r)
			for _, e := range events {
				// A repeated Event would be folded into a series by the recorder.
				assert.Nil(t, e.Series, "%s: %s was recorded again: %s", step.reason, r, e.Note)
				wantType := corev1.EventTypeWarning
				if r == metrics.ReasonBudgetReset {
					wantType = corev1.EventTypeNormal
				}
				assert.Equal(t, wantType, e.Type)
			}
		}
	}
}
