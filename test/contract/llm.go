//nolint:goconst // request fields read best spelled out where each request is built.
package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// noSuchModel is a model no proxy serves: on a real proxy a request for it passes every key check
// and then fails with 400 before any provider is called, so the checks below cost nothing.
const noSuchModel = "ct-no-such-model"

// chatBody is a minimal /chat/completions request.
func chatBody(model string, extra map[string]any) map[string]any {
	b := map[string]any{"model": model, "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// testLLMRoutes: request-time enforcement as applications meet it: budgets, blocks, enforced
// params, the auth cache, and streamed completions. Against a real proxy only refusals are
// provoked (or a model nobody serves), never a call to a provider.
func (e *env) testLLMRoutes(t *testing.T) {
	ctx := context.Background()
	chat := func(t *testing.T, key, model string, extra map[string]any) rawResponse {
		return e.call(t, http.MethodPost, "/chat/completions", key, chatBody(model, extra))
	}

	t.Run("exhausted budget", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{MaxBudget: ptr(0.0)})
		for _, stream := range []bool{false, true} {
			err := chat(t, raw, testModel, map[string]any{"stream": stream}).err
			assert.True(t, litellm.IsBudgetExceeded(err), "stream=%t: %v", stream, err)
			assert.False(t, litellm.IsTransient(err), "not a rate limit, whatever the status")
			switch {
			case e.real():
				assert.Contains(t, []int{400, 422, 429}, statusOf(err), "the statuses of 2024 to 2026")
			case e.target.Variant.BudgetExceeded400:
				assert.Equal(t, 400, statusOf(err))
			case e.target.Variant.BudgetExceeded429:
				assert.Equal(t, 429, statusOf(err))
			default:
				assert.Equal(t, 422, statusOf(err), "v1.104")
			}
		}
	})

	t.Run("blocked key", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{Blocked: ptr(true)})
		for _, stream := range []bool{false, true} {
			r := chat(t, raw, testModel, map[string]any{"stream": stream})
			assert.True(t, litellm.IsUnauthorized(r.err), "stream=%t: %v", stream, r.err)
			assert.Equal(t, 401, statusOf(r.err), "the OpenAI SDK raises AuthenticationError")
			assert.NotContains(t, r.err.Error(), raw)
		}
	})

	t.Run("enforced params", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{EnforcedParams: []string{"user"}})
		if !e.real() {
			info, err := e.client.KeyInfo(ctx, raw)
			require.NoError(t, err)
			assert.Equal(t, []any{"user"}, info.Info.Metadata["enforced_params"], "accepted at creation, kept in metadata (unverified)")
		}
		if !e.target.Premium {
			r := chat(t, raw, noSuchModel, map[string]any{"user": "u"})
			assert.True(t, litellm.IsEnterpriseOnly(r.err), "every call is refused on a free proxy: %v", r.err)
			assert.Equal(t, 500, statusOf(r.err))
			return
		}
		r := chat(t, raw, noSuchModel, nil)
		assert.Equal(t, 500, statusOf(r.err), "the parameter must be sent: %v", r.err)
		if !e.real() {
			assert.NoError(t, chat(t, raw, testModel, map[string]any{"user": "u"}).err, "and then the call goes through")
		}
	})

	t.Run("update by raw key is enforced at once", func(t *testing.T) {
		byRaw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		byHash, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		for _, key := range []string{byRaw, byHash} {
			r := chat(t, key, noSuchModel, nil)
			assert.False(t, litellm.IsBudgetExceeded(r.err), "the key works (and is now in LiteLLM's auth cache): %v", r.err)
		}
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: byRaw, AddressByRawKey: true, MaxBudget: litellm.Set(0.0)})
		require.NoError(t, err)
		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: byHash, MaxBudget: litellm.Set(0.0)})
		require.NoError(t, err)
		err = chat(t, byRaw, noSuchModel, nil).err
		assert.True(t, litellm.IsBudgetExceeded(err), "named by the raw key, LiteLLM drops its cached copy: %v", err)
		err = chat(t, byHash, noSuchModel, nil).err
		if !e.real() {
			assert.False(t, litellm.IsBudgetExceeded(err), "named by the hash, the stale copy is still enforced (unverified): %v", err)
		}
	})

	t.Run("streamed completion", func(t *testing.T) {
		if e.real() {
			t.Skip("a completion would call a provider on someone's real proxy")
		}
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{Models: []string{testModel}})
		r := chat(t, raw, testModel, map[string]any{"stream": true, "stream_options": map[string]any{"include_usage": true}})
		require.NoError(t, r.err)
		assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream"))
		content, usage := readStream(t, r.body)
		assert.NotEmpty(t, content, "the deltas carry the completion")
		assert.NotNil(t, usage, "include_usage: the last chunk has the usage")
		info, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Positive(t, info.Info.Spend, "a streamed call is charged like a plain one")
		err = chat(t, raw, "another-model", map[string]any{"stream": true}).err
		assert.True(t, litellm.IsForbidden(err), "model access is enforced before streaming: %v", err)
	})
}

// readStream reads an OpenAI chat completion stream as the SDK does: "data:" lines of JSON
// chunks until "data: [DONE]". It returns the concatenated content and the usage, if sent.
func readStream(t *testing.T, body []byte) (string, map[string]any) {
	t.Helper()
	var content strings.Builder
	var usage map[string]any
	scanner := bufio.NewScanner(bytes.NewReader(body))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data:")
		require.True(t, ok, "server-sent events only: %q", line)
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			return content.String(), usage
		}
		var chunk struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Usage map[string]any `json:"usage"`
		}
		require.NoError(t, json.Unmarshal([]byte(data), &chunk), data)
		assert.Equal(t, "chat.completion.chunk", chunk.Object)
		for _, c := range chunk.Choices {
			content.WriteString(c.Delta.Content)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
	}
	t.Fatalf("the stream ended without data: [DONE]")
	return "", nil
}
