package litellmsim

import (
	"net/http"
	"strings"
)

// proxyAdminID is the user_id the master key authenticates as (LiteLLM's LITELLM_PROXY_ADMIN_NAME,
// compat: Authentication); it becomes created_by/updated_by and the auto-added team admin.
const proxyAdminID = "default_user_id"

// caller is an authenticated request's identity.
type caller struct {
	master bool
	raw    string // the key as sent (LiteLLM echoes it in a few error params)
	// key is the caller's key as request-time enforcement sees it (possibly a cached copy, see
	// authcache.go); nil for the master key.
	key *Key
	// live is the stored row of that key: spend is booked on it.
	live *Key
}

// liteLLMKeyHeader is LiteLLM's own key header, in Go's canonical spelling (header names are
// case-insensitive).
const liteLLMKeyHeader = "X-Litellm-Api-Key"

// apiKeyFrom reads the key: LiteLLM's own header first (precedence unverified, compat: Authentication), then
// "Authorization: Bearer". An Authorization value without the Bearer scheme counts as no key.
func apiKeyFrom(r *http.Request) string {
	if v := strings.TrimSpace(r.Header.Get(liteLLMKeyHeader)); v != "" {
		return strings.TrimPrefix(v, "Bearer ") // stripping here is unverified
	}
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	for _, scheme := range []string{"Bearer ", "bearer "} {
		if strings.HasPrefix(v, scheme) {
			return strings.TrimSpace(v[len(scheme):])
		}
	}
	return ""
}

// authenticate applies LiteLLM's auth checks in order (compat: Authentication; Request-time checks): no key, malformed key,
// unknown key, blocked key, expired key, blocked team; management routes then need the master key.
func (s *Simulator) authenticate(r *http.Request, mode routeAuth) (caller, *apiError) {
	raw := apiKeyFrom(r)
	if raw == "" {
		return caller{}, errorA(http.StatusUnauthorized, "auth_error", pyNone, "Authentication Error, No api key passed in.")
	}
	if !strings.HasPrefix(raw, "sk-") {
		return caller{}, errorA(http.StatusUnauthorized, "auth_error", pyNone,
			"Authentication Error, LiteLLM Virtual Key expected. Received="+maskKey(raw)+", expected to start with 'sk-'.")
	}
	if raw == s.opts.MasterKey {
		return caller{master: true, raw: raw}, nil
	}
	token := HashKey(raw)
	now := s.nowLocked()
	k, live := s.enforcedKeyView(token, now)
	if k == nil {
		// Observed on 1.83.10 / 1.104 (fixture auth-401-unknown-key): the key is shown as
		// "sk-..." plus its last four characters, the hash in full.
		return caller{}, errorA(http.StatusUnauthorized, "token_not_found_in_db", "key",
			"Authentication Error, Invalid proxy server token passed. Received API Key = "+keyName(raw)+
				", Key Hash (Token) ="+token+". Unable to find token in cache or `LiteLLM_VerificationTokenTable`")
	}
	if k.Blocked {
		return caller{}, errorA(http.StatusUnauthorized, "auth_error", pyNone,
			"Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.")
	}
	if k.Expires != nil && k.Expires.Before(now) {
		status := http.StatusUnauthorized
		if s.opts.Variant.Expired400 {
			status = http.StatusBadRequest
		}
		// compat: Request-time checks: LiteLLM puts the raw key, as sent, in param.
		return caller{}, errorA(status, "expired_key", raw,
			"Authentication Error - Expired Key. Key Expiry time "+pyDatetimeStr(*k.Expires)+" and current time "+pyDatetimeStr(now))
	}
	if t, ok := s.store.teams[k.TeamID]; ok && t.Blocked {
		return caller{}, errorA(http.StatusUnauthorized, "auth_error", pyNone,
			"Authentication Error, Team="+t.TeamID+" is blocked. Update via `/team/unblock` if you're an admin.")
	}
	if mode == authAdmin {
		// The simulator treats every virtual key as a non-admin (compat: Authentication: allows this); LiteLLM's
		// exact status and text for this case vary by route and role (unverified).
		return caller{}, errorA(http.StatusUnauthorized, "auth_error", pyNone,
			"Authentication Error, user not allowed to access this route. Route="+r.URL.Path+" is an admin only route")
	}
	return caller{raw: raw, key: k, live: live}, nil
}

// lookupCallerKey finds a key by hash, following a regenerated key's old hash during its grace
// period (compat: POST /key/regenerate).
func (s *Simulator) lookupCallerKey(token string) *Key {
	if k, ok := s.store.keys[token]; ok {
		return k
	}
	if g, ok := s.store.graceKeys[token]; ok && s.nowLocked().Before(g.until) {
		return s.store.keys[g.newToken]
	}
	return nil
}
