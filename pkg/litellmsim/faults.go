package litellmsim

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// AnyPath as a fault path applies the fault to every LiteLLM route.
const AnyPath = "*"

// faults holds the injected failures. Per-path counters are consumed in order of precedence:
// rate limit, then fixed failure, then drop-after-apply.
type faults struct {
	mu          sync.Mutex
	latency     time.Duration
	jitter      time.Duration
	pathLatency map[string]time.Duration
	failNext    map[string]countedStatus
	failRate    map[string]ratedStatus
	dropNext    map[string]int
	rateLimit   map[string]countedRetry
}

type countedStatus struct{ status, n int }
type ratedStatus struct {
	status int
	rate   float64
}
type countedRetry struct {
	n          int
	retryAfter time.Duration
}

// faultPlan is what happens to one request.
type faultPlan struct {
	latency        time.Duration
	rateLimitAfter time.Duration // > 0: answer 429 with this Retry-After
	failStatus     int           // != 0: answer this status without applying
	drop           bool          // apply, then close the connection unanswered
}

func (f *faults) init() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency, f.jitter = 0, 0
	f.pathLatency = map[string]time.Duration{}
	f.failNext = map[string]countedStatus{}
	f.failRate = map[string]ratedStatus{}
	f.dropNext = map[string]int{}
	f.rateLimit = map[string]countedRetry{}
}

// plan decides the faults of one request to path and consumes the counted ones.
func (f *faults) plan(path string) faultPlan {
	f.mu.Lock()
	defer f.mu.Unlock()
	var p faultPlan
	p.latency = f.latency
	if f.jitter > 0 {
		p.latency += rand.N(f.jitter + 1) //nolint:gosec // test latency needs no cryptographic randomness
	}
	if d, ok := f.pathLatency[path]; ok {
		p.latency += d
	}
	for _, key := range []string{path, AnyPath} {
		if rl, ok := f.rateLimit[key]; ok && rl.n > 0 {
			rl.n--
			f.rateLimit[key] = rl
			p.rateLimitAfter = rl.retryAfter
			return p
		}
	}
	for _, key := range []string{path, AnyPath} {
		if fn, ok := f.failNext[key]; ok && fn.n > 0 {
			fn.n--
			f.failNext[key] = fn
			p.failStatus = fn.status
			return p
		}
	}
	for _, key := range []string{path, AnyPath} {
		if fr, ok := f.failRate[key]; ok && fr.rate > 0 && rand.Float64() < fr.rate { //nolint:gosec // nor does a failure rate
			p.failStatus = fr.status
			return p
		}
	}
	for _, key := range []string{path, AnyPath} {
		if n := f.dropNext[key]; n > 0 {
			f.dropNext[key] = n - 1
			p.drop = true
			return p
		}
	}
	return p
}

// SetLatency delays every LiteLLM call by fixed plus a random duration in [0, jitter].
func (s *Simulator) SetLatency(fixed, jitter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency, s.faults.jitter = fixed, jitter
}

// SetPathLatency adds d to every call to path (on top of SetLatency); d <= 0 removes it.
func (s *Simulator) SetPathLatency(path string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d <= 0 {
		delete(s.faults.pathLatency, path)
		return
	}
	s.faults.pathLatency[path] = d
}

// FailNext answers the next n calls to path with status, without applying them.
func (s *Simulator) FailNext(path string, status int, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.failNext[path] = countedStatus{status: status, n: n}
}

// FailRate answers a fraction rate (0..1) of the calls to path with status, without applying them.
func (s *Simulator) FailRate(path string, status int, rate float64) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if rate <= 0 {
		delete(s.faults.failRate, path)
		return
	}
	s.faults.failRate[path] = ratedStatus{status: status, rate: rate}
}

// DropAfterApply applies the next n calls to path, then closes the connection without a response.
func (s *Simulator) DropAfterApply(path string, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.dropNext[path] = n
}

// RateLimitNext answers the next n calls to path with 429 and a Retry-After header, without applying them.
func (s *Simulator) RateLimitNext(path string, n int, retryAfter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if retryAfter < time.Second {
		retryAfter = time.Second // Retry-After has whole seconds
	}
	s.faults.rateLimit[path] = countedRetry{n: n, retryAfter: retryAfter}
}

// ClearFaults removes every injected fault, latency included (SetDown is separate).
func (s *Simulator) ClearFaults() { s.faults.init() }

func writeInjectedFailure(w http.ResponseWriter, status int, v Variant) {
	msg := http.StatusText(status)
	if msg == "" {
		msg = "injected failure"
	}
	errorA(status, "internal_server_error", pyNone, "litellmsim: injected "+strconv.Itoa(status)+" "+msg).write(w, v)
}

func writeInjectedRateLimit(w http.ResponseWriter, retryAfter time.Duration, v Variant) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	e := errorA(http.StatusTooManyRequests, "None", pyNone, "litellmsim: injected rate limit. Retry after "+strconv.Itoa(secs)+" seconds.")
	e.headers = map[string]string{"Retry-After": strconv.Itoa(secs)}
	e.write(w, v)
}

// callCounter counts calls per "METHOD path".
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *callCounter) init() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

func (c *callCounter) add(method, path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[method+" "+path]++
}

// Calls reports how many requests reached method+path (faulted ones included), e.g.
// Calls("POST", "/key/generate").
func (s *Simulator) Calls(method, path string) int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.counts[method+" "+path]
}

// AllCalls returns a copy of every call count, keyed "METHOD path".
func (s *Simulator) AllCalls() map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := make(map[string]int, len(s.calls.counts))
	for k, v := range s.calls.counts {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes the call counters.
func (s *Simulator) ResetCalls() { s.calls.init() }
