package litellmsim

import "net/http"

// EmulatedVersion is the litellm_version /health/readiness reports.
const EmulatedVersion = "1.83.10"

// healthLiveliness is GET /health/liveliness and /health/liveness: no auth, a JSON string (compat: GET /health/liveliness).
func (s *Simulator) healthLiveliness(*http.Request, caller) (any, *apiError) {
	return "I'm alive!", nil
}

// healthReadiness is GET /health/readiness: no auth (compat: GET /health/readiness). Older releases' extra fields are
// kept: a client must only read status and db.
func (s *Simulator) healthReadiness(*http.Request, caller) (any, *apiError) {
	return map[string]any{
		"status":            "healthy",
		"db":                "connected",
		"cache":             nil,
		"litellm_version":   EmulatedVersion,
		"success_callbacks": []string{},
		"last_updated":      s.nowLocked().Format("2006-01-02T15:04:05.000000"),
	}, nil
}
