// Package suite shares one expensive test fixture (a control plane, a simulator, the operator)
// among the tests of a package, starts it only when a test needs it, and skips those tests, saying
// why and which make target runs them, when the control-plane binaries are not built. So
// `go test ./...` on a fresh clone runs every test that needs no control plane in seconds, and
// `make test` (which builds the binaries) runs everything.
package suite

import (
	"sync"
	"testing"

	"github.com/litellm-operator/litellm-operator/test/controlplane"
)

// SkipWithoutControlPlane skips t when the control-plane binaries are not built.
func SkipWithoutControlPlane(t testing.TB) {
	t.Helper()
	if reason := controlplane.Unavailable(); reason != "" {
		t.Skip(reason)
	}
}

// Shared is a fixture of type T, started by the first test that asks for it and stopped by
// TestMain after every test ran.
type Shared[T any] struct {
	start func() (T, func() error, error)

	once    sync.Once
	value   T
	stop    func() error
	err     error
	skipped string
}

// New returns a Shared whose start function builds the fixture and returns how to stop it. On
// error, start must clean up what it started.
func New[T any](start func() (T, func() error, error)) *Shared[T] {
	return &Shared[T]{start: start}
}

// Get returns the fixture, starting it on first use. Without control-plane binaries it skips t;
// when starting failed it fails t, and every later caller, with the same error.
func (s *Shared[T]) Get(t testing.TB) T {
	t.Helper()
	s.once.Do(func() {
		if s.skipped = controlplane.Unavailable(); s.skipped != "" {
			return
		}
		s.value, s.stop, s.err = s.start()
	})
	switch {
	case s.skipped != "":
		t.Skip(s.skipped)
	case s.err != nil:
		t.Fatalf("starting the shared test environment failed: %v", s.err)
	}
	return s.value
}

// Started reports whether the fixture was started (successfully).
func (s *Shared[T]) Started() bool { return s.stop != nil && s.err == nil }

// Stop stops the fixture when it was started; call it from TestMain after m.Run.
func (s *Shared[T]) Stop() error {
	if !s.Started() {
		return nil
	}
	return s.stop()
}
