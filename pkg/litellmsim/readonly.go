//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"net/http"
	"strings"
)

// The proxy's well-known read-only routes that applications and other clients call even though
// the operator does not: the API docs page at /, GET /health, and the model list.

// apiDocsHTML stands in for the Swagger UI page LiteLLM serves at its root (FastAPI's docs_url is
// "/"): no auth, 200, text/html. Clients use it to check that a LiteLLM answers at a base URL.
const apiDocsHTML = `<!DOCTYPE html>
<html>
<head>
<title>LiteLLM API - Swagger UI</title>
</head>
<body>
<div id="swagger-ui"></div>
<p>litellm-sim: an in-memory simulator of the LiteLLM proxy API.</p>
</body>
</html>
`

func (s *Simulator) apiDocs(*http.Request, caller) (any, *apiError) {
	return htmlPage(apiDocsHTML), nil
}

// health is GET /health: LiteLLM calls every model of the proxy (it needs a key); the
// simulator's models always answer.
func (s *Simulator) health(*http.Request, caller) (any, *apiError) {
	healthy := mapEach(s.opts.Models, func(m string) map[string]any { return map[string]any{"model": m} })
	return map[string]any{
		"healthy_endpoints": healthy, "unhealthy_endpoints": []any{},
		"healthy_count": len(healthy), "unhealthy_count": 0,
	}, nil
}

// openAIModelCreated is the fixed "created" LiteLLM reports for every model of /v1/models.
const openAIModelCreated = 1677610602

// modelList is GET /v1/models and /models in OpenAI's list format: the models the calling key may
// use (its own list, else its team's, else the proxy's), the proxy's whole list for the master key.
func (s *Simulator) modelList(_ *http.Request, c caller) (any, *apiError) {
	data := mapEach(s.modelsFor(c.key), func(m string) map[string]any {
		return map[string]any{"id": m, "object": "model", "created": openAIModelCreated, "owned_by": "openai"}
	})
	return map[string]any{"data": data, "object": "list"}, nil
}

// modelsFor lists what a key may call, with LiteLLM's special names expanded: "*" and
// "all-proxy-models" to the proxy's models, "all-team-models" to the team's, and provider
// wildcards ("openai/*") to the proxy's models they match (kept as written when the proxy serves
// any name). nil key = the master key.
func (s *Simulator) modelsFor(k *Key) []string {
	proxy := s.opts.Models
	if k == nil {
		return list(proxy)
	}
	var teamModels []string
	if t, ok := s.store.teams[k.TeamID]; ok {
		teamModels = t.Models
	}
	allowed := k.Models
	if len(allowed) == 0 {
		allowed = teamModels
	}
	if len(allowed) == 0 {
		return list(proxy)
	}
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if !containsString(out, n) {
				out = append(out, n)
			}
		}
	}
	for _, m := range allowed {
		switch {
		case m == "*" || m == "all-proxy-models":
			add(proxy...)
		case m == "all-team-models":
			add(teamModels...)
		case strings.HasSuffix(m, "/*") && len(proxy) > 0:
			for _, p := range proxy {
				if modelAllowed([]string{m}, p) {
					add(p)
				}
			}
		default:
			add(m)
		}
	}
	return list(out)
}
