package litellm

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShouldRetry(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	refused := &Error{Reason: ReasonConnectionRefused, Retryable: true}
	notSent := &Error{Reason: ReasonConnectionFailed, Retryable: true}
	lost := &Error{Reason: ReasonResponseLost, Retryable: true, RequestSent: true}
	status503 := &Error{StatusCode: 503, Reason: ReasonServerError, Retryable: true}
	status429 := &Error{StatusCode: 429, Reason: ReasonRateLimited, Retryable: true}
	budget429 := &Error{StatusCode: 429, Reason: ReasonBudgetExceeded}
	notFound := &Error{StatusCode: 404, Reason: ReasonNotFound}
	cases := []struct {
		name    string
		reason  string
		ctx     context.Context
		safety  retrySafety
		failure *Error
		want    bool
	}{
		{"idempotent, 503", "transient", context.Background(), retryIdempotent, status503, true},
		{"idempotent, 429", "rate limit", context.Background(), retryIdempotent, status429, true},
		{"idempotent, lost response", "same request, same result", context.Background(), retryIdempotent, lost, true},
		{"idempotent, refused", "not applied", context.Background(), retryIdempotent, refused, true},
		{"idempotent, budget 429", "permanent", context.Background(), retryIdempotent, budget429, false},
		{"idempotent, 404", "permanent", context.Background(), retryIdempotent, notFound, false},
		{"idempotent, context canceled", "stop at once", canceled, retryIdempotent, status503, false},
		{"create, refused", "never reached LiteLLM", context.Background(), retryUnsent, refused, true},
		{"create, not sent", "never reached LiteLLM", context.Background(), retryUnsent, notSent, true},
		{"create, lost response", "may have been applied: the caller observes", context.Background(), retryUnsent, lost, false},
		{"create, 503", "may have been applied behind a gateway", context.Background(), retryUnsent, status503, false},
		{"create, 429", "refused unprocessed", context.Background(), retryUnsent, status429, true},
		{"regenerate, refused", "never retried", context.Background(), neverRetry, refused, false},
		{"nil failure", "success", context.Background(), retryIdempotent, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, shouldRetry(tc.ctx, tc.safety, tc.failure), tc.reason)
		})
	}
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	cases := []struct {
		name       string
		failures   int
		retryAfter time.Duration
		random     float64
		want       time.Duration
	}{
		{"first, no jitter", 1, 0, 0, 50 * time.Millisecond},
		{"first, full jitter", 1, 0, 0.999999, 100 * time.Millisecond},
		{"second doubles", 2, 0, 0, 100 * time.Millisecond},
		{"third doubles again", 3, 0, 0, 200 * time.Millisecond},
		{"capped", 10, 0, 0.999999, time.Second},
		{"huge attempt count does not overflow", 200, 0, 0, 500 * time.Millisecond},
		{"Retry-After wins", 1, 3 * time.Second, 0.5, 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, float64(tc.want), float64(p.delay(tc.failures, tc.retryAfter, tc.random)), float64(time.Millisecond))
		})
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	assert.Equal(t, DefaultRetryPolicy, RetryPolicy{}.withDefaults())
	assert.Equal(t, 1, RetryPolicy{MaxAttempts: 1}.withDefaults().MaxAttempts)
}

func TestRetryOverHTTP(t *testing.T) {
	const infoOK = `{"key":"h","info":{"key_alias":"a"}}`
	cases := []struct {
		name         string
		reason       string
		fail         func(w http.ResponseWriter)
		failTimes    int32
		wantErr      func(error) bool
		wantAttempts int32
	}{
		{"400 is not retried", "permanent", func(w http.ResponseWriter) { writeJSON(w, 400, shapeA(400, "bad_request_error", "None", "bad")) }, 10, IsInvalidRequest, 1},
		{"401 is not retried", "wrong master key", func(w http.ResponseWriter) {
			writeJSON(w, 401, shapeA(401, "auth_error", "None", "No api key passed in."))
		}, 10, IsUnauthorized, 1},
		{"404 is not retried", "not found", func(w http.ResponseWriter) { writeJSON(w, 404, shapeA(404, "not_found_error", "key", "Key not found")) }, 10, IsNotFound, 1},
		{"422 is not retried", "validation", func(w http.ResponseWriter) { writeJSON(w, 422, `{"detail":[]}`) }, 10, IsInvalidRequest, 1},
		{"429 budget is not retried", "budget exhausted (compat: Retryable and permanent errors)", func(w http.ResponseWriter) {
			writeJSON(w, 429, shapeA(429, "budget_exceeded", "None", "Budget has been exceeded!"))
		}, 10, IsBudgetExceeded, 1},
		{"503 is retried until success", "transient", func(w http.ResponseWriter) { writeJSON(w, 503, `{"detail":"down"}`) }, 2, nil, 3},
		{"500 is retried until success", "transient", func(w http.ResponseWriter) { writeJSON(w, 500, shapeA(500, "internal_server_error", "None", "db")) }, 1, nil, 2},
		{"503 gives up after MaxAttempts", "bounded", func(w http.ResponseWriter) { writeJSON(w, 503, `{"detail":"down"}`) }, 100, IsTransient, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= tc.failTimes {
					tc.fail(w)
					return
				}
				writeJSON(w, 200, infoOK)
			})
			c, _ := newTestClient(t, srv.URL, fastRetry)
			_, err := c.KeyInfo(context.Background(), testRawKey)
			if tc.wantErr == nil {
				assert.NoError(t, err, tc.reason)
			} else {
				assert.True(t, tc.wantErr(err), "%s: %v", tc.reason, err)
			}
			assert.Equal(t, tc.wantAttempts, n.Load(), tc.reason)
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	var n atomic.Int32
	var first time.Time
	var gap time.Duration
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, shapeA(429, "None", "None", "Rate limit exceeded"))
			return
		}
		gap = time.Since(first)
		writeJSON(w, 200, `{"info":{}}`)
	})
	c, _ := newTestClient(t, srv.URL, fastRetry) // backoff alone would wait a few ms
	_, err := c.KeyInfo(context.Background(), testRawKey)
	require.NoError(t, err)
	assert.Equal(t, int32(2), n.Load())
	assert.GreaterOrEqual(t, gap, 900*time.Millisecond, "waited for Retry-After, not the 5 ms backoff")
}

func TestRetryAfterBeyondBudgetIsReturned(t *testing.T) {
	var n atomic.Int32
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 503, `{"detail":"Service Unhealthy"}`)
	})
	c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 5, MaxElapsed: 2 * time.Second})
	start := time.Now()
	_, err := c.KeyInfo(context.Background(), testRawKey)
	assert.Less(t, time.Since(start), time.Second, "a Retry-After past the total bound is not waited for")
	assert.Equal(t, int32(1), n.Load())
	assert.Equal(t, 60*time.Second, RetryAfter(err), "the caller can requeue after it")
	assert.True(t, IsTransient(err))
}

func TestRetryStopsOnContextCancel(t *testing.T) {
	var n atomic.Int32
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, 503, `{"detail":"down"}`)
	})
	c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 10, MaxElapsed: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.KeyInfo(ctx, testRawKey)
	assert.Less(t, time.Since(start), time.Second, "stops at once, not after Retry-After")
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	assert.False(t, IsTransient(err))
	assert.Equal(t, int32(1), n.Load())
}

func TestRetryTotalTimeBound(t *testing.T) {
	var n atomic.Int32
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 503, `{"detail":"down"}`)
	})
	c, _ := newTestClient(t, srv.URL, RetryPolicy{MaxAttempts: 1000, BaseDelay: 40 * time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxElapsed: 300 * time.Millisecond})
	start := time.Now()
	_, err := c.KeyInfo(context.Background(), testRawKey)
	took := time.Since(start)
	assert.True(t, IsTransient(err))
	assert.Less(t, took, 2*time.Second, "MaxElapsed (300 ms) bounds the call, not MaxAttempts (1000)")
	assert.Greater(t, n.Load(), int32(2))
	assert.Less(t, n.Load(), int32(20))
}

// refusedURL returns a URL on which nothing listens.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

func TestConnectionRefused(t *testing.T) {
	url := refusedURL(t)
	cases := []struct {
		name         string
		reason       string
		call         func(c *Client) error
		wantAttempts int32
	}{
		{"key info", "a read: retried", func(c *Client) error { _, err := c.KeyInfo(context.Background(), testRawKey); return err }, 4},
		{"key generate", "refused means not applied: safe to retry even a create", func(c *Client) error {
			_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey, KeyAlias: "a"})
			return err
		}, 4},
		{"user new", "not applied", func(c *Client) error {
			_, err := c.NewUser(context.Background(), UserNewRequest{UserID: "u"})
			return err
		}, 4},
		{"key regenerate", "never retried", func(c *Client) error {
			_, err := c.RegenerateKey(context.Background(), KeyRegenerateRequest{Key: testRawKey})
			return err
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, tr := newTestClient(t, url, fastRetry)
			err := tc.call(c)
			assert.True(t, IsConnectionRefused(err), "%s: %v", tc.reason, err)
			assert.False(t, IsResponseLost(err), "refused is not a lost response")
			assert.True(t, IsTransient(err))
			assert.Equal(t, tc.wantAttempts, tr.count.Load(), tc.reason)
		})
	}
}

func TestDroppedResponse(t *testing.T) {
	cases := []struct {
		name         string
		reason       string
		route        string
		call         func(c *Client) error
		wantLost     bool
		wantAttempts int32
	}{
		{"key generate", "may have been applied: never repeated, the caller observes (compat: Retries and lost responses)", routeKeyGenerate, func(c *Client) error {
			_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey, KeyAlias: "a"})
			return err
		}, true, 1},
		{"user new", "a repeat would answer 409 or make a second key", routeUserNew, func(c *Client) error {
			_, err := c.NewUser(context.Background(), UserNewRequest{UserID: "u"})
			return err
		}, true, 1},
		{"team member add", "the caller observes", routeTeamMemberAdd, func(c *Client) error {
			_, err := c.AddTeamMember(context.Background(), TeamMemberAddRequest{TeamID: "t", Member: TeamMember{UserID: "u"}})
			return err
		}, true, 1},
		{"key update with duration", "a repeat would move the expiry again", routeKeyUpdate, func(c *Client) error {
			_, err := c.UpdateKey(context.Background(), KeyUpdateRequest{Key: testRawKey, Duration: Set("30d")})
			return err
		}, true, 1},
		{"key info", "a read: retried", routeKeyInfo, func(c *Client) error { _, err := c.KeyInfo(context.Background(), testRawKey); return err }, false, 2},
		{"key update", "same body, same result: retried", routeKeyUpdate, func(c *Client) error {
			_, err := c.UpdateKey(context.Background(), KeyUpdateRequest{Key: testRawKey, MaxBudget: Set(2.0)})
			return err
		}, false, 2},
		{"key delete", "retried; a second delete would be a 404", routeKeyDelete, func(c *Client) error {
			_, err := c.DeleteKeys(context.Background(), KeyDeleteRequest{Keys: []string{testRawKey}})
			return err
		}, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body) // the request arrives whole: the call "is applied"
				if n.Add(1) == 1 {
					dropConnection(t, w)
					return
				}
				writeJSON(w, 200, `{}`)
			})
			c, _ := newTestClient(t, srv.URL, fastRetry)
			err := tc.call(c)
			if tc.wantLost {
				assert.True(t, IsResponseLost(err), "%s: %v", tc.reason, err)
				assert.True(t, errors.Is(err, ErrResponseLost))
				assert.False(t, IsConnectionRefused(err))
				e, _ := AsError(err)
				require.NotNil(t, e)
				assert.True(t, e.RequestSent)
			} else {
				assert.NoError(t, err, tc.reason)
			}
			assert.Equal(t, tc.wantAttempts, n.Load(), tc.reason)
		})
	}
}

func TestTruncatedSuccessBodyIsResponseLost(t *testing.T) {
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"key":"sk-`))
		w.(http.Flusher).Flush()
		dropConnection(t, w)
	})
	c, _ := newTestClient(t, srv.URL, fastRetry)
	_, err := c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey})
	assert.True(t, IsResponseLost(err), "status 200 arrived, body did not: applied, result lost: %v", err)
	e, _ := AsError(err)
	require.NotNil(t, e)
	assert.Equal(t, 200, e.StatusCode)
}

func TestTimeoutAfterSendIsResponseLost(t *testing.T) {
	release := make(chan struct{})
	srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	tr := newCountingTransport()
	c, err := New(Config{BaseURL: srv.URL, MasterKey: testMasterKey, Transport: tr, Timeout: 100 * time.Millisecond, Retry: fastRetry})
	require.NoError(t, err)
	_, err = c.GenerateKey(context.Background(), KeyGenerateRequest{Key: testRawKey})
	assert.True(t, IsResponseLost(err), "a timeout after the request was written is an unknown outcome: %v", err)
	assert.Equal(t, int32(1), tr.count.Load())
}
