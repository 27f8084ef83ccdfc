package contract

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// testKeys covers every key endpoint and its quirks (compat: Keys).
func (e *env) testKeys(t *testing.T) {
	ctx := context.Background()

	t.Run("generate with a chosen key", func(t *testing.T) {
		alias := e.id("gen")
		raw, resp := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias, MaxBudget: ptr(2.5), Models: []string{testModel},
			Metadata: map[string]any{"owner": "contract"}})
		assert.Equal(t, raw, resp.RawKey, "key = the raw key sent (compat: POST /key/generate)")
		assert.Equal(t, litellm.HashKey(raw), resp.Token, "token = sha256 of the raw key")
		assert.Equal(t, litellm.KeyName(raw), resp.KeyName)
		assert.Equal(t, alias, resp.KeyAlias)
		require.NotNil(t, resp.MaxBudget)
		assert.InDelta(t, 2.5, *resp.MaxBudget, 1e-9, "budgets are JSON numbers")
		assert.Nil(t, resp.Expires, "no duration: never expires")
	})

	t.Run("info by raw key and by hash", func(t *testing.T) {
		alias := e.id("info")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		for _, ref := range []string{raw, litellm.HashKey(raw)} {
			info, err := e.client.KeyInfo(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, alias, info.Info.KeyAlias)
			assert.Equal(t, litellm.HashKey(raw), info.Info.Token, "LiteLLM strips token (compat: GET /key/info); the client fills in the hash")
			assert.Equal(t, litellm.KeyName(raw), info.Info.KeyName)
			assert.NotContains(t, info.Key, raw, "the client never sends the raw key in a URL")
		}
	})

	t.Run("info unknown key is not found", func(t *testing.T) {
		_, err := e.client.KeyInfo(ctx, e.newKey(t))
		assert.True(t, litellm.IsNotFound(err), "404 not_found_error (compat: GET /key/info): %v", err)
		le := asError(t, err)
		assert.Equal(t, 404, le.StatusCode)
		assert.Equal(t, "404", le.Code, "code decodes as text, string or integer (compat: Error bodies)")
	})

	t.Run("update sets, clears and leaves fields", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: e.id("upd"), MaxBudget: ptr(1.0), Models: []string{testModel}, Duration: "1h"})
		info, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		require.NotNil(t, info.Info.Expires, "1h duration sets an expiry")

		updated, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Set(7.5), TPMLimit: litellm.Set(100)})
		require.NoError(t, err)
		require.NotNil(t, updated.MaxBudget)
		assert.InDelta(t, 7.5, *updated.MaxBudget, 1e-9)
		assert.Equal(t, litellm.HashKey(raw), updated.Token, "the row carries the hash")
		assert.Equal(t, []string{testModel}, updated.Models, "unsent fields are unchanged (compat: POST /key/update)")

		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Null[float64](),
			Models: litellm.Set([]string{}), Duration: litellm.Set("-1")})
		require.NoError(t, err)
		info, err = e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Nil(t, info.Info.MaxBudget, "explicit null clears the budget")
		assert.Empty(t, info.Info.Models, "[] = all models")
		assert.Nil(t, info.Info.Expires, `"-1" = never expires`)
		require.NotNil(t, info.Info.TPMLimit)
		assert.Equal(t, 100, *info.Info.TPMLimit)
	})

	t.Run("update unknown key is not found", func(t *testing.T) {
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: e.newKey(t), MaxBudget: litellm.Set(1.0)})
		assert.True(t, litellm.IsNotFound(err), "401 auth_error 'does not exist' (compat: POST /key/update): %v", err)
		assert.False(t, litellm.IsUnauthorized(err))
	})

	t.Run("update alias", func(t *testing.T) {
		aliasA, aliasB := e.id("alias-a"), e.id("alias-b")
		rawA, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: aliasA})
		e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: aliasB})
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: rawA, KeyAlias: litellm.Set(aliasB)})
		assert.True(t, litellm.IsAlreadyExists(err), "another key's alias → 400 (compat: POST /key/update): %v", err)
		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: rawA, KeyAlias: litellm.Set(aliasA)})
		if e.real() {
			// 1.92 was reported to refuse a key's own alias (compat: POST /key/update): either answer is possible.
			assert.True(t, err == nil || litellm.IsAlreadyExists(err), "got %v", err)
		} else {
			assert.NoError(t, err, "own alias → 200 (compat: POST /key/update)")
		}
	})

	t.Run("update with a bad duration is permanent", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, Duration: litellm.Set("30")})
		assert.True(t, litellm.IsInvalidRequest(err), "a duration without unit → 400 (compat: Durations): %v", err)
		assert.False(t, litellm.IsTransient(err))
	})

	t.Run("block and unblock", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		for range 2 { // idempotent (compat: Retries and lost responses)
			row, err := e.client.BlockKey(ctx, raw)
			require.NoError(t, err)
			require.NotNil(t, row.Blocked)
			assert.True(t, *row.Blocked)
			assert.Equal(t, litellm.HashKey(raw), row.Token, "the row includes the hash (compat: POST /key/block and /key/unblock)")
		}
		row, err := e.client.UnblockKey(ctx, raw)
		require.NoError(t, err)
		require.NotNil(t, row.Blocked)
		assert.False(t, *row.Blocked)
	})

	t.Run("block unknown key is not found", func(t *testing.T) {
		unknown := e.newKey(t)
		_, err := e.client.BlockKey(ctx, unknown)
		assert.True(t, litellm.IsNotFound(err), "401 token_not_found_in_db (compat: POST /key/block and /key/unblock): %v", err)
		_, err = e.client.UnblockKey(ctx, unknown)
		assert.True(t, litellm.IsNotFound(err), "got %v", err)
	})

	t.Run("delete, then delete again", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		resp, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw}})
		require.NoError(t, err)
		assert.Equal(t, []string{litellm.HashKey(raw)}, resp.DeletedKeys, "echoes what was sent: the hash, never the raw key (compat: POST /key/delete)")
		_, err = e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw}})
		assert.True(t, litellm.IsNotFound(err), "second delete → 404 'No keys found' (compat: POST /key/delete): %v", err)
		_, err = e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsNotFound(err))
	})

	t.Run("delete some existing, some not", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		gone := e.newKey(t)
		resp, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw, gone}})
		require.NoError(t, err, "some exist → 200 (compat: POST /key/delete)")
		assert.Len(t, resp.DeletedKeys, 2, "lists every input")
	})

	t.Run("delete by alias", func(t *testing.T) {
		alias := e.id("del-alias")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		_, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{KeyAliases: []string{alias}})
		require.NoError(t, err)
		_, err = e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsNotFound(err))
	})

	t.Run("delete by alias removes every key with it", func(t *testing.T) {
		sim := e.sim(t)
		alias := e.id("dup-alias")
		raw1, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		raw2, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		// Two keys with one alias can only come from a race in LiteLLM (compat: POST /key/delete); make it directly.
		require.True(t, sim.MutateKey(litellm.HashKey(raw2), func(k *litellmsim.Key) { k.KeyAlias = alias }))
		require.Len(t, sim.KeysByAlias(alias), 2)
		_, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{KeyAliases: []string{alias}})
		require.NoError(t, err)
		assert.Empty(t, sim.KeysByAlias(alias))
		_, err = e.client.KeyInfo(ctx, raw1)
		assert.True(t, litellm.IsNotFound(err))
	})

	t.Run("list by alias, hashes and full objects", func(t *testing.T) {
		alias := e.id("list")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		hashes, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias})
		require.NoError(t, err)
		assert.Equal(t, []string{litellm.HashKey(raw)}, hashes.Hashes, "hash strings by default (compat: GET /key/list)")
		assert.Empty(t, hashes.Keys)
		assert.Equal(t, 1, hashes.TotalCount)
		full, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias, ReturnFullObject: true})
		require.NoError(t, err)
		require.Len(t, full.Keys, 1)
		assert.Equal(t, litellm.HashKey(raw), full.Keys[0].Token)
		assert.Equal(t, alias, full.Keys[0].KeyAlias)
		none, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias + "-nothing"})
		require.NoError(t, err)
		assert.Zero(t, none.TotalCount, "alias filter is exact (compat: GET /key/list)")
	})

	t.Run("list page size above 100 is a validation error", func(t *testing.T) {
		_, err := e.client.ListKeys(ctx, litellm.KeyListOptions{Size: 101})
		assert.True(t, litellm.IsInvalidRequest(err), "422 shape D (compat: GET /key/list; Error bodies): %v", err)
		le := asError(t, err)
		assert.Equal(t, 422, le.StatusCode)
		assert.Contains(t, le.Message, "validation failed")
	})

	t.Run("generate with an invalid key or duration is permanent", func(t *testing.T) {
		if !e.customKeysOff.Load() {
			_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: "not-an-sk-key-0123"})
			assert.True(t, litellm.IsInvalidRequest(err), "key without sk- → 400 (compat: POST /key/generate): %v", err)
		}
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), Duration: "30"})
		assert.True(t, litellm.IsInvalidRequest(err), "duration without unit → 500, permanent (compat: Durations): %v", err)
		assert.False(t, litellm.IsTransient(err))
		_, err = e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), MaxBudget: ptr(-1.0)})
		assert.True(t, litellm.IsInvalidRequest(err), "negative budget → 400 (compat: Numbers and timestamps): %v", err)
	})
}

// testKeyIdempotency covers the retry table for keys (compat: Retries and lost responses): what a
// repeated /key/generate does.
func (e *env) testKeyIdempotency(t *testing.T) {
	ctx := context.Background()

	t.Run("re-sent generate with alias is already-exists, one key", func(t *testing.T) {
		e.chosenKeys(t)
		alias := e.id("resend-alias")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		assert.True(t, litellm.IsAlreadyExists(err), "the alias check runs first (compat: POST /key/generate): %v", err)
		assert.Equal(t, "key_alias", asError(t, err).Param)
		list, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias})
		require.NoError(t, err)
		assert.Equal(t, 1, list.TotalCount, "still one key")
	})

	t.Run("re-sent generate without alias is 200, one key", func(t *testing.T) {
		e.chosenKeys(t)
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{MaxBudget: ptr(1.0)})
		resp, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, MaxBudget: ptr(9.0)})
		require.NoError(t, err, "upsert that does nothing (compat: POST /key/generate)")
		assert.Equal(t, litellm.HashKey(raw), resp.Token)
		info, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		require.NotNil(t, info.Info.MaxBudget)
		assert.InDelta(t, 1.0, *info.Info.MaxBudget, 1e-9, "the stored row is unchanged; the 200 echoed the request")
		if e.target.Sim != nil {
			n := 0
			for _, k := range e.target.Sim.Keys() {
				if k.Token == litellm.HashKey(raw) {
					n++
				}
			}
			assert.Equal(t, 1, n)
		}
	})

	t.Run("regenerate is Enterprise-only and never retried", func(t *testing.T) {
		if e.target.Premium {
			t.Skip("the proxy is licensed")
		}
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		before := e.calls("POST", "/key/regenerate")
		_, err := e.client.RegenerateKey(ctx, litellm.KeyRegenerateRequest{Key: raw})
		assert.True(t, litellm.IsEnterpriseOnly(err), "500 on a free proxy (compat: POST /key/regenerate): %v", err)
		assert.False(t, litellm.IsTransient(err), "not a server fault")
		if e.target.Sim != nil {
			assert.Equal(t, before+1, e.calls("POST", "/key/regenerate"), "one attempt")
		}
		_, err = e.client.KeyInfo(ctx, raw)
		assert.NoError(t, err, "the old key still works")
	})
}

// testKeyPremium: premium fields are refused on a free proxy, with the field named (compat: Enterprise-only features).
func (e *env) testKeyPremium(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		req   litellm.KeyGenerateRequest
		field string
	}{
		{"tags", litellm.KeyGenerateRequest{Tags: []string{"team-a"}}, "tags"},
		{"guardrails", litellm.KeyGenerateRequest{Guardrails: []string{"pii"}}, "guardrails"},
		{"model_max_budget", litellm.KeyGenerateRequest{ModelMaxBudget: map[string]litellm.ModelBudget{testModel: {BudgetLimit: 1, TimePeriod: "1d"}}}, "model_max_budget"},
	}
	for _, tc := range cases {
		t.Run("generate with "+tc.name, func(t *testing.T) {
			tc.req.KeyAlias = e.id("premium-" + strings.ReplaceAll(tc.name, "_", "-"))
			if e.target.Premium {
				e.generateKey(t, tc.req)
				return
			}
			tc.req.Key = e.keyToChoose(t)
			_, err := e.client.GenerateKey(ctx, tc.req)
			assert.True(t, litellm.IsEnterpriseOnly(err), "got %v", err)
			assert.False(t, litellm.IsTransient(err), "a 500 about a licence is permanent (compat: Retryable and permanent errors)")
			assert.Equal(t, tc.field, litellm.EnterpriseField(err))
			list, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: tc.req.KeyAlias})
			require.NoError(t, err)
			assert.Zero(t, list.TotalCount, "nothing was created")
		})
	}
	t.Run("update with tags", func(t *testing.T) {
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, Tags: litellm.Set([]string{"a"})})
		if e.target.Premium {
			assert.NoError(t, err)
			return
		}
		assert.True(t, litellm.IsEnterpriseOnly(err), "403 auth_error (compat: Enterprise-only features): %v", err)
		assert.Equal(t, "tags", litellm.EnterpriseField(err))
	})
	t.Run("empty tags are not sent", func(t *testing.T) {
		e.generateKey(t, litellm.KeyGenerateRequest{Tags: []string{}, Guardrails: []string{}}) // older proxies refuse even [] (compat: Enterprise-only features): the client omits them
	})
}

// calls returns the simulator's call count for method+path (0 against a real proxy).
func (e *env) calls(method, path string) int {
	if e.target.Sim == nil {
		return 0
	}
	return e.target.Sim.Calls(method, path)
}
