package litellmsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chatBody(model string) map[string]any {
	return map[string]any{"model": model, "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
}

func TestChatEnforcementOrder(t *testing.T) {
	const key = "sk-chat-key-1234"
	type setup func(sim *Simulator, c *apiClient)
	cases := []struct {
		name, reason string
		variant      Variant
		setup        setup
		callKey      string
		model        string
		wantStatus   int
		wantType     string
		wantParam    any
		wantMessage  string
	}{
		{name: "ok", reason: "a valid key gets the fake completion", wantStatus: 200},
		{name: "no key", reason: "compat: Request-time checks, row 1", callKey: "-", wantStatus: 401, wantType: "auth_error", wantMessage: "Authentication Error, No api key passed in."},
		{name: "not sk", reason: "compat: Request-time checks, row 2", callKey: "not-a-real-key", wantStatus: 401, wantType: "auth_error",
			wantMessage: "Authentication Error, LiteLLM Virtual Key expected. Received=not-****-key, expected to start with 'sk-'."},
		{name: "unknown", reason: "compat: Request-time checks, row 3", callKey: "sk-unknown-9999", wantStatus: 401, wantType: "token_not_found_in_db", wantParam: "key"},
		{name: "deleted", reason: "compat: Request-time checks, row 3: deleted keys are unknown", setup: func(sim *Simulator, c *apiClient) { sim.DeleteKey(key) },
			wantStatus: 401, wantType: "token_not_found_in_db"},
		{name: "blocked before expired", reason: "compat: Request-time checks, rows 4-5: blocked wins",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/block", map[string]any{"key": key})
				c.mustOK("/key/update", map[string]any{"key": key, "duration": "1s"})
				sim.AdvanceClock(time.Minute)
			},
			wantStatus: 401, wantType: "auth_error", wantMessage: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin."},
		{name: "expired", reason: "compat: Request-time checks, row 5: 401 expired_key, param = the key as sent",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "duration": "1s"})
				sim.AdvanceClock(time.Minute)
			},
			wantStatus: 401, wantType: "expired_key", wantParam: key,
			wantMessage: "Authentication Error - Expired Key. Key Expiry time 2025-03-05 10:20:31+00:00 and current time 2025-03-05 10:21:30+00:00"},
		{name: "expired 400", reason: "older releases", variant: Variant{Expired400: true},
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "duration": "1s"})
				sim.AdvanceClock(time.Minute)
			},
			wantStatus: 400, wantType: "expired_key"},
		{name: "team blocked before model", reason: "compat: Request-time checks, row 6",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/team/block", map[string]any{"team_id": "t1"})
				c.mustOK("/key/update", map[string]any{"key": key, "models": []string{"other"}})
			},
			wantStatus: 401, wantType: "auth_error", wantMessage: "Authentication Error, Team=t1 is blocked. Update via `/team/unblock` if you're an admin."},
		{name: "key model", reason: "compat: Request-time checks, row 7: 403 in current releases",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "models": []string{"gpt-4o"}})
			},
			model:      "o3",
			wantStatus: 403, wantType: "key_model_access_denied", wantParam: "model",
			wantMessage: "key not allowed to access model. This key can only access models=['gpt-4o']. Tried to access o3"},
		{name: "key model 401", reason: "≤1.8x", variant: Variant{ModelDenied401: true},
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "models": []string{"gpt-4o"}})
			},
			model: "o3", wantStatus: 401, wantType: "key_model_access_denied"},
		{name: "team model", reason: "compat: Request-time checks, row 8",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/team/update", map[string]any{"team_id": "t1", "models": []string{"gpt-4o"}})
			},
			model: "o3", wantStatus: 403, wantType: "team_model_access_denied"},
		{name: "wildcard model", reason: "provider wildcards match",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "models": []string{"openai/*"}})
			},
			model: "openai/gpt-4o", wantStatus: 200},
		{name: "model before budget", reason: "model access is checked before budgets",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "models": []string{"gpt-4o"}, "max_budget": 0})
			},
			model: "o3", wantStatus: 403},
		{name: "key budget", reason: "compat: Request-time checks, row 9: 422 budget_exceeded since v1.104",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "max_budget": 0})
			},
			wantStatus: 422, wantType: "budget_exceeded",
			wantMessage: "Budget has been exceeded! Key=k-alias (sk-...1234) Current cost: 0.0, Max budget: 0.0"},
		{name: "key budget 400", reason: "older releases", variant: Variant{BudgetExceeded400: true},
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "max_budget": 0})
			},
			wantStatus: 400, wantType: "budget_exceeded"},
		{name: "key budget 429", reason: "about 1.8x to v1.103", variant: Variant{BudgetExceeded429: true},
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "max_budget": 0})
			},
			wantStatus: 429, wantType: "budget_exceeded"},
		{name: "400 wins over 429", reason: "both switches: the older one", variant: Variant{BudgetExceeded400: true, BudgetExceeded429: true},
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "max_budget": 0})
			},
			wantStatus: 400, wantType: "budget_exceeded"},
		{name: "team budget", reason: "compat: Request-time checks, row 10",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/team/update", map[string]any{"team_id": "t1", "max_budget": 0})
			},
			wantStatus: 422, wantType: "budget_exceeded", wantMessage: "Budget has been exceeded! Team=t1 Current cost: 0.0, Max budget: 0.0"},
		{name: "user budget", reason: "compat: Request-time checks, row 11",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/user/update", map[string]any{"user_id": "u1", "max_budget": 0})
			},
			wantStatus: 422, wantType: "budget_exceeded", wantMessage: "Budget has been exceeded! User=u1 Current cost: 0.0, Max budget: 0.0"},
		{name: "member budget", reason: "team-member budget",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/team/member_update", map[string]any{"team_id": "t1", "user_id": "u1", "max_budget_in_team": 0})
			},
			wantStatus: 422, wantType: "budget_exceeded"},
		{name: "rpm", reason: "compat: Request-time checks, row 12: rate limit after budgets",
			setup: func(sim *Simulator, c *apiClient) {
				c.mustOK("/key/update", map[string]any{"key": key, "rpm_limit": 0})
			},
			wantStatus: 429, wantType: "None"},
		{name: "missing model", reason: "compat: POST /chat/completions: 400", model: "-", wantStatus: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			c.mustOK("/team/new", map[string]any{"team_id": "t1"})
			c.mustOK("/user/new", map[string]any{"user_id": "u1", "auto_create_key": false})
			c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}})
			c.mustGenerate(map[string]any{"key": key, "key_alias": "k-alias", "team_id": "t1", "user_id": "u1"})
			if tc.setup != nil {
				tc.setup(sim, c)
			}
			caller := c.withKey(key)
			switch tc.callKey {
			case "":
			case "-":
				caller = c.withKey("")
			default:
				caller = c.withKey(tc.callKey)
			}
			body := chatBody("gpt-4o")
			switch tc.model {
			case "":
			case "-":
				delete(body, "model")
			default:
				body["model"] = tc.model
			}
			r := caller.post("/chat/completions", body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 200 {
				assert.Equal(t, "chat.completion", r.obj()["object"])
				return
			}
			e := r.errA()
			if tc.wantType != "" {
				assert.Equal(t, tc.wantType, e["type"], tc.reason)
			}
			if tc.wantParam != nil {
				assert.Equal(t, tc.wantParam, e["param"], tc.reason)
			}
			if tc.wantMessage != "" {
				assert.Equal(t, tc.wantMessage, e["message"], tc.reason)
			}
		})
	}
}

func TestChatSpendAndBudgetOvershoot(t *testing.T) {
	sim, c := newTestSim(t, func(o *Options) { o.CostPerCall = 0.048 })
	c.mustOK("/team/new", map[string]any{"team_id": "t1"})
	c.mustOK("/team/member_add", map[string]any{"team_id": "t1", "member": map[string]any{"role": "user", "user_id": "u1"}, "max_budget_in_team": 100})
	raw := c.mustGenerate(map[string]any{"max_budget": 0.1, "team_id": "t1", "user_id": "u1"})
	caller := c.withKey(raw)
	var statuses []int
	for range 4 {
		statuses = append(statuses, caller.post("/v1/chat/completions", chatBody("gpt-4o")).status)
	}
	assert.Equal(t, []int{200, 200, 200, 422}, statuses, "compat: Request-time checks: checked before the call, so call 3 overshoots and call 4 is refused")
	k, _ := sim.KeyByHash(raw)
	assert.InDelta(t, 0.144, k.Spend, 1e-9)
	assert.InDelta(t, 0.144, k.ModelSpend["gpt-4o"], 1e-9)
	u, _ := sim.User("u1")
	assert.InDelta(t, 0.144, u.Spend, 1e-9, "user spend")
	team, _ := sim.Team("t1")
	assert.InDelta(t, 0.144, team.Spend, 1e-9, "team spend")
	ms, _ := sim.Membership("t1", "u1")
	assert.InDelta(t, 0.144, ms.Spend, 1e-9, "membership spend")
	r := caller.post("/chat/completions", chatBody("gpt-4o"))
	assert.Contains(t, r.errA()["message"], "Current cost: 0.14400000000000002, Max budget: 0.1", "Python float repr of the accumulated spend")
}

func TestChatRateLimit(t *testing.T) {
	sim, c := newTestSim(t)
	raw := c.mustGenerate(map[string]any{"rpm_limit": 2})
	caller := c.withKey(raw)
	for range 2 {
		require.Equal(t, 200, caller.post("/chat/completions", chatBody("m")).status)
	}
	sim.AdvanceClock(20 * time.Second)
	r := caller.post("/chat/completions", chatBody("m"))
	require.Equal(t, 429, r.status)
	assert.Equal(t, "40", r.header.Get("Retry-After"), "seconds until the window resets")
	assert.Contains(t, r.errA()["message"], "Rate limit exceeded for api_key: "+HashKey(raw)+". Limit type: requests. Current limit: 2, Remaining: 0.")
	sim.AdvanceClock(40 * time.Second)
	assert.Equal(t, 200, caller.post("/chat/completions", chatBody("m")).status, "a new window")
}

func TestChatMasterKeyAndModels(t *testing.T) {
	_, c := newTestSim(t, func(o *Options) { o.Models = []string{"gpt-4o"} })
	assert.Equal(t, 200, c.post("/chat/completions", chatBody("gpt-4o")).status, "the master key may call any configured model")
	r := c.post("/chat/completions", chatBody("unknown"))
	assert.Equal(t, 400, r.status, "compat: POST /chat/completions: a model the proxy does not serve")
}

// readSSE parses a server-sent event stream as an OpenAI client does: "data:" lines, one JSON
// chunk each, until "data: [DONE]". It fails when the stream ends without [DONE].
func readSSE(t *testing.T, raw []byte) []map[string]any {
	t.Helper()
	var chunks []map[string]any
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" {
			continue // events are separated by a blank line
		}
		data, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "every line of the stream is a data line: %q", line)
		if data == "[DONE]" {
			for scanner.Scan() {
				require.Empty(t, scanner.Text(), "nothing follows [DONE]")
			}
			return chunks
		}
		var chunk map[string]any
		require.NoError(t, json.Unmarshal([]byte(data), &chunk), "each event is one JSON object: %s", data)
		chunks = append(chunks, chunk)
	}
	t.Fatalf("the stream ended without data: [DONE]: %s", raw)
	return nil
}

func TestChatStreaming(t *testing.T) {
	stream := func(extra map[string]any) map[string]any {
		b := chatBody("gpt-4o")
		b["stream"] = true
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name, reason string
		key          map[string]any
		body         map[string]any
		wantStatus   int
		wantType     string
		wantUsage    bool
	}{
		{name: "stream", reason: "OpenAI chunks ending with [DONE]", body: stream(nil), wantStatus: 200},
		{name: "stream with usage", reason: "stream_options.include_usage adds a last chunk with usage and no choices",
			body: stream(map[string]any{"stream_options": map[string]any{"include_usage": true}}), wantStatus: 200, wantUsage: true},
		{name: "blocked", reason: "a blocked key is refused before any chunk: 401 JSON", key: map[string]any{"blocked": true},
			body: stream(nil), wantStatus: 401, wantType: "auth_error"},
		{name: "budget", reason: "an exhausted budget: 422 JSON", key: map[string]any{"max_budget": 0}, body: stream(nil), wantStatus: 422, wantType: "budget_exceeded"},
		{name: "model", reason: "a model outside the key's list: 403 JSON", key: map[string]any{"models": []string{"o3"}}, body: stream(nil),
			wantStatus: 403, wantType: "key_model_access_denied"},
		{name: "expired", reason: "an expired key: 401 JSON", key: map[string]any{"duration": "1s"}, body: stream(nil), wantStatus: 401, wantType: "expired_key"},
		{name: "stream false", reason: "a plain completion", body: stream(map[string]any{"stream": false}), wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t)
			key := map[string]any{}
			maps.Copy(key, tc.key)
			raw := c.mustGenerate(key)
			sim.AdvanceClock(time.Minute)
			r := c.withKey(raw).post("/chat/completions", tc.body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			k, _ := sim.KeyByHash(raw)
			if tc.wantStatus != 200 {
				assert.Equal(t, "application/json", r.header.Get("Content-Type"), "a refusal is an ordinary error body")
				assert.Equal(t, tc.wantType, r.errA()["type"], tc.reason)
				assert.Zero(t, k.Spend, "nothing is charged")
				return
			}
			assert.InDelta(t, DefaultCostPerCall, k.Spend, 1e-9, "charged once")
			if tc.body["stream"] != true {
				assert.Equal(t, "chat.completion", r.obj()["object"])
				return
			}
			assert.Equal(t, "text/event-stream; charset=utf-8", r.header.Get("Content-Type"))
			chunks := readSSE(t, r.raw)
			var content strings.Builder
			var finish []any
			for _, ch := range chunks {
				assert.Equal(t, "chat.completion.chunk", ch["object"])
				assert.Equal(t, chunks[0]["id"], ch["id"], "one id for the whole stream")
				assert.Equal(t, "gpt-4o", ch["model"])
				for _, choice := range ch["choices"].([]any) {
					c := choice.(map[string]any)
					delta := c["delta"].(map[string]any)
					if s, ok := delta["content"].(string); ok {
						content.WriteString(s)
					}
					if c["finish_reason"] != nil {
						finish = append(finish, c["finish_reason"])
					}
				}
			}
			first := chunks[0]["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
			assert.Equal(t, "assistant", first["role"], "the first chunk opens the assistant message")
			assert.Equal(t, completionText, content.String(), "the deltas add up to the completion")
			assert.Equal(t, []any{"stop"}, finish, "one finish reason")
			last := chunks[len(chunks)-1]
			if tc.wantUsage {
				assert.Empty(t, last["choices"])
				assert.EqualValues(t, tokensPerCall, last["usage"].(map[string]any)["total_tokens"])
			} else {
				assert.NotContains(t, last, "usage")
			}
		})
	}
}

func TestEnforcedParamsAtRequestTime(t *testing.T) {
	cases := []struct {
		name, reason string
		premium      bool
		enforced     []string
		extra        map[string]any
		wantStatus   int
		wantMessage  string
	}{
		{name: "free proxy", reason: "every call with the key is refused: a ValueError, 500 type None", enforced: []string{"user"},
			extra: map[string]any{"user": "u"}, wantStatus: 500,
			wantMessage: "Enforced Params is an Enterprise feature. Enforced Params: ['user']. " + notPremiumText},
		{name: "premium, missing", reason: "the parameter must be in the body", premium: true, enforced: []string{"user"}, wantStatus: 500,
			wantMessage: "BadRequest please pass param=user in request body. This is a required param"},
		{name: "premium, present", reason: "accepted", premium: true, enforced: []string{"user"}, extra: map[string]any{"user": "u"}, wantStatus: 200},
		{name: "premium, nested missing", reason: "metadata.generation_name", premium: true, enforced: []string{"metadata.generation_name"},
			extra: map[string]any{"metadata": map[string]any{}}, wantStatus: 500,
			wantMessage: "BadRequest please pass param=[metadata][generation_name] in request body. This is a required param"},
		{name: "premium, nested present", reason: "accepted", premium: true, enforced: []string{"metadata.generation_name"},
			extra: map[string]any{"metadata": map[string]any{"generation_name": "g"}}, wantStatus: 200},
		{name: "none", reason: "a key without enforced params", wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newTestSim(t, func(o *Options) { o.Premium = tc.premium })
			raw := c.mustGenerate(map[string]any{"enforced_params": tc.enforced})
			body := chatBody("gpt-4o")
			for k, v := range tc.extra {
				body[k] = v
			}
			r := c.withKey(raw).post("/chat/completions", body)
			require.Equal(t, tc.wantStatus, r.status, "%s: %s", tc.reason, r)
			if tc.wantStatus == 500 {
				assert.Equal(t, map[string]any{"message": tc.wantMessage, "type": "None", "param": "None", "code": "500"}, r.errA(), tc.reason)
				k, _ := sim.KeyByHash(raw)
				assert.Zero(t, k.Spend, "refused before the call")
			}
		})
	}
}
