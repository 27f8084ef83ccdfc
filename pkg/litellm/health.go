package litellm

import (
	"context"
	"net/http"
)

// Readiness is the answer of /health/readiness. Only Status and DB are read: the status word is
// "healthy" now and "connected" on 1.40 (compat: GET /health/readiness), so callers should rely on the 200, not the word.
type Readiness struct {
	Status         string `json:"status,omitempty"`
	DB             string `json:"db,omitempty"`
	LiteLLMVersion string `json:"litellm_version,omitempty"`
}

// Liveliness reports whether the proxy process answers (GET /health/liveliness, no auth, compat: GET /health/liveliness).
// The /health/liveness spelling exists only in newer releases, so it is not used.
//
// Retry: yes, a read.
func (c *Client) Liveliness(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodGet, route: routeHealthLiveliness, safety: retryIdempotent, noAuth: true}, nil)
}

// Readiness reads GET /health/readiness (no auth). A proxy whose database is down answers 503
// (unverified, compat: GET /health/readiness): a transient error. Never use GET /health, which calls every model.
//
// Retry: yes, a read.
func (c *Client) Readiness(ctx context.Context) (*Readiness, error) {
	var out Readiness
	if err := c.do(ctx, call{method: http.MethodGet, route: routeHealthReadiness, safety: retryIdempotent, noAuth: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
