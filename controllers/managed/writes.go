package managed

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"
)

// writeTracker wraps the transport of one reconcile's LiteLLM client and records whether a request
// that can change LiteLLM (anything but GET and HEAD) may have reached the proxy. A request counts
// unless it failed before a connection was made (nothing listened, no route, name not found):
// then the proxy cannot have applied it. It lets the loop tell, after a failed create, that
// nothing of the object reached LiteLLM.
type writeTracker struct {
	next    http.RoundTripper
	reached atomic.Bool
}

func newWriteTracker(next http.RoundTripper) *writeTracker {
	if next == nil {
		next = http.DefaultTransport
	}
	return &writeTracker{next: next}
}

func (t *writeTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if req.Method != http.MethodGet && req.Method != http.MethodHead && !neverSent(err) {
		t.reached.Store(true)
	}
	return resp, err
}

// mayHaveWritten reports that a request that can change LiteLLM may have reached it.
func (t *writeTracker) mayHaveWritten() bool { return t.reached.Load() }

// neverSent reports a transport error raised before a connection to the proxy existed.
func neverSent(err error) bool {
	var op *net.OpError
	return err != nil && errors.As(err, &op) && op.Op == "dial"
}
