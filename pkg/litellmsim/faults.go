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

// faultKind is what a fault rule does to the calls it matches.
type faultKind string

// Fault kinds, in the order a request's faults are decided: a matching latency rule adds its delay
// and a watch only counts; then the first matching rate limit, fixed failure, failure rate or
// drop-after-apply wins, path-specific rules before AnyPath rules.
const (
	kindLatency   faultKind = "latency"
	kindWatch     faultKind = "watch"
	kindRateLimit faultKind = "rate_limit_next"
	kindFailNext  faultKind = "fail_next"
	kindFailRate  faultKind = "fail_rate"
	kindDrop      faultKind = "drop_after_apply"
)

var exclusiveKinds = []faultKind{kindRateLimit, kindFailNext, kindFailRate, kindDrop}

// Fault is one installed fault rule. Hits counts the calls it acted on (for a watch: the calls it
// saw), so a test can prove that its fault hit the object under test and not another one.
type Fault struct {
	owner      *faults
	kind       faultKind
	path       string
	match      Match
	status     int
	remaining  int // counted kinds: calls left
	rate       float64
	retryAfter time.Duration
	latency    time.Duration
	hits       int
}

// Hits is how many calls the rule acted on so far (it keeps counting after ClearFaults removed it,
// so it reads 0 more from then on).
func (f *Fault) Hits() int {
	f.owner.mu.Lock()
	defer f.owner.mu.Unlock()
	return f.hits
}

// FaultStatus describes an installed rule, for the admin API.
type FaultStatus struct {
	Kind      string `json:"kind"`
	Path      string `json:"path"`
	Match     Match  `json:"match"`
	Hits      int    `json:"hits"`
	Remaining int    `json:"remaining,omitempty"`
}

// faults holds the injected failures.
type faults struct {
	mu      sync.Mutex
	latency time.Duration
	jitter  time.Duration
	rules   []*Fault
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
	f.rules = nil
}

// install adds a rule, replacing one of the same kind, path and match.
func (f *faults) install(r *Fault) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.owner = f
	for i, old := range f.rules {
		if old.kind == r.kind && old.path == r.path && old.match == r.match {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			break
		}
	}
	f.rules = append(f.rules, r)
	return r
}

// remove drops the rule of that kind, path and match (setting a latency or rate to zero).
func (f *faults) remove(kind faultKind, path string, m Match) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.kind == kind && r.path == path && r.match == m {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return
		}
	}
}

// plan decides the faults of one request to path and consumes the counted ones. subjectOf tells
// what the request is about; it is only called when a scoped rule could apply.
func (f *faults) plan(path string, subjectOf func() subject) faultPlan {
	f.mu.Lock()
	defer f.mu.Unlock()
	var subj *subject
	applies := func(r *Fault, exactPath bool) bool {
		if exactPath && r.path != path || !exactPath && r.path != AnyPath {
			return false
		}
		if r.match == (Match{}) {
			return true
		}
		if subj == nil {
			s := subjectOf()
			subj = &s
		}
		return r.match.matches(*subj)
	}

	p := faultPlan{latency: f.latency}
	if f.jitter > 0 {
		p.latency += rand.N(f.jitter + 1) //nolint:gosec // test latency needs no cryptographic randomness
	}
	for _, r := range f.rules {
		if (r.kind == kindLatency || r.kind == kindWatch) && (applies(r, true) || applies(r, false)) {
			r.hits++
			p.latency += r.latency
		}
	}
	for _, kind := range exclusiveKinds {
		for _, exact := range []bool{true, false} {
			for _, r := range f.rules {
				if r.kind != kind || !applies(r, exact) || !r.fire() {
					continue
				}
				r.hits++
				switch kind {
				case kindRateLimit:
					p.rateLimitAfter = r.retryAfter
				case kindFailNext, kindFailRate:
					p.failStatus = r.status
				case kindDrop:
					p.drop = true
				}
				return p
			}
		}
	}
	return p
}

// fire consumes one use of a counted rule, or draws the dice of a rate; false: the rule passes.
func (r *Fault) fire() bool {
	if r.kind == kindFailRate {
		return rand.Float64() < r.rate //nolint:gosec // nor does a failure rate
	}
	if r.remaining <= 0 {
		return false
	}
	r.remaining--
	return true
}

// Faults installs fault rules limited to the calls about one object (see Match); Simulator's own
// methods of the same names install rules for every call.
type Faults struct {
	s     *Simulator
	match Match
}

// For returns the fault methods scoped to the calls that match m, e.g.
//
//	f := sim.For(litellmsim.Match{KeyAlias: "svc"}).DropAfterApply("/key/generate", 1)
//	... // later: f.Hits() == 1 proves the drop hit that key's call
func (s *Simulator) For(m Match) Faults { return Faults{s: s, match: m} }

// SetPathLatency adds d to every matching call to path (on top of SetLatency); d <= 0 removes it.
func (f Faults) SetPathLatency(path string, d time.Duration) *Fault {
	if d <= 0 {
		f.s.faults.remove(kindLatency, path, f.match)
		return nil
	}
	return f.s.faults.install(&Fault{kind: kindLatency, path: path, match: f.match, latency: d})
}

// FailNext answers the next n matching calls to path with status, without applying them.
func (f Faults) FailNext(path string, status, n int) *Fault {
	return f.s.faults.install(&Fault{kind: kindFailNext, path: path, match: f.match, status: status, remaining: n})
}

// FailRate answers a fraction rate (0..1) of the matching calls to path with status, without
// applying them; rate <= 0 removes the rule.
func (f Faults) FailRate(path string, status int, rate float64) *Fault {
	if rate <= 0 {
		f.s.faults.remove(kindFailRate, path, f.match)
		return nil
	}
	return f.s.faults.install(&Fault{kind: kindFailRate, path: path, match: f.match, status: status, rate: rate})
}

// DropAfterApply applies the next n matching calls to path, then closes the connection without a
// response, as when a response is lost after LiteLLM applied the call.
func (f Faults) DropAfterApply(path string, n int) *Fault {
	return f.s.faults.install(&Fault{kind: kindDrop, path: path, match: f.match, remaining: n})
}

// RateLimitNext answers the next n matching calls to path with 429 and a Retry-After header,
// without applying them.
func (f Faults) RateLimitNext(path string, n int, retryAfter time.Duration) *Fault {
	if retryAfter < time.Second {
		retryAfter = time.Second // Retry-After has whole seconds
	}
	return f.s.faults.install(&Fault{kind: kindRateLimit, path: path, match: f.match, remaining: n, retryAfter: retryAfter})
}

// Watch changes nothing: its Hits count the matching calls to path from now on, e.g. the reads
// that prove an object was reconciled again.
func (f Faults) Watch(path string) *Fault {
	return f.s.faults.install(&Fault{kind: kindWatch, path: path, match: f.match})
}

// SetLatency delays every LiteLLM call by fixed plus a random duration in [0, jitter].
func (s *Simulator) SetLatency(fixed, jitter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency, s.faults.jitter = fixed, jitter
}

// SetPathLatency adds d to every call to path (on top of SetLatency); d <= 0 removes it.
func (s *Simulator) SetPathLatency(path string, d time.Duration) *Fault {
	return s.For(Match{}).SetPathLatency(path, d)
}

// FailNext answers the next n calls to path with status, without applying them.
func (s *Simulator) FailNext(path string, status, n int) *Fault {
	return s.For(Match{}).FailNext(path, status, n)
}

// FailRate answers a fraction rate (0..1) of the calls to path with status, without applying them.
func (s *Simulator) FailRate(path string, status int, rate float64) *Fault {
	return s.For(Match{}).FailRate(path, status, rate)
}

// DropAfterApply applies the next n calls to path, then closes the connection without a response.
func (s *Simulator) DropAfterApply(path string, n int) *Fault {
	return s.For(Match{}).DropAfterApply(path, n)
}

// RateLimitNext answers the next n calls to path with 429 and a Retry-After header, without applying them.
func (s *Simulator) RateLimitNext(path string, n int, retryAfter time.Duration) *Fault {
	return s.For(Match{}).RateLimitNext(path, n, retryAfter)
}

// ClearFaults removes every injected fault, latency included (SetDown is separate).
func (s *Simulator) ClearFaults() { s.faults.init() }

// FaultStatuses lists the installed rules with their hits, in installation order.
func (s *Simulator) FaultStatuses() []FaultStatus {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make([]FaultStatus, 0, len(s.faults.rules))
	for _, r := range s.faults.rules {
		out = append(out, FaultStatus{Kind: string(r.kind), Path: r.path, Match: r.match, Hits: r.hits, Remaining: r.remaining})
	}
	return out
}

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
