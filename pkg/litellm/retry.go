package litellm

import (
	"context"
	"time"
)

// RetryPolicy bounds the client's retries of transient failures. Zero fields take the defaults of
// DefaultRetryPolicy; MaxAttempts: 1 disables retries.
type RetryPolicy struct {
	// MaxAttempts is the most attempts per call, the first included.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; it doubles per attempt.
	BaseDelay time.Duration
	// MaxDelay caps one backoff.
	MaxDelay time.Duration
	// MaxElapsed bounds the whole call: no wait starts that would end after it. A Retry-After
	// longer than what is left is not waited for; the error carries it (RetryAfter) so the
	// reconciler can requeue instead of blocking a worker.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy keeps a reconcile worker busy for at most about half a minute per call.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts: 4,
	BaseDelay:   200 * time.Millisecond,
	MaxDelay:    5 * time.Second,
	MaxElapsed:  30 * time.Second,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxElapsed > 0 {
		d.MaxElapsed = p.MaxElapsed
	}
	return d
}

// retrySafety says what repeating a call can do (compat: Retries and lost responses). Every method states its
// safety and why.
type retrySafety int

const (
	// neverRetry: every attempt has a new effect (/key/regenerate issues a new key each time).
	neverRetry retrySafety = iota
	// retryUnsent: creates that must not run twice. They are repeated only when the request
	// certainly never reached LiteLLM (connection refused or failed before the request was
	// written) or was refused unprocessed (429). A lost response is returned: the caller observes.
	retryUnsent
	// retryIdempotent: the same request gives the same result (reads, updates, deletes whose
	// second answer is a not-found the caller treats as done).
	retryIdempotent
)

// shouldRetry is the retry policy: a pure function of the caller's context, the call's safety and
// the classified outcome of one attempt (which holds the status, LiteLLM's type and whether the
// request was sent).
func shouldRetry(ctx context.Context, safety retrySafety, failure *Error) bool {
	if failure == nil || ctx.Err() != nil || !failure.Retryable {
		return false
	}
	switch safety {
	case retryIdempotent:
		return true
	case retryUnsent:
		if failure.StatusCode == 0 {
			return !failure.RequestSent
		}
		return failure.Reason == ReasonRateLimited
	default:
		return false
	}
}

// delay returns the wait after the given number of failed attempts (≥1). Retry-After wins when
// LiteLLM sent one (429/503); otherwise exponential backoff with equal jitter: half fixed, half
// random (random in [0,1)), so clients spread out yet never hammer a proxy that is restarting.
func (p RetryPolicy) delay(failures int, retryAfter time.Duration, random float64) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := p.BaseDelay
	for i := 1; i < failures && d < p.MaxDelay; i++ {
		d *= 2
	}
	if d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + time.Duration(random*float64(d-half))
}

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
