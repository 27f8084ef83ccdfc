package litellm

import (
	"net/http"
	"strings"
)

// Routes the client calls. They are also the `endpoint` metric label and Error.Endpoint: a route
// template, never a URL with query values or a key.
const (
	routeKeyGenerate      = "/key/generate"
	routeKeyUpdate        = "/key/update"
	routeKeyDelete        = "/key/delete"
	routeKeyInfo          = "/key/info"
	routeKeyList          = "/key/list"
	routeKeyBlock         = "/key/block"
	routeKeyUnblock       = "/key/unblock"
	routeKeyRegenerate    = "/key/regenerate"
	routeUserNew          = "/user/new"
	routeUserUpdate       = "/user/update"
	routeUserInfo         = "/user/info"
	routeUserDelete       = "/user/delete"
	routeUserList         = "/user/list"
	routeTeamNew          = "/team/new"
	routeTeamUpdate       = "/team/update"
	routeTeamInfo         = "/team/info"
	routeTeamDelete       = "/team/delete"
	routeTeamList         = "/team/list"
	routeTeamBlock        = "/team/block"
	routeTeamUnblock      = "/team/unblock"
	routeTeamMemberAdd    = "/team/member_add"
	routeTeamMemberDelete = "/team/member_delete"
	routeTeamMemberUpdate = "/team/member_update"
	routeTeamListV2       = "/v2/team/list"
	routeBudgetInfo       = "/budget/info"
	routeHealthLiveliness = "/health/liveliness"
	routeHealthReadiness  = "/health/readiness"
)

// endpointRule holds what a status means on one endpoint. LiteLLM signals "not found" with 404,
// 401 or 400 depending on the endpoint, and "already exists" with 400 or 409 (compat: Retries and lost responses).
type endpointRule struct {
	notFound      func(e *Error, msg string) bool
	alreadyExists func(e *Error, msg string) bool
	// customKeyRefused: the proxy generates every key itself (disable_custom_api_keys).
	customKeyRefused func(e *Error, msg string) bool
	// anyServerErrorIsEnterprise: /key/regenerate answers 500 on every free proxy (compat: POST /key/regenerate).
	anyServerErrorIsEnterprise bool
}

var endpointRules = map[string]endpointRule{
	routeKeyGenerate:      {alreadyExists: keyAliasTaken, customKeyRefused: customKeyValueRefused},
	routeKeyUpdate:        {notFound: keyUpdateNotFound, alreadyExists: keyAliasTaken},
	routeKeyDelete:        {notFound: ownNotFound},
	routeKeyInfo:          {notFound: ownNotFound},
	routeKeyBlock:         {notFound: keyBlockNotFound},
	routeKeyUnblock:       {notFound: keyBlockNotFound},
	routeKeyRegenerate:    {notFound: ownNotFound, anyServerErrorIsEnterprise: true},
	routeUserNew:          {alreadyExists: userTaken},
	routeUserInfo:         {notFound: ownNotFound},
	routeUserDelete:       {notFound: ownNotFound},
	routeTeamNew:          {alreadyExists: teamTaken},
	routeTeamUpdate:       {notFound: ownNotFound},
	routeTeamInfo:         {notFound: ownNotFound},
	routeTeamDelete:       {notFound: ownNotFound},
	routeTeamBlock:        {notFound: ownNotFound}, // unverified: same handler family as /team/update
	routeTeamUnblock:      {notFound: ownNotFound}, // unverified
	routeTeamMemberAdd:    {notFound: ownNotFound, alreadyExists: memberTaken},
	routeTeamMemberDelete: {notFound: memberGone},
	routeTeamMemberUpdate: {notFound: memberGone},
	// /user/update never reports not-found: it creates a missing user (compat: POST /user/update).
}

// classify sets Reason, Retryable and Field of an HTTP error. Order matters: a budget or Enterprise
// refusal can come with any of the statuses used below for other meanings.
func classify(e *Error) {
	msg := strings.ToLower(e.Message)
	rule := endpointRules[e.Endpoint]
	e.Reason, e.Retryable = reasonFor(e, msg, rule)
	if e.Reason == ReasonEnterpriseOnly {
		e.Field = enterpriseField(e.Message)
	}
}

func reasonFor(e *Error, msg string, rule endpointRule) (Reason, bool) {
	switch {
	case isBudgetRefusal(e, msg):
		return ReasonBudgetExceeded, false
	case rule.customKeyRefused != nil && rule.customKeyRefused(e, msg):
		return ReasonCustomKeyRefused, false
	case isEnterpriseRefusal(e, msg, rule):
		return ReasonEnterpriseOnly, false
	case rule.notFound != nil && rule.notFound(e, msg):
		return ReasonNotFound, false
	case rule.alreadyExists != nil && rule.alreadyExists(e, msg):
		return ReasonAlreadyExists, false
	case e.Type == "expired_key": // 401 now, 400 on older releases (compat: Request-time checks)
		return ReasonUnauthorized, false
	case strings.HasSuffix(e.Type, "_model_access_denied"): // 403 now, 401 before (compat: Request-time checks)
		return ReasonForbidden, false
	}
	switch s := e.StatusCode; {
	case s == http.StatusUnauthorized:
		return ReasonUnauthorized, false
	case s == http.StatusForbidden:
		return ReasonForbidden, false
	case s == http.StatusConflict:
		return ReasonAlreadyExists, false
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return ReasonInvalidRequest, false
	case s == http.StatusTooManyRequests:
		return ReasonRateLimited, true
	case s == http.StatusInternalServerError && isValidationMessage(msg):
		return ReasonInvalidRequest, false
	case s == http.StatusInternalServerError || s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		return ReasonServerError, true
	default:
		return ReasonUnexpected, false
	}
}

// isBudgetRefusal: `type: budget_exceeded` on any status (422 since v1.104, 429 before, 400
// older), or the budget message with an older `auth_error` type (400/401, compat: Request-time checks). A 429 budget
// refusal is not a rate limit.
func isBudgetRefusal(e *Error, msg string) bool {
	if e.Type == "budget_exceeded" {
		return true
	}
	if e.StatusCode < http.StatusBadRequest || e.StatusCode >= http.StatusInternalServerError {
		return false
	}
	return strings.Contains(msg, "budget") && (strings.Contains(msg, "exceeded") || strings.Contains(msg, "over budget"))
}

// isEnterpriseRefusal: 400/403/500 whose text names the licence (compat: Retryable and permanent errors; Enterprise-only features), the only substring
// check the compatibility document allows for it; plus any 500 from /key/regenerate.
func isEnterpriseRefusal(e *Error, msg string, rule endpointRule) bool {
	if rule.anyServerErrorIsEnterprise && e.StatusCode == http.StatusInternalServerError {
		return true
	}
	switch e.StatusCode {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusInternalServerError:
		return strings.Contains(msg, "enterprise") || strings.Contains(msg, "premium")
	}
	return false
}

// permanentServerTexts are validation failures LiteLLM raises as plain exceptions and so answers
// with 500 (bad durations on /key/generate and /user/new, compat: Durations; /key/delete without keys, compat: POST /key/delete).
var permanentServerTexts = []string{
	"invalid duration", "unsupported duration", "duration format", "invalid budget_duration",
	"monthly resets", "invalid request type", "invalid key format", "cannot be negative",
}

func isValidationMessage(msg string) bool {
	for _, t := range permanentServerTexts {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// ownNotFound: a 404 in one of LiteLLM's error shapes. A 404 from something else that answered
// in LiteLLM's place (an ingress's default backend, a wrong path prefix) or FastAPI's answer for a
// route the proxy does not have ({"detail": "Not Found"}) says nothing about the object: taking
// it for "deleted" would let a finalizer go while the key stays valid.
func ownNotFound(e *Error, _ string) bool {
	if e.StatusCode != http.StatusNotFound {
		return false
	}
	switch e.shape {
	case shapeError, shapeDetailObject:
		return true
	case shapeDetailText:
		return e.Message != fastAPIRouteNotFound
	}
	return false
}

// keyUpdateNotFound: an unknown key on /key/update is 404 since March 2026, and 401 `auth_error`
// "invalid user key - user key does not exist in db" before (compat: POST /key/update). A wrong master key is also
// 401, but LiteLLM words it "Invalid proxy server token passed" (type token_not_found_in_db) and a
// missing key "No api key passed in" — neither says "does not exist", so neither is taken for
// not-found.
func keyUpdateNotFound(e *Error, msg string) bool {
	if e.StatusCode == http.StatusNotFound {
		return ownNotFound(e, msg)
	}
	return e.StatusCode == http.StatusUnauthorized && e.Type == "auth_error" &&
		strings.Contains(msg, "does not exist") && !strings.Contains(msg, "proxy server token")
}

// keyBlockNotFound: an unknown key on /key/block and /key/unblock is 404 since March 2026, and
// 401 `token_not_found_in_db` "... key=<hash>, not found in db ..." before (compat: POST /key/block and /key/unblock; 404 with audit
// logs on). A wrong master key has the
// same status and type, but its message quotes the caller's key ("Received API Key = ...") and
// never says "not found in db": that difference is the rule.
func keyBlockNotFound(e *Error, msg string) bool {
	if e.StatusCode == http.StatusNotFound {
		return ownNotFound(e, msg)
	}
	return e.StatusCode == http.StatusUnauthorized && e.Type == "token_not_found_in_db" &&
		strings.Contains(msg, "not found in db") && !strings.Contains(msg, "received api key")
}

// memberGone: /team/member_delete and /team/member_update answer 400 (shape C) both for a user
// not in the team and for an unknown team (compat: POST /team/member_delete; POST /team/member_update); either way the membership is gone.
func memberGone(e *Error, msg string) bool {
	if e.StatusCode == http.StatusNotFound {
		return ownNotFound(e, msg)
	}
	return e.StatusCode == http.StatusBadRequest && (strings.Contains(msg, "not found in team") ||
		strings.Contains(msg, "does not exist") || strings.Contains(msg, "doesn't exist"))
}

// customKeyValueRefused: with disable_custom_api_keys, /key/generate answers a chosen key with 403
// "Custom API key values are disabled by your administrator. Keys must be auto-generated."
// (compat: Proxy settings). The 403 has no type of its own, so the text
// decides, loosely: either half of it.
func customKeyValueRefused(e *Error, msg string) bool {
	return e.StatusCode == http.StatusForbidden && (strings.Contains(msg, "custom api key") || strings.Contains(msg, "auto-generated"))
}

// keyAliasTaken: duplicate key_alias → 400 bad_request_error, param key_alias, "Key with alias
// '<alias>' already exists" (compat: POST /key/generate; POST /key/update). A key_alias_pattern refusal has the same status, type
// and param ("Invalid key_alias format..."): only the text tells them apart.
func keyAliasTaken(e *Error, msg string) bool {
	return e.StatusCode == http.StatusBadRequest && strings.Contains(msg, "already exists")
}

// userTaken: 409 from 1.81 on; 400 "already exists" for a duplicate email before (compat: Releases covered; POST /user/new).
func userTaken(e *Error, msg string) bool {
	return e.StatusCode == http.StatusConflict || (e.StatusCode == http.StatusBadRequest && strings.Contains(msg, "already exists"))
}

// teamTaken: duplicate team_id → 400 "Team id = t1 already exists" (compat: POST /team/new).
func teamTaken(e *Error, msg string) bool {
	return (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusConflict) && strings.Contains(msg, "already exists")
}

// memberTaken: 400 type team_member_already_in_team; older releases say "already in team" in a
// shape C body (compat: POST /team/member_add).
func memberTaken(e *Error, msg string) bool {
	return e.StatusCode == http.StatusBadRequest && (e.Type == "team_member_already_in_team" || strings.Contains(msg, "already in team"))
}

// enterpriseField returns the field an Enterprise refusal names, or "".
func enterpriseField(msg string) string {
	for _, marker := range []string{"Enterprise users: ", "enterprise license to set ", "premium users can add "} {
		if i := strings.Index(msg, marker); i >= 0 {
			return leadingIdentifier(msg[i+len(marker):])
		}
	}
	if strings.Contains(msg, "Assigning team admins") {
		return "role"
	}
	return ""
}

func leadingIdentifier(s string) string {
	end := 0
	for end < len(s) && isWordChar(s[end]) {
		end++
	}
	return s[:end]
}
