package contract

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

// testFaults injects failures in the simulator: lost responses, 5xx, rate limits, an unreachable
// proxy, and checks the client's retry rules and the idempotency table (compat: Retries and lost responses).
func (e *env) testFaults(t *testing.T) {
	sim := e.sim(t)
	ctx := context.Background()
	t.Cleanup(sim.ClearFaults)

	t.Run("dropped generate: response lost, exactly one key, found by hash", func(t *testing.T) {
		e.chosenKeys(t)
		sim.ClearFaults()
		raw := e.newKey(t)
		alias := e.id("drop-gen")
		drop := sim.For(litellmsim.Match{KeyHash: raw}).DropAfterApply("/key/generate", 1)
		before := sim.Calls("POST", "/key/generate")
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		assert.Equal(t, 1, drop.Hits())
		assert.False(t, litellm.IsConnectionRefused(err))
		assert.Equal(t, before+1, sim.Calls("POST", "/key/generate"), "never repeated: the call may have been applied")
		assert.Len(t, sim.KeysByAlias(alias), 1, "exactly one key")

		// Repair by observing, as the operator does: the key is there, adopt it.
		info, err := e.client.KeyInfo(ctx, litellm.HashKey(raw))
		require.NoError(t, err)
		assert.Equal(t, alias, info.Info.KeyAlias)
		// A blind re-send would have failed on the alias (compat: POST /key/generate): that is why generate is not retried.
		_, err = e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: raw, KeyAlias: alias})
		assert.True(t, litellm.IsAlreadyExists(err))
		assert.Len(t, sim.KeysByAlias(alias), 1)
	})

	t.Run("dropped key info is retried", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		drop := sim.For(litellmsim.Match{KeyHash: raw}).DropAfterApply("/key/info", 1)
		before := sim.Calls("GET", "/key/info")
		_, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, before+2, sim.Calls("GET", "/key/info"))
		assert.Equal(t, 1, drop.Hits())
	})

	t.Run("dropped key update is retried", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		drop := sim.For(litellmsim.Match{KeyHash: raw}).DropAfterApply("/key/update", 1)
		row, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, MaxBudget: litellm.Set(6.0)})
		require.NoError(t, err, "same body, same result (compat: Retries and lost responses)")
		assert.Equal(t, 1, drop.Hits())
		require.NotNil(t, row.MaxBudget)
		assert.InDelta(t, 6.0, *row.MaxBudget, 1e-9)
	})

	t.Run("dropped key delete: the retry's 404 means done", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		drop := sim.For(litellmsim.Match{KeyHash: raw}).DropAfterApply("/key/delete", 1)
		_, err := e.client.DeleteKeys(ctx, litellm.KeyDeleteRequest{Keys: []string{raw}})
		assert.True(t, litellm.IsNotFound(err), "the first attempt deleted it, the retry found nothing: %v", err)
		assert.Equal(t, 1, drop.Hits())
		_, ok := sim.KeyByHash(litellm.HashKey(raw))
		assert.False(t, ok)
	})

	t.Run("dropped user new: response lost, the user exists", func(t *testing.T) {
		sim.ClearFaults()
		id := e.id("drop-user")
		e.cleanupUser(t, id)
		drop := sim.For(litellmsim.Match{UserID: id}).DropAfterApply("/user/new", 1)
		_, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, AutoCreateKey: ptr(false)})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		assert.Equal(t, 1, drop.Hits())
		_, err = e.client.UserInfo(ctx, id)
		assert.NoError(t, err, "observe repairs it: the user is there")
	})

	t.Run("dropped member add: response lost, the member is there", func(t *testing.T) {
		sim.ClearFaults()
		team := e.newTeam(t, "drop-members")
		user := e.newUser(t, "drop-member")
		drop := sim.For(litellmsim.Match{TeamID: team, UserID: user}).DropAfterApply("/team/member_add", 1)
		_, err := e.client.AddTeamMember(ctx, litellm.TeamMemberAddRequest{TeamID: team, Member: litellm.TeamMember{UserID: user, Role: litellm.RoleUser}})
		assert.True(t, litellm.IsResponseLost(err), "got %v", err)
		assert.Equal(t, 1, drop.Hits())
		info, err := e.client.TeamInfo(ctx, team)
		require.NoError(t, err)
		assert.Contains(t, info.TeamInfo.MembersWithRoles, litellm.TeamMember{UserID: user, Role: litellm.RoleUser})
	})

	t.Run("503 on a read is retried until it succeeds", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		fail := sim.For(litellmsim.Match{KeyHash: raw}).FailNext("/key/info", http.StatusServiceUnavailable, 2)
		before := sim.Calls("GET", "/key/info")
		_, err := e.client.KeyInfo(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, before+3, sim.Calls("GET", "/key/info"))
		assert.Equal(t, 2, fail.Hits())
	})

	t.Run("500 on generate is not retried", func(t *testing.T) {
		sim.ClearFaults()
		alias := e.id("fail-gen")
		fail := sim.For(litellmsim.Match{KeyAlias: alias}).FailNext("/key/generate", http.StatusInternalServerError, 1)
		before := sim.Calls("POST", "/key/generate")
		_, err := e.client.GenerateKey(ctx, litellm.KeyGenerateRequest{Key: e.keyToChoose(t), KeyAlias: alias})
		assert.True(t, litellm.IsTransient(err), "got %v", err)
		assert.Equal(t, 1, fail.Hits())
		assert.Equal(t, before+1, sim.Calls("POST", "/key/generate"), "a 5xx may follow an applied create")
	})

	t.Run("retries give up after the attempt bound", func(t *testing.T) {
		sim.ClearFaults()
		fail := sim.For(litellmsim.Match{TeamID: e.id("any")}).FailNext("/team/info", http.StatusBadGateway, 100)
		before := sim.Calls("GET", "/team/info")
		_, err := e.client.TeamInfo(ctx, e.id("any"))
		assert.True(t, litellm.IsTransient(err))
		assert.Equal(t, before+contractRetry.MaxAttempts, sim.Calls("GET", "/team/info"))
		assert.Equal(t, contractRetry.MaxAttempts, fail.Hits())
		sim.ClearFaults()
	})

	t.Run("429 waits for Retry-After", func(t *testing.T) {
		sim.ClearFaults()
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{})
		limit := sim.For(litellmsim.Match{KeyHash: raw}).RateLimitNext("/key/update", 1, time.Second)
		start := time.Now()
		_, err := e.client.UpdateKey(ctx, litellm.KeyUpdateRequest{Key: raw, RPMLimit: litellm.Set(5)})
		require.NoError(t, err)
		assert.Equal(t, 1, limit.Hits())
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
	})

	t.Run("429 on generate is retried: refused unprocessed", func(t *testing.T) {
		sim.ClearFaults()
		alias := e.id("rl")
		limit := sim.For(litellmsim.Match{KeyAlias: alias}).RateLimitNext("/key/generate", 1, time.Second)
		before := sim.Calls("POST", "/key/generate")
		e.generateKey(t, litellm.KeyGenerateRequest{KeyAlias: alias})
		assert.Equal(t, 1, limit.Hits())
		assert.Equal(t, before+2, sim.Calls("POST", "/key/generate"))
	})

	t.Run("timeout after sending: outcome unknown, observe", func(t *testing.T) {
		e.chosenKeys(t)
		sim.ClearFaults()
		raw := e.newKey(t)
		slow := sim.For(litellmsim.Match{KeyHash: raw}).SetPathLatency("/key/generate", 500*time.Millisecond)
		defer func() { assert.Equal(t, 1, slow.Hits()) }()
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
