package litellm

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testMasterKey = "sk-master-Secret0123456789"
	testRawKey    = "sk-RawKeyValue0123456789abcdWXYZ"
)

// countingTransport counts round trips (attempts), including those that never reach a server.
type countingTransport struct {
	next  http.RoundTripper
	count atomic.Int32
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.count.Add(1)
	return t.next.RoundTrip(r)
}

func newCountingTransport() *countingTransport {
	return &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
}

// fastRetry retries quickly so tests run in milliseconds.
var fastRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxElapsed: 5 * time.Second}

// newTestClient returns a client for baseURL with a fresh transport (so no connection is reused
// across tests) and the given retry policy.
func newTestClient(t *testing.T, baseURL string, retry RetryPolicy) (*Client, *countingTransport) {
	t.Helper()
	tr := newCountingTransport()
	c, err := New(Config{BaseURL: baseURL, MasterKey: testMasterKey, Retry: retry, Transport: tr, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return c, tr
}

// serveFunc starts an httptest server for h and closes it at the end of the test.
func serveFunc(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// dropConnection closes the connection after the request was read, without any response: the
// call "was applied" but the answer is lost.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	require.True(t, ok)
	conn, _, err := hj.Hijack()
	require.NoError(t, err)
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
