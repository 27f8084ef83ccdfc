package controllers

import (
	"time"

	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/managed"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
)

// budgetEvents records a VirtualKey's budget Events (metrics.BudgetEvents) and passes every
// observation on to next. The shared loop shows it the status before and after each reconcile,
// once the new status is written, so a crossing is reported once: by the reconcile that first
// saw it, never again by the resyncs that follow.
type budgetEvents struct {
	next     managed.Observer
	recorder events.EventRecorder
	now      func() time.Time
}

func withBudgetEvents(next managed.Observer, recorder events.EventRecorder, now func() time.Time) managed.Observer {
	return &budgetEvents{next: next, recorder: recorder, now: now}
}

func (b *budgetEvents) Observe(before, after client.Object) {
	if b.next != nil {
		b.next.Observe(before, after)
	}
	old, okOld := before.(*v1alpha1.VirtualKey)
	vk, ok := after.(*v1alpha1.VirtualKey)
	if !ok || !okOld {
		return
	}
	for _, e := range metrics.BudgetEvents(&old.Status, &vk.Status, b.now()) {
		b.recorder.Eventf(vk, nil, e.Type, e.Reason, "Observe", "%s", e.Note)
	}
}

func (b *budgetEvents) Forget(obj client.Object) {
	if b.next != nil {
		b.next.Forget(obj)
	}
}
