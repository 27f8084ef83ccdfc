package litellmsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultCostPerCall is the spend a successful /chat/completions adds when Options.CostPerCall is 0.
const DefaultCostPerCall = 0.05

// Options configures a Simulator.
type Options struct {
	MasterKey   string           // required, must start with "sk-"
	Premium     bool             // Enterprise features on (default off, like a free proxy)
	CostPerCall float64          // spend added per successful /chat/completions (0 => DefaultCostPerCall)
	Variant     Variant          // zero value = current LiteLLM behaviour; fields switch older behaviours
	Now         func() time.Time // optional clock for tests

	// Models, when non-empty, is the proxy's model list: /chat/completions for any other model
	// answers 400 "Invalid model name" (unverified text). Empty = every model name is served.
	Models []string
	// BudgetResetInterval, when > 0, runs the budget-reset job in the background at that
	// interval (LiteLLM runs it about every 10 minutes). Tests call ResetBudgets instead.
	BudgetResetInterval time.Duration
}

// Variant switches older LiteLLM behaviours on; the zero value is current behaviour (see the
// package documentation for what "current" means and which release each switch emulates).
type Variant struct {
	// DuplicateUserLegacy: /user/new with an existing user_id answers 200 and changes nothing
	// (a second auto-created key is still made), a duplicate user_email answers 400 (≤1.80;
	// compat: Releases covered; POST /user/new).
	DuplicateUserLegacy bool
	// UserInfoEmpty200: /user/info of an unknown user_id answers 200 with an empty user_info
	// (1.80; compat: GET /user/info).
	UserInfoEmpty200 bool
	// KeepMemberKeysOnMemberDelete: /team/member_delete leaves the member's team keys in place
	// (≈1.7x–1.8x snapshot, before LiteLLM PR #17057; compat: POST /team/member_delete).
	KeepMemberKeysOnMemberDelete bool
	// BudgetExceeded400: an exhausted budget answers 400 instead of 429 (older releases, compat: Request-time checks).
	BudgetExceeded400 bool
	// Expired400: an expired key answers 400 instead of 401 (older releases, compat: Request-time checks).
	Expired400 bool
	// ModelDenied401: a model outside the key's/team's models answers 401 instead of 403 (≤1.8x).
	ModelDenied401 bool
	// IntegerErrorCode: error.code is a JSON integer instead of a string (older bodies, compat: Error bodies).
	IntegerErrorCode bool
	// ObjectErrorMessage: error.message is the dict detail itself ({"error": ...}) instead of its
	// Python repr, enterprise refusals on /team/update come back as shape A, and wrapped internal
	// errors carry the "Internal Server Error, " prefix (1.81.x; compat: Error bodies).
	ObjectErrorMessage bool
}

// Simulator is an in-memory LiteLLM proxy (management API plus /chat/completions) with fault
// injection and inspection for tests. All methods are safe for concurrent use.
type Simulator struct {
	opts       Options
	masterHash string

	mu    sync.Mutex // guards the store below
	store store

	faults faults
	calls  callCounter

	netMu    sync.Mutex
	addr     string // bound address once started, reused when coming back up
	server   *http.Server
	serving  sync.WaitGroup
	down     bool
	closed   bool
	stopTick chan struct{}
	tickDone chan struct{}
}

// New validates the options and returns a simulator with an empty database.
func New(opts Options) (*Simulator, error) {
	if !strings.HasPrefix(opts.MasterKey, "sk-") {
		// compat: Authentication: a master key must start with "sk-" (unverified for LiteLLM itself).
		return nil, errors.New("litellmsim: master key must start with \"sk-\"")
	}
	if opts.CostPerCall < 0 {
		return nil, errors.New("litellmsim: cost per call must not be negative")
	}
	if opts.CostPerCall == 0 {
		opts.CostPerCall = DefaultCostPerCall
	}
	s := &Simulator{opts: opts, masterHash: HashKey(opts.MasterKey)}
	s.store = newStore()
	s.faults.init()
	s.calls.init()
	if opts.BudgetResetInterval > 0 {
		s.startBudgetTicker(opts.BudgetResetInterval)
	}
	return s, nil
}

// Now is the simulator's clock: Options.Now (or the wall clock) plus any AdvanceClock offset, in UTC.
func (s *Simulator) Now() time.Time {
	base := time.Now()
	if s.opts.Now != nil {
		base = s.opts.Now()
	}
	s.mu.Lock()
	off := s.store.clockOffset
	s.mu.Unlock()
	return base.Add(off).UTC()
}

// nowLocked is Now for callers that already hold s.mu.
func (s *Simulator) nowLocked() time.Time {
	base := time.Now()
	if s.opts.Now != nil {
		base = s.opts.Now()
	}
	return base.Add(s.store.clockOffset).UTC()
}

// AdvanceClock moves the simulator's clock forward by d (on top of Options.Now), so expiry and
// budget resets can be tested without sleeping, also through the admin endpoint of the binary.
func (s *Simulator) AdvanceClock(d time.Duration) {
	s.mu.Lock()
	s.store.clockOffset += d
	s.mu.Unlock()
}

// ServeHTTP serves the whole API: LiteLLM's routes, with faults applied, and the /__sim/ admin routes.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	s.calls.add(r.Method, r.URL.Path)
	if s.isDown() {
		// Only reached when the simulator is mounted on someone else's listener (httptest):
		// there is no listener of ours to close, so every connection is dropped instead.
		abortConnection(w)
		return
	}
	plan := s.faults.plan(r.URL.Path, func() subject { return s.subjectOf(r) })
	if plan.latency > 0 {
		timer := time.NewTimer(plan.latency)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
	}
	switch {
	case plan.rateLimitAfter > 0:
		writeInjectedRateLimit(w, plan.rateLimitAfter, s.opts.Variant)
	case plan.failStatus != 0:
		writeInjectedFailure(w, plan.failStatus, s.opts.Variant)
	case plan.drop:
		s.serveRoute(newDiscardWriter(), r)
		abortConnection(w)
	default:
		s.serveRoute(w, r)
	}
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background. It returns the base URL.
func (s *Simulator) Start(addr string) (string, error) {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.closed {
		return "", errors.New("litellmsim: simulator is closed")
	}
	if s.server != nil || s.addr != "" {
		return "", errors.New("litellmsim: already started")
	}
	ln, err := listen(addr)
	if err != nil {
		return "", fmt.Errorf("litellmsim: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.serveLocked(ln)
	return s.urlLocked(), nil
}

func (s *Simulator) serveLocked(ln net.Listener) {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.server = srv
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		_ = srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
}

// URL is the base URL ("http://host:port") once started, "" before.
func (s *Simulator) URL() string {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.urlLocked()
}

func (s *Simulator) urlLocked() string {
	if s.addr == "" {
		return ""
	}
	return "http://" + s.addr
}

// Close stops serving (if started) and the background budget job. It is safe to call twice.
func (s *Simulator) Close() error {
	s.netMu.Lock()
	if s.closed {
		s.netMu.Unlock()
		return nil
	}
	s.closed = true
	var err error
	if s.server != nil {
		err = s.server.Close()
		s.server = nil
	}
	s.netMu.Unlock()
	s.serving.Wait()
	s.stopBudgetTicker()
	return err
}

// SetDown(true) makes the proxy unreachable: when started, the listener and every open connection
// are closed (new connections are refused); SetDown(false) listens again on the same address.
// When mounted on another server (httptest), every request's connection is closed unanswered instead.
func (s *Simulator) SetDown(down bool) {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.down == down || s.closed {
		s.down = down
		return
	}
	s.down = down
	if s.addr == "" {
		return
	}
	if down {
		if s.server != nil {
			_ = s.server.Close()
			s.server = nil
		}
		return
	}
	ln, err := listenAgain(s.addr)
	if err != nil {
		// Stay down rather than serve somewhere else: tests need the same address.
		s.down = true
		return
	}
	s.serveLocked(ln)
}

// listenAgain re-binds the previous address; a just-closed port can take a moment to be free.
func listenAgain(addr string) (net.Listener, error) {
	var lastErr error
	for range 50 {
		ln, err := listen(addr)
		if err == nil {
			return ln, nil
		}
		lastErr = err
		time.Sleep(20 * time.Millisecond)
	}
	return nil, lastErr
}

func listen(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(context.Background(), "tcp", addr)
}

func (s *Simulator) isDown() bool {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.down
}

// abortConnection closes the client's connection without writing a response: the client sees EOF
// or a reset, as when a proxy dies mid-request.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// net/http closes the connection without a response when a handler panics with this value.
	panic(http.ErrAbortHandler)
}

// discardWriter swallows a handler's response: the call is applied but nobody hears about it.
type discardWriter struct{ header http.Header }

func newDiscardWriter() *discardWriter               { return &discardWriter{header: http.Header{}} }
func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
