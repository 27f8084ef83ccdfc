package litellm

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric vectors are package-level so that every Client (one per reconcile and proxy) adds to the
// same series. Labels are the route template, the method and the status: never a URL, id or key.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "litellm_client_requests_total",
		Help: "HTTP requests to LiteLLM's management API by route, method and status code (\"error\" when no response arrived).",
	}, []string{"endpoint", "method", "code"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "litellm_client_request_duration_seconds",
		Help:    "Duration of HTTP requests to LiteLLM's management API, body read included.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"endpoint", "method"})

	registerOnce sync.Once
)

// registerMetrics registers the vectors on controller-runtime's registry once per process. If an
// equal collector is already there (another copy registered it), that one is used.
func registerMetrics() {
	registerOnce.Do(func() {
		requestsTotal = registerOrReuse(requestsTotal)
		requestDuration = registerOrReuse(requestDuration)
	})
}

func registerOrReuse[C prometheus.Collector](c C) C {
	err := metrics.Registry.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}

// observeRequest records one HTTP attempt; status 0 means no response.
func observeRequest(route, method string, status int, took time.Duration) {
	code := "error"
	if status != 0 {
		code = strconv.Itoa(status)
	}
	requestsTotal.WithLabelValues(route, method, code).Inc()
	requestDuration.WithLabelValues(route, method).Observe(took.Seconds())
}
