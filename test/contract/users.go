package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// testUsers covers the user endpoints and their quirks (compat: Users).
func (e *env) testUsers(t *testing.T) {
	ctx := context.Background()

	t.Run("new and info, with an id that needs URL encoding", func(t *testing.T) {
		id := e.id("a+b c@x")
		e.cleanupUser(t, id)
		resp, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, UserAlias: "Alias", MaxBudget: ptr(3.0), AutoCreateKey: ptr(false)})
		require.NoError(t, err)
		assert.Equal(t, id, resp.UserID)
		assert.Empty(t, resp.RawKey, `auto_create_key=false → key "" (compat: POST /user/new)`)
		info, err := e.client.UserInfo(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, info.UserInfo)
		assert.Equal(t, id, info.UserInfo.UserID, "'+' and ' ' survive the query string (compat: GET /user/info)")
		require.NotNil(t, info.UserInfo.MaxBudget)
		assert.InDelta(t, 3.0, *info.UserInfo.MaxBudget, 1e-9)
	})

	t.Run("new with LiteLLM's auto-created key", func(t *testing.T) {
		id := e.id("autokey")
		e.cleanupUser(t, id)
		resp, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, MaxBudget: ptr(5.0)})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(resp.RawKey, "sk-"), "auto_create_key defaults to true (compat: POST /user/new)")
		t.Cleanup(func() {
			_, _ = e.client.DeleteKeys(context.Background(), litellm.KeyDeleteRequest{Keys: []string{resp.RawKey}})
		})
		info, err := e.client.KeyInfo(ctx, resp.RawKey)
		require.NoError(t, err, "found by HashKey: /user/new returns no hash")
		assert.Equal(t, id, info.Info.UserID)
		assert.Nil(t, info.Info.MaxBudget, "the auto key has no budget of its own")
	})

	t.Run("new without id gets a generated one", func(t *testing.T) {
		resp, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserEmail: e.id("noid") + "@example.com", AutoCreateKey: ptr(false)})
		require.NoError(t, err)
		require.NotEmpty(t, resp.UserID, "uuid4 (compat: POST /user/new)")
		e.cleanupUser(t, resp.UserID)
	})

	t.Run("new twice with the same id", func(t *testing.T) {
		id := e.newUser(t, "twice")
		_, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, AutoCreateKey: ptr(false)})
		switch {
		case e.real():
			assert.True(t, err == nil || litellm.IsAlreadyExists(err), "409 from 1.81, 200 no-op before: %v", err)
		case e.target.Variant.DuplicateUserLegacy:
			assert.NoError(t, err, "≤1.80: 200 and nothing changes (compat: POST /user/new)")
		default:
			assert.True(t, litellm.IsAlreadyExists(err), "409 (compat: POST /user/new): %v", err)
			assert.Equal(t, 409, asError(t, err).StatusCode)
		}
		if e.target.Sim != nil {
			_, ok := e.target.Sim.User(id)
			assert.True(t, ok, "still one user")
		}
	})

	t.Run("new with a taken email, any case", func(t *testing.T) {
		email := e.id("mail") + "@example.com"
		id := e.id("mail-owner")
		e.cleanupUser(t, id)
		_, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, UserEmail: email, AutoCreateKey: ptr(false)})
		require.NoError(t, err)
		other := e.id("mail-other")
		e.cleanupUser(t, other)
		_, err = e.client.NewUser(ctx, litellm.UserNewRequest{UserID: other, UserEmail: strings.ToUpper(email), AutoCreateKey: ptr(false)})
		assert.True(t, litellm.IsAlreadyExists(err), "409 now, 400 'already exists' before 1.81 (compat: POST /user/new): %v", err)
		if !e.real() {
			want := 409
			if e.target.Variant.DuplicateUserLegacy {
				want = 400
			}
			assert.Equal(t, want, asError(t, err).StatusCode)
		}
	})

	t.Run("info of an unknown user is not found", func(t *testing.T) {
		_, err := e.client.UserInfo(ctx, e.id("ghost"))
		assert.True(t, litellm.IsNotFound(err), "404, or 200 with an empty user_info on 1.80 (compat: GET /user/info): %v", err)
		if !e.real() {
			want := 404
			if e.target.Variant.UserInfoEmpty200 {
				want = 200
			}
			assert.Equal(t, want, asError(t, err).StatusCode, "the variant's answer was really exercised")
		}
	})

	t.Run("info without an id is never sent", func(t *testing.T) {
		before := e.calls("GET", "/user/info")
		_, err := e.client.UserInfo(ctx, "")
		assert.True(t, litellm.IsInvalidRequest(err))
		assert.Equal(t, before, e.calls("GET", "/user/info"), "it would list every key and team (compat: GET /user/info)")
	})

	t.Run("update sets and clears the budget", func(t *testing.T) {
		id := e.newUser(t, "upd")
		resp, err := e.client.UpdateUser(ctx, litellm.UserUpdateRequest{UserID: id, MaxBudget: litellm.Set(4.0), UserAlias: "renamed"})
		require.NoError(t, err)
		assert.Equal(t, "renamed", resp.Data.UserAlias)
		_, err = e.client.UpdateUser(ctx, litellm.UserUpdateRequest{UserID: id, MaxBudget: litellm.Null[float64]()})
		require.NoError(t, err)
		info, err := e.client.UserInfo(ctx, id)
		require.NoError(t, err)
		assert.Nil(t, info.UserInfo.MaxBudget, "max_budget is the one field null clears (compat: POST /user/update)")
		assert.Equal(t, "renamed", info.UserInfo.UserAlias)
	})

	t.Run("update of an unknown user creates it", func(t *testing.T) {
		id := e.id("upsert")
		e.cleanupUser(t, id)
		_, err := e.client.UpdateUser(ctx, litellm.UserUpdateRequest{UserID: id, UserAlias: "x"})
		require.NoError(t, err, "upsert: /user/update never reports not-found (compat: POST /user/update)")
		_, err = e.client.UserInfo(ctx, id)
		assert.NoError(t, err)
	})

	t.Run("list finds a user by id", func(t *testing.T) {
		id := e.newUser(t, "listed")
		list, err := e.client.ListUsers(ctx, litellm.UserListOptions{UserIDs: []string{id}})
		require.NoError(t, err)
		found := false
		for _, u := range list.Users {
			found = found || u.UserID == id
		}
		assert.True(t, found, "compat: GET /user/list")
	})

	t.Run("delete cascades to keys, second delete is not found", func(t *testing.T) {
		id := e.newUser(t, "del")
		raw, _ := e.generateKey(t, litellm.KeyGenerateRequest{UserID: id})
		n, err := e.client.DeleteUsers(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "a bare number (compat: POST /user/delete)")
		_, err = e.client.KeyInfo(ctx, raw)
		assert.True(t, litellm.IsNotFound(err), "the user's keys are deleted with it")
		_, err = e.client.DeleteUsers(ctx, id)
		assert.True(t, litellm.IsNotFound(err), "404 shape C: treat as done: %v", err)
		_, err = e.client.UserInfo(ctx, id)
		assert.True(t, litellm.IsNotFound(err))
	})

	t.Run("new stores less than it accepts", func(t *testing.T) {
		id := e.id("stores-less")
		e.cleanupUser(t, id)
		_, err := e.client.NewUser(ctx, litellm.UserNewRequest{UserID: id, AutoCreateKey: ptr(false), MaxBudget: ptr(5.0), SoftBudget: ptr(2.0),
			Aliases: map[string]string{"a": testModel}, Permissions: map[string]any{"pii": false}, Config: map[string]any{"c": 1}, Blocked: ptr(true)})
		require.NoError(t, err, "accepted")
		var info struct {
			UserInfo map[string]any `json:"user_info"`
		}
		e.call(t, http.MethodGet, "/user/info?user_id="+url.QueryEscape(id), e.target.MasterKey, nil).json(t, &info)
		assert.InDelta(t, 5.0, info.UserInfo["max_budget"], 1e-9, "what the user row has is stored")
		for _, field := range []string{"soft_budget", "aliases", "permissions", "config", "blocked"} {
			switch v := info.UserInfo[field].(type) {
			case nil:
			case map[string]any:
				assert.Empty(t, v, "%s is not stored: a User spec field mapped to it has no effect", field)
			default:
				t.Errorf("/user/info shows %s = %v: the user row was expected not to keep it", field, v)
			}
		}
	})
}
