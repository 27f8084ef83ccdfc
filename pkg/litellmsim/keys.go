//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"net/http"
	"strings"
	"time"
)

// Key endpoints: /key/generate, /key/update, /key/info, /key/block, /key/unblock,
// /key/regenerate (compat: Keys). Listing and deletion are in keys_list.go.

// keyFields are the body fields of /key/generate and /key/update (GenerateKeyRequest).
var keyFields = schema{
	"key": kindString, "key_alias": kindString, "duration": kindString, "models": kindStrings,
	"max_budget": kindFloat, "budget_duration": kindString, "soft_budget": kindFloat, "spend": kindFloat,
	"user_id": kindString, "team_id": kindString, "organization_id": kindString, "budget_id": kindString,
	"tpm_limit": kindInt, "rpm_limit": kindInt, "max_parallel_requests": kindInt,
	"model_rpm_limit": kindObject, "model_tpm_limit": kindObject, "model_max_budget": kindObject,
	"metadata": kindObject, "aliases": kindObject, "config": kindObject, "permissions": kindObject,
	"allowed_cache_controls": kindStrings, "allowed_routes": kindStrings,
	"guardrails": kindStrings, "tags": kindStrings, "enforced_params": kindStrings,
	"blocked": kindBool, "send_invite_email": kindBool, "key_type": kindString,
	"object_permission": kindObject,
}

// regenerateFields add the regenerate-only fields to the update fields.
var regenerateFields = withFields(keyFields, schema{"new_key": kindString, "grace_period": kindString, "new_master_key": kindString})

func withFields(base, extra schema) schema {
	out := schema{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// keyTypeRoutes is what key_type sets allowed_routes to (mapping unverified).
var keyTypeRoutes = map[string][]string{
	"llm_api": {"llm_api_routes"}, "management": {"management_routes"}, "read_only": {"info_routes"}, "default": {},
}

// customKeyText is LiteLLM's refusal of a chosen key when custom key values are disabled.
const customKeyText = "Custom API key values are disabled by your administrator. Keys must be auto-generated."

// keyNotFound is the not-found answer of /key/update, /key/block and /key/unblock since March
// 2026 (LiteLLM PRs #24063, #23977): 404 in the shape of /key/info's (body unverified).
func keyNotFound() *apiError {
	return errorA(http.StatusNotFound, "not_found_error", "key", "Key not found in database")
}

func aliasTakenError(alias string) *apiError {
	return errorA(http.StatusBadRequest, "bad_request_error", "key_alias",
		"Key with alias '"+alias+"' already exists. Unique key aliases across all keys are required.")
}

// keyGenerate is POST /key/generate. Validation order (compat: POST /key/generate): negative budgets, premium checks,
// alias uniqueness, key prefix, organization, then the insert (which parses durations).
func (s *Simulator) keyGenerate(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, keyFields)
	if aerr != nil {
		return nil, aerr
	}
	if kt, ok := b.str("key_type"); ok {
		if _, known := keyTypeRoutes[kt]; !known {
			return nil, errorD(validationItem{Type: "enum", Loc: []any{locBody, "key_type"},
				Msg: "Input should be 'llm_api', 'management', 'read_only' or 'default'", Input: kt})
		}
	}
	if s.opts.DisableCustomAPIKeys && b.has("key") && !b.isNull("key") {
		// disable_custom_api_keys (compat: Proxy settings): an
		// HTTPException re-raised by handle_exception_on_proxy, for every caller.
		return nil, errorADict(http.StatusForbidden, "internal_server_error", "error", customKeyText)
	}
	if aerr := negativeBudgetError(b, "internal_server_error"); aerr != nil {
		return nil, aerr
	}
	if aerr := s.keyPremiumError(b, false); aerr != nil {
		return nil, aerr
	}
	if reason := s.budgetDurationError(b.text("budget_duration"), s.nowLocked()); reason != "" {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error", reason)
	}
	if aerr := s.keyAliasPatternError(b, ""); aerr != nil {
		return nil, aerr
	}
	// compat: POST /key/generate: the alias check does not exclude the key's own hash, so re-sending the same key
	// with its alias is refused.
	if alias, ok := b.str("key_alias"); ok && alias != "" && len(s.store.keysWithAlias(alias)) > 0 {
		return nil, aliasTakenError(alias)
	}
	raw, sentKey := b.str("key")
	if sentKey && !strings.HasPrefix(raw, "sk-") {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error",
			"Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: "+maskKey(raw))
	}
	if aerr := s.organizationError(b); aerr != nil {
		return nil, aerr
	}
	if !sentKey {
		raw = newRawKey()
	}
	now := s.nowLocked()
	k, expires, resetAt, aerr := s.newKeyFromRequest(b, raw, now)
	if aerr != nil {
		return nil, aerr
	}
	if _, exists := s.store.keys[k.Token]; !exists {
		if aerr := s.insertKey(k, b, now); aerr != nil {
			return nil, aerr
		}
	}
	// compat: POST /key/generate: an existing key is left untouched (the insert is an upsert with an empty update)
	// and the answer echoes the request, not the stored row.
	return generateResponse(k, raw, b, expires, resetAt), nil
}

// insertKey stores a new key row. budget_id is a foreign key: an unknown one fails the insert
// with a generic 500, unless soft_budget is sent too, which creates a budget row of its own and
// points the key at it whatever budget_id said (compat: Key budgets;
// the 500's text is unverified).
func (s *Simulator) insertKey(k *Key, b *body, now time.Time) *apiError {
	if k.SoftBudget != nil {
		row := &BudgetRow{BudgetID: newUUID(), SoftBudget: cloneFloat(k.SoftBudget), CreatedAt: dbTime(now)}
		s.store.budgets[row.BudgetID] = row
		k.BudgetID = row.BudgetID
	} else if id, ok := b.str("budget_id"); ok && !s.store.budgetExists(id) {
		return errorA(http.StatusInternalServerError, "internal_server_error", pyNone, "Internal Server Error.")
	}
	s.store.keys[k.Token] = k
	return nil
}

// keyAliasPatternError applies key_alias_pattern to a key_alias that is sent and differs from
// the key's current one (an unchanged alias is not checked, so keys named before the pattern
// was set can still be edited).
func (s *Simulator) keyAliasPatternError(b *body, current string) *apiError {
	alias, sent := b.str("key_alias")
	if s.keyAliasPattern == nil || !sent || alias == current {
		return nil
	}
	if len(alias) <= 255 && s.keyAliasPattern.MatchString(alias) {
		return nil
	}
	return errorA(http.StatusBadRequest, "bad_request_error", "key_alias",
		"Invalid key_alias format. Must be at most 255 characters and match the configured key_alias_pattern: "+s.opts.KeyAliasPattern)
}

// organizationError refuses an unknown organization_id (compat: POST /key/generate; message unverified).
func (s *Simulator) organizationError(b *body) *apiError {
	org, ok := b.str("organization_id")
	if !ok || s.store.organizations[org] {
		return nil
	}
	return errorADict(http.StatusBadRequest, "internal_server_error", "error",
		"Organization not found for organization_id="+org)
}

// newKeyFromRequest builds the row /key/generate would insert. Invalid durations are Python
// exceptions in generate_key_helper_fn: 500 (compat: Durations).
func (s *Simulator) newKeyFromRequest(b *body, raw string, now time.Time) (*Key, *time.Time, *time.Time, *apiError) {
	var expires, resetAt *time.Time
	if b.has("duration") && !b.isNull("duration") {
		t, err := expiryAfter(b.text("duration"), now)
		if err != nil {
			return nil, nil, nil, errorInternal(err.Error())
		}
		expires = &t
	}
	budgetDuration := b.text("budget_duration")
	if budgetDuration != "" {
		t, err := nextBudgetReset(budgetDuration, now)
		if err != nil {
			return nil, nil, nil, errorInternal(err.Error())
		}
		resetAt = &t
	}
	k := &Key{
		Token:                HashKey(raw),
		KeyName:              keyName(raw),
		KeyAlias:             b.text("key_alias"),
		UserID:               b.text("user_id"),
		TeamID:               b.text("team_id"),
		OrganizationID:       b.text("organization_id"),
		BudgetID:             b.text("budget_id"),
		MaxBudget:            b.float("max_budget"),
		SoftBudget:           b.float("soft_budget"),
		Models:               list(b.strings("models")),
		BudgetDuration:       budgetDuration,
		TPMLimit:             b.integer("tpm_limit"),
		RPMLimit:             b.integer("rpm_limit"),
		MaxParallelRequests:  b.integer("max_parallel_requests"),
		Metadata:             mergeManagedMetadata(cloneObject(b.object("metadata")), b),
		Aliases:              object(b.object("aliases")),
		Config:               object(b.object("config")),
		Permissions:          object(b.object("permissions")),
		ModelMaxBudget:       object(b.object("model_max_budget")),
		ModelSpend:           map[string]float64{},
		AllowedCacheControls: list(b.strings("allowed_cache_controls")),
		AllowedRoutes:        list(b.strings("allowed_routes")),
		CreatedBy:            proxyAdminID,
		UpdatedBy:            proxyAdminID,
		CreatedAt:            dbTime(now),
		UpdatedAt:            dbTime(now),
		seq:                  s.store.nextSeq(),
	}
	if spend := b.float("spend"); spend != nil {
		k.Spend = *spend
	}
	if blocked := b.boolean("blocked"); blocked != nil {
		k.Blocked, k.BlockedSet = *blocked, true
	}
	if kt, ok := b.str("key_type"); ok && len(k.AllowedRoutes) == 0 {
		k.AllowedRoutes = list(keyTypeRoutes[kt])
	}
	if expires != nil {
		e := dbTime(*expires)
		k.Expires = &e
	}
	if resetAt != nil {
		t := dbTime(*resetAt)
		k.BudgetResetAt = &t
	}
	return k, expires, resetAt, nil
}

// generateResponse is GenerateKeyResponse: the request's fields plus the computed ones. The raw
// key is returned here (and by /user/new and /key/regenerate) only.
func generateResponse(k *Key, raw string, b *body, expires, resetAt *time.Time) map[string]any {
	resp := keyRow(k, true)
	resp["key"] = raw
	for _, f := range []string{"key_rotation_at", "last_rotation_at", "rotation_count", "auto_rotate",
		"soft_budget_cooldown", "model_spend", "object_permission_id"} {
		delete(resp, f)
	}
	resp["token_id"] = k.Token
	resp["expires"] = nil
	if expires != nil {
		resp["expires"] = isoTime(*expires, false)
	}
	resp["budget_reset_at"] = nil
	if resetAt != nil {
		resp["budget_reset_at"] = isoTime(*resetAt, false)
	}
	// Echoed request fields that are not columns of the key row.
	for _, f := range []string{"duration", "soft_budget", "tags", "guardrails", "enforced_params",
		"model_rpm_limit", "model_tpm_limit", "send_invite_email", "blocked"} {
		resp[f] = nil
		if v, ok := b.values[f]; ok && v != nil {
			resp[f] = v
		}
	}
	if sb := b.float("soft_budget"); sb != nil {
		resp["soft_budget"] = pyFloat(*sb)
	}
	return resp
}

// keyUpdate is POST /key/update (compat: POST /key/update): omitted fields unchanged, explicit null clears,
// budget_duration null ignored, errors through the auth_error wrapper.
func (s *Simulator) keyUpdate(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, keyFields, "key")
	if aerr != nil {
		return nil, aerr
	}
	ref, ok := b.str("key")
	if !ok {
		return nil, errorD(validationItem{Type: "string_type", Loc: []any{locBody, "key"}, Msg: msgNotString, Input: nil})
	}
	if aerr := negativeBudgetError(b, "auth_error"); aerr != nil {
		return nil, aerr
	}
	if aerr := s.keyPremiumError(b, true); aerr != nil {
		return nil, aerr
	}
	k, exists := s.store.keys[tokenOf(ref)]
	if !exists {
		if !s.opts.Variant.KeyNotFound401 {
			return nil, keyNotFound()
		}
		// compat: POST /key/update: the DB helper raises 401 before the endpoint's own not-found branch. The
		// message echoes the key as sent — LiteLLM does; clients must redact it.
		return nil, errorA(http.StatusUnauthorized, "auth_error", pyNone,
			"Authentication Error: invalid user key - user key does not exist in db. User Key="+ref)
	}
	if aerr := s.keyAliasPatternError(b, k.KeyAlias); aerr != nil {
		return nil, aerr
	}
	if reason := s.budgetDurationError(b.text("budget_duration"), s.nowLocked()); reason != "" {
		return nil, errorADict(http.StatusBadRequest, "auth_error", "error", reason)
	}
	if alias, ok := b.str("key_alias"); ok && alias != "" {
		for _, other := range s.store.keysWithAlias(alias) {
			if other.Token != k.Token {
				return nil, aliasTakenError(alias)
			}
		}
	}
	updated := cloneKey(k)
	if aerr := s.applyKeyUpdate(&updated, b); aerr != nil {
		return nil, aerr
	}
	*k = updated
	// LiteLLM drops the cached copy named hash_token(key as sent): the key's own entry when the
	// raw key was sent, nothing useful when its hash was (authcache.go).
	s.store.dropAuthCache(HashKey(ref))
	resp := keyRow(k, true)
	resp["key"] = ref
	return resp, nil
}

// applyKeyUpdate writes the sent fields of an update into k.
func (s *Simulator) applyKeyUpdate(k *Key, b *body) *apiError {
	now := s.nowLocked()
	if b.has("duration") {
		d := b.text("duration")
		switch {
		case b.isNull("duration") || d == "-1":
			k.Expires = nil
		case d == "":
			// An empty string is falsy in Python: the field is skipped.
		default:
			t, err := expiryAfter(d, now)
			if err != nil {
				return errorAuthWrapped(err.Error())
			}
			t = dbTime(t)
			k.Expires = &t
		}
	}
	if d := b.text("budget_duration"); d != "" {
		// null and "" are ignored: a key's budget_duration cannot be cleared (compat: POST /key/update).
		t, err := nextBudgetReset(d, now)
		if err != nil {
			return errorAuthWrapped(err.Error())
		}
		t = dbTime(t)
		k.BudgetDuration, k.BudgetResetAt = d, &t
	}
	if team, ok := b.str("team_id"); ok && team != k.TeamID {
		if aerr := s.keyTeamChangeError(k, team); aerr != nil {
			return aerr
		}
	}
	setStr := func(field string, dst *string) {
		if b.has(field) {
			*dst = b.text(field)
		}
	}
	setStr("key_alias", &k.KeyAlias)
	setStr("user_id", &k.UserID)
	setStr("team_id", &k.TeamID)
	setStr("organization_id", &k.OrganizationID)
	setStr("budget_id", &k.BudgetID)
	setFloat := func(field string, dst **float64) {
		if b.has(field) {
			*dst = b.float(field)
		}
	}
	setFloat("max_budget", &k.MaxBudget)
	// soft_budget is accepted and ignored: it lives in the budget row made at generation
	// (compat: Key budgets; LiteLLM issue #15125).
	setInt := func(field string, dst **int64) {
		if b.has(field) {
			*dst = b.integer(field)
		}
	}
	setInt("tpm_limit", &k.TPMLimit)
	setInt("rpm_limit", &k.RPMLimit)
	setInt("max_parallel_requests", &k.MaxParallelRequests)
	// Non-nullable columns: an explicit null writes the column's default.
	if b.has("spend") {
		k.Spend = 0
		if v := b.float("spend"); v != nil {
			k.Spend = *v
		}
	}
	setList := func(field string, dst *[]string) {
		if b.has(field) {
			*dst = list(b.strings(field))
		}
	}
	setList("models", &k.Models)
	setList("allowed_cache_controls", &k.AllowedCacheControls)
	setList("allowed_routes", &k.AllowedRoutes)
	setObject := func(field string, dst *map[string]any) {
		if b.has(field) {
			*dst = object(b.object(field))
		}
	}
	setObject("aliases", &k.Aliases)
	setObject("config", &k.Config)
	setObject("permissions", &k.Permissions)
	setObject("model_max_budget", &k.ModelMaxBudget)
	if b.has("metadata") {
		// metadata replaces the whole object; managed fields are re-added from the request.
		k.Metadata = cloneObject(object(b.object("metadata")))
	}
	k.Metadata = mergeManagedMetadata(k.Metadata, b)
	if b.has("blocked") {
		if v := b.boolean("blocked"); v != nil {
			k.Blocked, k.BlockedSet = *v, true
		} else {
			k.Blocked, k.BlockedSet = false, false
		}
	}
	k.UpdatedAt, k.UpdatedBy = dbTime(now), proxyAdminID
	return nil
}

// keyTeamChangeError is validate_key_team_change (compat: POST /key/update): the new team must exist, allow the key's
// models, and have the key's user as a member; 403 otherwise (texts unverified).
func (s *Simulator) keyTeamChangeError(k *Key, teamID string) *apiError {
	t, ok := s.store.teams[teamID]
	if !ok {
		return errorA(http.StatusNotFound, "auth_error", pyNone,
			"Authentication Error, Team doesn't exist in db. Team="+teamID+". Create team via `/team/new` call.")
	}
	if len(t.Models) > 0 {
		for _, m := range k.Models {
			if !modelAllowed(t.Models, m) {
				return errorA(http.StatusForbidden, "auth_error", pyNone,
					"Authentication Error, Key="+k.KeyName+" has models="+pyListRepr(k.Models)+
						" not allowed by team="+teamID+" models="+pyListRepr(t.Models))
			}
		}
	}
	if k.UserID != "" && !teamHasMember(t, k.UserID, "") {
		return errorA(http.StatusForbidden, "auth_error", pyNone,
			"Authentication Error, User="+k.UserID+" is not a member of team="+teamID+". Add the user to the team first.")
	}
	return nil
}

// keyInfo is GET /key/info (compat: GET /key/info): the row without "token". A virtual key may read
// its own row (without ?key=, LiteLLM answers with the caller's hash as "key"), never another's.
func (s *Simulator) keyInfo(r *http.Request, c caller) (any, *apiError) {
	ref := queryStr(r, "key")
	if !r.URL.Query().Has("key") {
		// Without a key LiteLLM looks up the caller's own key; the master key is not stored.
		ref = c.raw
		if c.key != nil {
			ref = c.key.Token
		}
	}
	if c.key != nil && tokenOf(ref) != c.key.Token {
		// Text unverified.
		return nil, errorA(http.StatusForbidden, "internal_server_error", pyNone,
			"You are not allowed to access this key's info. Your role=None")
	}
	k, ok := s.store.keys[tokenOf(ref)]
	if !ok {
		return nil, errorA(http.StatusNotFound, "not_found_error", "key", "Key not found in database")
	}
	return map[string]any{"key": ref, "info": keyRow(k, false)}, nil
}

// keyBlock and keyUnblock are POST /key/block and /key/unblock (compat: POST /key/block and /key/unblock).
func (s *Simulator) keyBlock(r *http.Request, _ caller) (any, *apiError) {
	return s.setKeyBlocked(r, true)
}

func (s *Simulator) keyUnblock(r *http.Request, _ caller) (any, *apiError) {
	return s.setKeyBlocked(r, false)
}

func (s *Simulator) setKeyBlocked(r *http.Request, blocked bool) (any, *apiError) {
	b, aerr := parseBody(r, schema{"key": kindString}, "key")
	if aerr != nil {
		return nil, aerr
	}
	ref := b.text("key")
	if !isKeyLike(ref) {
		return nil, errorA(http.StatusBadRequest, "bad_request_error", "key", "Invalid key format.")
	}
	token := tokenOf(ref)
	k, ok := s.store.keys[token]
	if !ok {
		if !s.opts.Variant.KeyNotFound401 {
			return nil, keyNotFound()
		}
		// compat: POST /key/block and /key/unblock: the update matches nothing and the cache refresh raises "not found in db".
		return nil, errorA(http.StatusUnauthorized, "token_not_found_in_db", "key",
			"Authentication Error, Invalid proxy server token passed. key="+token+
				", not found in db. Create key via `/key/generate` call.")
	}
	s.store.dropAuthCache(token)
	k.Blocked, k.BlockedSet = blocked, true
	k.UpdatedAt, k.UpdatedBy = dbTime(s.nowLocked()), proxyAdminID
	return keyRow(k, true), nil
}

// keyRegenerate is POST /key/regenerate and /key/{key}/regenerate (compat: POST /key/regenerate): Enterprise-only.
func (s *Simulator) keyRegenerate(r *http.Request, _ caller) (any, *apiError) {
	if !s.opts.Premium {
		// compat: POST /key/regenerate: a ValueError turned into a 500 by handle_exception_on_proxy.
		return nil, errorInternal("Regenerating Virtual Keys is an Enterprise feature, " + notPremiumText)
	}
	b, aerr := parseBody(r, regenerateFields)
	if aerr != nil {
		return nil, aerr
	}
	ref := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/key/"), "/regenerate")
	if r.URL.Path == "/key/regenerate" {
		ref = b.text("key")
	}
	if ref == "" {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error", "No key passed in.")
	}
	old, ok := s.store.keys[tokenOf(ref)]
	if !ok {
		return nil, errorADict(http.StatusNotFound, "internal_server_error", "error", "Key "+ref+" not found.")
	}
	newRaw, sent := b.str("new_key")
	if sent && !strings.HasPrefix(newRaw, "sk-") {
		return nil, errorADict(http.StatusBadRequest, "internal_server_error", "error",
			"New key must start with 'sk-'. This is to distinguish a key hash (used for lookups) from a key itself.")
	}
	if !sent {
		newRaw = newRawKey()
	}
	now := s.nowLocked()
	var graceUntil time.Time
	if g := b.text("grace_period"); g != "" {
		t, err := expiryAfter(g, now)
		if err != nil {
			return nil, errorInternal(err.Error())
		}
		graceUntil = t
	}
	if aerr := s.keyAliasPatternError(b, old.KeyAlias); aerr != nil {
		return nil, aerr
	}
	updated := cloneKey(old)
	if aerr := s.applyKeyUpdate(&updated, b); aerr != nil {
		return nil, aerr
	}
	oldToken := old.Token
	s.store.dropAuthCache(oldToken)
	updated.Token, updated.KeyName = HashKey(newRaw), keyName(newRaw)
	updated.RotationCount++
	rotated := dbTime(now)
	updated.LastRotationAt = &rotated
	delete(s.store.keys, oldToken)
	s.store.keys[updated.Token] = &updated
	if !graceUntil.IsZero() {
		s.store.graceKeys[oldToken] = graceKey{newToken: updated.Token, until: graceUntil}
	}
	return generateResponse(&updated, newRaw, b, updated.Expires, updated.BudgetResetAt), nil
}
