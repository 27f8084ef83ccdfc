//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// POST /chat/completions and /v1/chat/completions (compat: Request-time checks; POST /chat/completions): LiteLLM's request-time
// enforcement, then a fixed fake completion whose cost is added to every spend counter; with
// "stream": true the same completion as server-sent events in OpenAI's chunk format.
//
// Order (first failure wins): no key, malformed key, unknown key, blocked key, expired key,
// blocked team (all in authenticate), then model access (key, team), budgets (key, team, user,
// team member), enforced params, rate limits (key, team), request validation, success.

const rateLimitWindow = time.Minute

// rateWindow counts requests and tokens of one key or team in a fixed one-minute window.
type rateWindow struct {
	start    time.Time
	requests int64
	tokens   int64
}

// tokensPerCall is the usage of the fake completion (prompt 1 + completion 1).
const tokensPerCall = 2

// completionText is what the fake model answers.
const completionText = "simulated"

func (s *Simulator) chatCompletions(r *http.Request, c caller) (any, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return nil, errorInvalidJSON(err.Error())
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	b, aerr := parseBody(r, schema{"model": kindString, "messages": kindList, "stream": kindAny, "stream_options": kindAny})
	if aerr != nil {
		return nil, aerr
	}
	var request map[string]any
	_ = json.Unmarshal(raw, &request) // parseBody accepted it: a JSON object
	model, hasModel := b.str("model")
	now := s.nowLocked()
	if c.key != nil {
		k := c.key
		team := s.store.teams[k.TeamID]
		if hasModel {
			if aerr := s.modelAccessError(k, team, model); aerr != nil {
				return nil, aerr
			}
		}
		if aerr := s.budgetError(k, team); aerr != nil {
			return nil, aerr
		}
		if aerr := s.enforcedParamsError(k, request); aerr != nil {
			return nil, aerr
		}
		if aerr := s.rateLimitError(k, team, now); aerr != nil {
			return nil, aerr
		}
	}
	if !hasModel || (len(s.opts.Models) > 0 && !modelAllowed(s.opts.Models, model)) {
		// Text and type unverified (compat: POST /chat/completions).
		return nil, errorA(http.StatusBadRequest, "invalid_request_error", "model",
			"Invalid model name passed in model="+pyOptional(model)+". Call `/v1/models` to view available models for your key.")
	}
	if _, ok := b.values["messages"].([]any); !ok {
		return nil, errorA(http.StatusBadRequest, "invalid_request_error", "messages", "messages is required") // unverified
	}
	if c.live != nil {
		s.addSpend(c.live, model, s.opts.CostPerCall)
	}
	id, created := "chatcmpl-"+newUUID(), now.Unix()
	if stream, _ := b.values["stream"].(bool); stream {
		return completionStream(id, created, model, includeUsage(b.values["stream_options"])), nil
	}
	return map[string]any{
		"id":      id,
		"object":  "chat.completion",
		"created": created,
		"model":   model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": completionText},
		}},
		"usage": completionUsage(),
	}, nil
}

func completionUsage() map[string]any {
	return map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": tokensPerCall}
}

// includeUsage reads stream_options.include_usage, which asks for a last chunk with the usage.
func includeUsage(streamOptions any) bool {
	opts, _ := streamOptions.(map[string]any)
	v, _ := opts["include_usage"].(bool)
	return v
}

// completionStream is the completion as OpenAI streams it: a chunk opening the assistant
// message, one with the content, one with the finish reason, optionally one with the usage,
// then "data: [DONE]". Budgets, blocks and model access were enforced before: a refused stream
// is an ordinary JSON error.
func completionStream(id string, created int64, model string, withUsage bool) eventStream {
	chunk := func(choices []any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"system_fingerprint": nil, "choices": choices}
	}
	delta := func(d map[string]any, finish any) []any {
		return []any{map[string]any{"index": 0, "delta": d, "finish_reason": finish}}
	}
	events := []any{
		chunk(delta(map[string]any{"role": "assistant", "content": ""}, nil)),
		chunk(delta(map[string]any{"content": completionText}, nil)),
		chunk(delta(map[string]any{}, "stop")),
	}
	if withUsage {
		last := chunk([]any{})
		last["usage"] = completionUsage()
		events = append(events, last)
	}
	return eventStream{events: events}
}

// modelAllowed matches a model against an allow-list: exact names, "*", "all-proxy-models" and
// provider wildcards such as "openai/*".
func modelAllowed(allowed []string, model string) bool {
	for _, a := range allowed {
		switch {
		case a == model, a == "*", a == "all-proxy-models":
			return true
		case strings.HasSuffix(a, "/*") && strings.HasPrefix(model, strings.TrimSuffix(a, "*")):
			return true
		}
	}
	return false
}

// modelAccessError: 403 in current releases, 401 in ≤1.8x (compat: Request-time checks). The message is the
// one recorded on main in 2026 (fixture bedrock-passthrough-403-model-not-allowed).
func (s *Simulator) modelAccessError(k *Key, team *Team, model string) *apiError {
	status := http.StatusForbidden
	if s.opts.Variant.ModelDenied401 {
		status = http.StatusUnauthorized
	}
	keyDefersToTeam := containsString(k.Models, "all-team-models")
	if len(k.Models) > 0 && !keyDefersToTeam && !modelAllowed(k.Models, model) {
		return errorA(status, "key_model_access_denied", "model",
			"key not allowed to access model. This key can only access models="+pyListRepr(k.Models)+". Tried to access "+model)
	}
	if team != nil && len(team.Models) > 0 && !modelAllowed(team.Models, model) {
		return errorA(status, "team_model_access_denied", "model",
			"team not allowed to access model. This team can only access models="+pyListRepr(team.Models)+". Tried to access "+model)
	}
	return nil
}

// budgetError checks the budgets with the spend as it is before the call: spend >= max_budget
// refuses, so the call that crosses the budget still succeeds (compat: Request-time checks). 422 since v1.104, 429
// before it, 400 in older releases.
func (s *Simulator) budgetError(k *Key, team *Team) *apiError {
	status := http.StatusUnprocessableEntity
	switch {
	case s.opts.Variant.BudgetExceeded400:
		status = http.StatusBadRequest
	case s.opts.Variant.BudgetExceeded429:
		status = http.StatusTooManyRequests
	}
	exceeded := func(spend float64, max *float64) bool { return max != nil && spend >= *max }
	refuse := func(who string, spend, max float64) *apiError {
		return errorA(status, "budget_exceeded", nil, fmt.Sprintf("Budget has been exceeded! %s Current cost: %s, Max budget: %s",
			who, pyFloatRepr(spend), pyFloatRepr(max)))
	}
	if exceeded(k.Spend, k.MaxBudget) {
		return refuse("Key="+pyOptional(k.KeyAlias)+" ("+k.KeyName+")", k.Spend, *k.MaxBudget)
	}
	if team != nil && exceeded(team.Spend, team.MaxBudget) {
		return refuse("Team="+team.TeamID, team.Spend, *team.MaxBudget)
	}
	if u, ok := s.store.users[k.UserID]; ok && exceeded(u.Spend, u.MaxBudget) {
		return refuse("User="+u.UserID, u.Spend, *u.MaxBudget)
	}
	if ms, ok := s.store.memberships[membershipID{k.TeamID, k.UserID}]; ok && exceeded(ms.Spend, ms.MaxBudgetInTeam) {
		// Wording of the team-member refusal unverified.
		return refuse("User="+ms.UserID+" in Team="+ms.TeamID, ms.Spend, *ms.MaxBudgetInTeam)
	}
	return nil
}

// rateLimitError applies rpm/tpm limits of the key and its team: 429 with retry-after (compat: Request-time checks).
// Body as LiteLLM's limiter HTTPException re-raised on an LLM route: type and param "None".
func (s *Simulator) rateLimitError(k *Key, team *Team, now time.Time) *apiError {
	type limited struct {
		id, label, subject string
		rpm, tpm           *int64
	}
	subjects := []limited{{id: "key:" + k.Token, label: "api_key", subject: k.Token, rpm: k.RPMLimit, tpm: k.TPMLimit}}
	if team != nil {
		subjects = append(subjects, limited{id: "team:" + team.TeamID, label: "team_id", subject: team.TeamID, rpm: team.RPMLimit, tpm: team.TPMLimit})
	}
	var windows []*rateWindow
	for _, sub := range subjects {
		w := s.store.rateWindows[sub.id]
		if w == nil || !now.Before(w.start.Add(rateLimitWindow)) {
			w = &rateWindow{start: now}
			s.store.rateWindows[sub.id] = w
		}
		for _, lim := range []struct {
			kind  string
			limit *int64
			used  int64
		}{{"requests", sub.rpm, w.requests}, {"tokens", sub.tpm, w.tokens}} {
			if lim.limit == nil || lim.used < *lim.limit {
				continue
			}
			resetAt := w.start.Add(rateLimitWindow)
			retry := int64((resetAt.Sub(now) + time.Second - 1) / time.Second)
			e := errorA(http.StatusTooManyRequests, "None", pyNone, fmt.Sprintf(
				"Rate limit exceeded for %s: %s. Limit type: %s. Current limit: %d, Remaining: 0. Limit resets at: %s UTC",
				sub.label, sub.subject, lim.kind, *lim.limit, resetAt.Format("2006-01-02 15:04:05")))
			e.headers = map[string]string{"retry-after": strconv.FormatInt(retry, 10)}
			return e
		}
		windows = append(windows, w)
	}
	for _, w := range windows {
		w.requests++
		w.tokens += tokensPerCall
	}
	return nil
}

// addSpend books a call's cost on the key, its user, its team and the team membership.
func (s *Simulator) addSpend(k *Key, model string, cost float64) {
	k.Spend += cost
	k.ModelSpend = addModelSpend(k.ModelSpend, model, cost)
	if u, ok := s.store.users[k.UserID]; ok {
		u.Spend += cost
		u.ModelSpend = addModelSpend(u.ModelSpend, model, cost)
	}
	if t, ok := s.store.teams[k.TeamID]; ok {
		t.Spend += cost
		t.ModelSpend = addModelSpend(t.ModelSpend, model, cost)
	}
	if ms, ok := s.store.memberships[membershipID{k.TeamID, k.UserID}]; ok {
		ms.Spend += cost
	}
}

func addModelSpend(m map[string]float64, model string, cost float64) map[string]float64 {
	if m == nil {
		m = map[string]float64{}
	}
	m[model] += cost
	return m
}
