package contract

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testProxySettings: the proxy settings that change what /key/generate accepts. A real proxy's
// settings are not known: its answer must be one of the two documented ones, and consistent.
func (e *env) testProxySettings(t *testing.T) {
	ctx := context.Background()

	t.Run("chosen key values", func(t *testing.T) {
		alias := e.id("chosen")
		raw := e.newKey(t)
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		refused := litellm.IsCustomKeyRefused(err)
		switch {
		case e.target.Sim != nil:
			assert.Equal(t, e.target.CustomKeysDisabled, refused, "disable_custom_api_keys decides: %v", err)
		default:
			assert.True(t, err == nil || refused, "accepted, or refused as a custom key: %v", err)
		}
		if !refused {
			require.NoError(t, err)
			return
		}
		le := asError(t, err)
		assert.Equal(t, 403, le.StatusCode)
		assert.False(t, litellm.IsTransient(err), "never retried: only a generated key works")
		list, err := e.client.ListKeys(ctx, litellm.KeyListOptions{KeyAlias: alias})
		require.NoError(t, err)
		assert.Zero(t, list.TotalCount, "nothing was created")

		generated, resp := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		assert.NotEqual(t, raw, generated)
		assert.Equal(t, litellm.HashKey(generated), resp.Token, "the answer carries the key and its hash")
		info, err := e.client.KeyInfo(ctx, generated)
		require.NoError(t, err)
		assert.Equal(t, alias, info.Info.KeyAlias)
	})

	t.Run("key alias pattern", func(t *testing.T) {
		bad := "Not A Pattern Alias " + e.prefix
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), KeyAlias: bad})
		if err == nil {
			assert.Empty(t, e.target.KeyAliasPattern, "accepted only without a key_alias_pattern")
			_, _ = e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{KeyAliases: []string{bad}})
			return
		}
		assert.True(t, e.real() || e.target.KeyAliasPattern != "", "refused only with a key_alias_pattern: %v", err)
		le := asError(t, err)
		assert.True(t, litellm.IsInvalidRequest(err), "400 bad_request_error: %v", err)
		assert.Equal(t, 400, le.StatusCode)
		assert.Equal(t, "key_alias", le.Param)

		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: e.id("pattern-ok")})
		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, KeyAlias: litellm.Set(bad)})
		assert.True(t, litellm.IsInvalidRequest(err), "a changed alias is checked too: %v", err)
		_, err = e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Set(2.0)})
		assert.NoError(t, err, "an update that keeps the alias is not checked")
	})
}
