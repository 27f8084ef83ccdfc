package metrics_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/controllers/metrics"
)

// observed fills a collector with n VirtualKeys as the benchmark creates them: a budget, Ready and
// Synced, a team and a user.
func observed(n int) *metrics.Objects {
	o := metrics.NewObjects()
	for i := range n {
		o.Observe(nil, virtualKey(func(vk *v1alpha1.VirtualKey) {
			vk.Name = fmt.Sprintf("vk-%06d", i)
			vk.Spec.KeyAlias = "team-a-" + vk.Name
			vk.Status.SoftBudget, vk.Status.Expires, vk.Status.BudgetResetAt = "", "", ""
		}))
	}
	return o
}

// BenchmarkObjects reports what the per-object series cost: the heap the collector holds per
// object (held-B/object), and what one scrape of 10,000 objects allocates (B/op).
func BenchmarkObjects(b *testing.B) {
	const n = 10000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	o := observed(n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := float64(after.HeapAlloc-before.HeapAlloc) / n
	reg := prometheus.NewRegistry()
	if err := reg.Register(o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(held, "held-B/object")
	runtime.KeepAlive(o)
}
