// Package litellm is the operator's client for LiteLLM's management API (keys, users, teams,
// health). What it relies on in LiteLLM's behaviour, per endpoint and release, is written down in
// docs/litellm-compatibility.md; references such as (compat: POST /key/update) name its sections.
//
// Every failure is a *Error, classified once per endpoint (IsNotFound, IsAlreadyExists, IsTransient,
// ...) and redacted: neither the master key nor a raw key ever appears in an error, a log line or a
// metric label. Transient failures are retried only for calls that are safe to repeat.
package litellm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-resty/resty/v2"
)

// DefaultTimeout bounds one HTTP attempt. It is well above the ~1–3 s LiteLLM spends retrying
// internally before some not-found answers (/key/update, compat: POST /key/update).
const DefaultTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	// BaseURL is the proxy's address, e.g. http://litellm.ns.svc:4000 (a path prefix is kept).
	BaseURL string
	// MasterKey authenticates every management call as proxy admin (compat: Authentication).
	MasterKey string
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport is shared by every Client of the process (one Client is built per reconcile and
	// proxy; connections must be pooled across them). nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Retry bounds retries of transient failures; zero fields take DefaultRetryPolicy's values.
	Retry RetryPolicy
	// Logger receives redacted debug lines (V(1)). When unset, the logger in the call's context
	// (logr.FromContext, as controller-runtime provides) is used.
	Logger logr.Logger
	// ChangedBy, when set, is sent as `litellm-changed-by` on writes: LiteLLM's audit log records it,
	// so it should name what made the change (e.g. the object's namespace and name). WithChangedBy
	// sets it for one client copy. Control characters are dropped and it is cut to 256 bytes.
	ChangedBy string
}

// Client calls one LiteLLM proxy. It is cheap to build and holds no cache; build one per reconcile.
type Client struct {
	rest      *resty.Client
	masterKey string
	changedBy string
	retry     RetryPolicy
	logger    logr.Logger
	redact    redactor
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("litellm: base URL must be an absolute http(s) URL, got %q", redactURL(cfg.BaseURL))
	}
	if cfg.MasterKey == "" {
		return nil, errors.New("litellm: master key is empty")
	}
	base.RawQuery, base.Fragment, base.User = "", "", nil
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	registerMetrics()
	red := newRedactor(cfg.MasterKey)
	// No cookie jar, no resty retries (the loop in send owns them), no automatic body parsing
	// (bodies are read through io.LimitReader), no resty log lines.
	// Redirects are not followed: a management API has no reason to redirect, and following one
	// could replay a create elsewhere. A 3xx is reported with its Location instead.
	hc := &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	rest := resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(base.String(), "/")).
		SetLogger(restyLogger{}).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "litellm-operator")
	return &Client{
		rest:      rest,
		masterKey: cfg.MasterKey,
		changedBy: changedByHeader(cfg.ChangedBy),
		retry:     cfg.Retry.withDefaults(),
		logger:    cfg.Logger,
		redact:    red,
	}, nil
}

// WithChangedBy returns a copy of the client that attributes its writes to who in LiteLLM's audit
// log (the `litellm-changed-by` header), e.g. "litellm-operator:<namespace>/<Kind>/<name>". The
// copy shares the connection pool and everything else.
func (c *Client) WithChangedBy(who string) *Client {
	cp := *c
	cp.changedBy = changedByHeader(who)
	return &cp
}

// changedByHeader makes a header value of an attribution: printable ASCII only (a newline would
// make every request fail), at most 256 bytes.
func changedByHeader(who string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, who)
	clean = strings.TrimSpace(clean)
	if len(clean) > 256 {
		clean = clean[:256]
	}
	return clean
}

// String describes the client without its master key, should it end up in a log line.
func (c *Client) String() string { return "litellm.Client{" + c.rest.BaseURL + "}" }

// BaseURL is the proxy's base URL, as configured (no credentials).
func (c *Client) BaseURL() string { return c.rest.BaseURL }

// GoString is String for %#v.
func (c *Client) GoString() string { return c.String() }

// String describes the configuration without the master key.
func (cfg Config) String() string {
	return fmt.Sprintf("litellm.Config{BaseURL: %q, MasterKey: %s, Timeout: %s}", redactURL(cfg.BaseURL), redactedText, cfg.Timeout)
}

// GoString is String for %#v.
func (cfg Config) GoString() string { return cfg.String() }

// call describes one API call.
type call struct {
	method string
	route  string
	query  url.Values
	body   any
	safety retrySafety
	// secrets are raw keys the request carries; they are redacted literally from errors.
	secrets []string
	// noAuth: the health probes need no key (compat: GET /health/liveliness; GET /health/readiness), so none is sent.
	noAuth bool
}

// do runs cl with retries and decodes a 2xx body into out (when out is not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	body, err := c.send(ctx, cl)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return c.decodeFailure(cl.method, cl.route, json.Unmarshal(body, out))
}

// decodeFailure wraps an error decoding a 2xx body (nil stays nil). The call was applied, so this
// is never retried.
func (c *Client) decodeFailure(method, route string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Method: method, Endpoint: route, StatusCode: http.StatusOK, Reason: ReasonInvalidResponse,
		Message: truncate("cannot decode response: "+c.redact.clean(err.Error()), maxMessageLen)}
}

// send runs the attempts of one call and returns the 2xx body.
func (c *Client) send(ctx context.Context, cl call) ([]byte, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("litellm: %s %s: cannot encode request: %w", cl.method, cl.route, err)
		}
	}
	red := c.redact.with(cl.secrets...)
	log := c.log(ctx).WithValues("method", cl.method, "endpoint", cl.route)
	start := time.Now()
	for attempt := 1; ; attempt++ {
		body, failure := c.attempt(ctx, cl, payload, red)
		if failure == nil {
			return body, nil
		}
		if !shouldRetry(ctx, cl.safety, failure) || attempt >= c.retry.MaxAttempts {
			return nil, failure
		}
		wait := c.retry.delay(attempt, failure.RetryAfter, rand.Float64()) //nolint:gosec // jitter, not a secret
		if time.Since(start)+wait > c.retry.MaxElapsed {
			return nil, failure
		}
		log.V(1).Info("retrying LiteLLM call", "attempt", attempt, "wait", wait.String(), "error", failure.Error())
		if err := sleep(ctx, wait); err != nil {
			return nil, newCanceledError(cl.method, cl.route, err, failure)
		}
	}
}

// attempt makes one HTTP request. It returns the 2xx body, or the classified failure.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte, red redactor) ([]byte, *Error) {
	// WroteRequest tells "never reached the server" (safe to repeat any call) from "sent, answer
	// lost" (maybe applied): the difference between IsConnectionRefused and IsResponseLost.
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			sent.Store(true)
		}
	}}
	req := c.rest.R().SetContext(httptrace.WithClientTrace(ctx, trace)).SetDoNotParseResponse(true)
	if !cl.noAuth {
		req.SetHeader("Authorization", "Bearer "+c.masterKey)
	}
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	if c.changedBy != "" && cl.method == http.MethodPost {
		req.SetHeader("litellm-changed-by", c.changedBy)
	}
	if len(cl.query) > 0 {
		req.SetQueryParamsFromValues(cl.query) // resty encodes: '+' is sent as %2B (compat: GET /user/info)
	}

	start := time.Now()
	resp, err := req.Execute(cl.method, cl.route)
	if err != nil && resp != nil && resp.RawResponse != nil {
		_ = resp.RawResponse.Body.Close()
	}
	if err != nil || resp == nil || resp.RawResponse == nil {
		observeRequest(cl.route, cl.method, 0, time.Since(start))
		if err == nil {
			err = errors.New("no response")
		}
		failure := transportError(ctx, cl, err, sent.Load(), red)
		c.log(ctx).V(1).Info("LiteLLM call failed", "method", cl.method, "endpoint", cl.route, "error", failure.Error())
		return nil, failure
	}
	raw := resp.RawResponse
	defer func() { _ = raw.Body.Close() }()
	success := raw.StatusCode >= 200 && raw.StatusCode < 300
	limit := int64(maxErrorBody)
	if success {
		limit = maxSuccessBody
	}
	body, readErr := io.ReadAll(io.LimitReader(raw.Body, limit+1))
	observeRequest(cl.route, cl.method, raw.StatusCode, time.Since(start))
	c.log(ctx).V(1).Info("LiteLLM call", "method", cl.method, "endpoint", cl.route, "status", raw.StatusCode, "duration", time.Since(start).String())

	switch {
	case success && readErr != nil:
		// The status line arrived, so LiteLLM applied the call; only its result is missing.
		f := transportError(ctx, cl, readErr, true, red)
		f.StatusCode = raw.StatusCode
		return nil, f
	case success && int64(len(body)) > limit:
		return nil, &Error{Method: cl.method, Endpoint: cl.route, StatusCode: raw.StatusCode, Reason: ReasonInvalidResponse,
			Message: fmt.Sprintf("response body larger than %d bytes", limit)}
	case success:
		return body, nil
	}
	if int64(len(body)) > limit {
		body = body[:limit]
	}
	return nil, decodeError(cl.method, cl.route, raw.StatusCode, raw.Header, body, red)
}

// transportError classifies a failure without a (complete) response.
func transportError(ctx context.Context, cl call, err error, sent bool, red redactor) *Error {
	cause := err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		cause = urlErr.Err // drop the URL: it carries query values
	}
	e := &Error{Method: cl.method, Endpoint: cl.route, RequestSent: sent, cause: cause}
	detail := red.clean(cause.Error())
	switch {
	case isContextError(ctx, err):
		e.Reason, e.Message = ReasonCanceled, "context ended: "+detail
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason, e.Retryable = ReasonConnectionRefused, true
		e.Message, e.RequestSent = "connection refused (the call was not applied): "+detail, false
	case isCertificateError(err):
		// A certificate will not fix itself between attempts (go-retryablehttp's rule too).
		e.Reason, e.Message = ReasonConnectionFailed, "TLS certificate rejected: "+detail
	case !sent:
		e.Reason, e.Retryable = ReasonConnectionFailed, true
		e.Message = "request not sent (the call was not applied): " + detail
	default:
		e.Reason, e.Retryable = ReasonResponseLost, true
		e.Message = "response lost after the request was sent (the call may have been applied): " + detail
	}
	e.Message = truncate(oneLine(e.Message), maxMessageLen)
	return e
}

func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknownAuthority) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

func (c *Client) log(ctx context.Context) logr.Logger {
	if c.logger.GetSink() != nil {
		return c.logger
	}
	return logr.FromContextOrDiscard(ctx)
}

// redactURL hides user info and query values of a configured URL for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactedText
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// restyLogger drops resty's own log lines. By default resty prints to stderr, and its lines can
// quote request details; with resty's retries off it has nothing useful to add to ours.
type restyLogger struct{}

func (restyLogger) Errorf(string, ...any) {}
func (restyLogger) Warnf(string, ...any)  {}
func (restyLogger) Debugf(string, ...any) {}
