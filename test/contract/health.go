package contract

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testHealth: both probes answer 200 without a key (compat: Health probes).
func (e *env) testHealth(t *testing.T) {
	ctx := context.Background()
	anonymous := e.newClient(t, "sk-not-the-master-key-0000")
	assert.NoError(t, anonymous.Liveliness(ctx), "no auth needed")
	r, err := anonymous.Readiness(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, r.Status, "the word differs between releases (compat: GET /health/readiness); only its presence is checked")
}

// testAuth: a wrong master key is 401 everywhere, and never taken for not-found — including on
// /key/update and /key/block, whose not-found answer is also a 401 (compat: Not-found answers per endpoint).
func (e *env) testAuth(t *testing.T) {
	ctx := context.Background()
	raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
	wrong := e.newClient(t, "sk-wrong-master-key-0123456789")
	cases := []struct {
		name string
		call func() error
	}{
		{"key info", func() error { _, err := wrong.KeyInfo(ctx, raw); return err }},
		{"key update", func() error {
			_, err := wrong.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Set(1.0)})
			return err
		}},
		{"key block", func() error { _, err := wrong.BlockKey(ctx, raw); return err }},
		{"key delete", func() error {
			_, err := wrong.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw}})
			return err
		}},
		{"user info", func() error { _, err := wrong.UserInfo(ctx, e.id("nobody")); return err }},
		{"team info", func() error { _, err := wrong.TeamInfo(ctx, e.id("noteam")); return err }},
		{"team update", func() error {
			_, err := wrong.UpdateTeam(ctx, litellm.TeamUpdateRequest{TeamID: e.id("noteam"), MaxBudget: litellm.Set(1.0)})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			assert.True(t, litellm.IsUnauthorized(err), "got %v", err)
			assert.False(t, litellm.IsNotFound(err), "a wrong master key must not look like a missing object")
			assert.False(t, litellm.IsTransient(err))
			assert.NotContains(t, err.Error(), "sk-wrong-master-key-0123456789")
		})
	}
	info, err := e.client.KeyInfo(ctx, raw)
	require.NoError(t, err, "the key is untouched")
	assert.NotNil(t, info)
}
