package contract

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testFaults injects failures in the simulator: lost responses, 5xx, rate limits, an unreachable
// proxy, and checks the client's retry rules and the idempotency table (§5).
func (e *env) testFaults(t *testing.T) {
	sim := e.sim(t)
	ctx := context.Background()
	t.Cleanup(sim.ClearFaults)

	t.Run("dropped generate: response lost, exactly one key, found by hash", func(t *testing.T) {
		e.chosenKeys(t)
		sim.ClearFaults()
		raw := e.newKey(t)
		alias := e.id("drop-gen")
		sim.DropAfterApply("/key/generate", 1)
		before := sim.Calls("POST", "/key/generate")
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		assert.False(t, litellm.IsConnectionRefused(err))
		assert.Equal(t, before+1, sim.Calls("POST", "/key/generate"), "never repeated: the call may have been applied")
		assert.Len(t, sim.KeysByAlias(alias), 1, "exactly one key")

		// Repair by observing, as the operator does: the key is there, adopt it.
		info, err := e.client.KeyInfo(ctx, litellm.HashKey(raw))
		require.NoError(t, err)
		assert.Equal(t, alias, info.Info.KeyAlias)
		// A blind re-send would have failed on the alias (§3.1): that is why generate is not retried.
		_, err = e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		assert.True(t, litellm.IsAlreadyExists(err))
		assert.Len(t, sim.KeysByAlias(alias), 1)
	})

	t.Run("dropped key info is retried", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		sim.DropAfterApply("/key/info", 1)
		before := sim.Calls("GET", "/key/info")
		_, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, before+2, sim.Calls("GET", "/key/info"))
	})

	t.Run("dropped key update is retried", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		sim.DropAfterApply("/key/update", 1)
		row, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Set(6.0)})
		require.NoError(t, err, "same body, same result (§5)")
		require.NotNil(t, row.MaxBudget)
		assert.InDelta(t, 6.0, *row.MaxBudget, 1e-9)
	})

	t.Run("dropped key delete: the retry's 404 means done", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		sim.DropAfterApply("/key/delete", 1)
		_, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw}})
		assert.True(t, litellm.IsNotFound(err), "the first attempt deleted it, the retry found nothing: %v", err)
		_, ok := sim.KeyByHash(litellm.HashKey(raw))
		assert.False(t, ok)
	})

	t.Run("dropped user new: response lost, the user exists", func(t *testing.T) {
		sim.ClearFaults()
		id := e.id("drop-user")
		e.cleanupUser(t, id)
		sim.DropAfterApply("/user/new", 1)
		_, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, AutoCreateKey: ptr(false)})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		_, err = e.client.UserInfo(ctx, id)
		assert.NoError(t, err, "observe repairs it: the user is there")
	})

	t.Run("dropped member add: response lost, the member is there", func(t *testing.T) {
		sim.ClearFaults()
		team := e.newTeam(t, "drop-members")
		user := e.newUser(t, "drop-member")
		sim.DropAfterApply("/team/member_add", 1)
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		info, err := e.client.TeamInfo(ctx, team)
		require.NoError(t, err)
		assert.Contains(t, info.TeamInfo.MembersWithRoles, litellm.TeamMember{UserID: user, Role: litellm.RoleUser})
	})

	t.Run("503 on a read is retried until it succeeds", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		sim.FailNext("/key/info", http.StatusServiceUnavailable, 2)
		before := sim.Calls("GET", "/key/info")
		_, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, before+3, sim.Calls("GET", "/key/info"))
	})

	t.Run("500 on generate is not retried", func(t *testing.T) {
		sim.ClearFaults()
		sim.FailNext("/key/generate", http.StatusInternalServerError, 1)
		before := sim.Calls("POST", "/key/generate")
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t)})
		assert.True(t, litellm.IsTransient(err), "got %v", err)
		assert.Equal(t, before+1, sim.Calls("POST", "/key/generate"), "a 5xx may follow an applied create")
	})

	t.Run("retries give up after the attempt bound", func(t *testing.T) {
		sim.ClearFaults()
		sim.FailNext("/team/info", http.StatusBadGateway, 100)
		before := sim.Calls("GET", "/team/info")
		_, err := e.client.TeamInfo(ctx, e.id("any"))
		assert.True(t, litellm.IsTransient(err))
		assert.Equal(t, before+contractRetry.MaxAttempts, sim.Calls("GET", "/team/info"))
		sim.ClearFaults()
	})

	t.Run("429 waits for Retry-After", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		sim.RateLimitNext("/key/update", 1, time.Second)
		start := time.Now()
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, RPMLimit: litellm.Set(5)})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
	})

	t.Run("429 on generate is retried: refused unprocessed", func(t *testing.T) {
		sim.ClearFaults()
		sim.RateLimitNext("/key/generate", 1, time.Second)
		before := sim.Calls("POST", "/key/generate")
		e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: e.id("rl")})
		assert.Equal(t, before+2, sim.Calls("POST", "/key/generate"))
	})

	t.Run("timeout after sending: outcome unknown, observe", func(t *testing.T) {
		e.chosenKeys(t)
		sim.ClearFaults()
		raw := e.newKey(t)
		sim.SetPathLatency("/key/generate", 500*time.Millisecond)
		defer sim.SetPathLatency("/key/generate", 0)
		short, err := litellm.New(litellm.Config{BaseURL: e.target.BaseURL, MasterKey: e.target.MasterKey, Transport: e.transport,
			Retry: contractRetry, Timeout: 100 * time.Millisecond})
		require.NoError(t, err)
		_, err = short.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		// Here the simulator gave up with the client, so nothing was applied: observing says so.
		_, err = e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsNotFound(err), "got %v", err)
	})

	t.Run("proxy down: connection refused, not applied, then back", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		fresh := e.newKey(t)
		sim.SetDown(true)
		_, err := e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsConnectionRefused(err), "got %v", err)
		assert.True(t, litellm.IsTransient(err))
		_, err = e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: fresh})
		assert.True(t, litellm.IsConnectionRefused(err), "refused means not applied: safe to retry even a create: %v", err)
		assert.False(t, litellm.IsResponseLost(err))
		sim.SetDown(false)
		_, err = e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		_, err = e.client.KeyInfo(ctx, fresh)
		assert.True(t, litellm.IsNotFound(err), "the refused generate created nothing")
	})
}
