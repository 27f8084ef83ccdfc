package litellm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeErrorShapes(t *testing.T) {
	cases := []struct {
		name        string
		reason      string
		status      int
		contentType string
		body        string
		typ         string
		code        string
		param       string
		message     string
	}{
		{
			name: "shape A, string code", reason: "current ProxyException (compat: Error bodies)", status: 404,
			body: `{"error":{"message":"Key not found in database","type":"not_found_error","param":"key","code":"404"}}`,
			typ:  "not_found_error", code: "404", param: "key", message: "Key not found in database",
		},
		{
			name: "shape A, integer code", reason: "older bodies (compat: Error bodies)", status: 401,
			body: `{"error":{"message":"Authentication Error, No connected db.","type":"auth_error","param":"None","code":401}}`,
			typ:  "auth_error", code: "401", param: "", message: "Authentication Error, No connected db.",
		},
		{
			name: "shape A, object message with error", reason: "1.81.x passes a dict detail through (compat: Error bodies)", status: 403,
			body: `{"error":{"message":{"error":"only for Enterprise"},"type":"internal_server_error","param":"None","code":"403"}}`,
			typ:  "internal_server_error", code: "403", message: "only for Enterprise",
		},
		{
			name: "shape A, object message with message", reason: "a dict detail keyed message", status: 404,
			body: `{"error":{"message":{"message":"Team not found"},"type":"auth_error","param":null,"code":"404"}}`,
			typ:  "auth_error", code: "404", message: "Team not found",
		},
		{
			name: "shape A, Python repr with single quotes", reason: "HTTPException dict detail re-raised (compat: Error bodies)", status: 409,
			body: `{"error":{"message":"{'error': 'User with id u1 already exists'}","type":"internal_server_error","param":"None","code":"409"}}`,
			typ:  "internal_server_error", code: "409", message: "User with id u1 already exists",
		},
		{
			name: "shape A, Python repr with double-quoted value", reason: "a value containing ' is printed with double quotes", status: 400,
			body: `{"error":{"message":"{'error': \"must start with 'sk-'\"}","type":"internal_server_error","param":"None","code":"400"}}`,
			typ:  "internal_server_error", code: "400", message: "must start with 'sk-'",
		},
		{
			name: "shape A, braces that are not a repr", reason: "stripping never guesses", status: 500,
			body: `{"error":{"message":"{not a dict}","type":"internal_server_error","param":null,"code":"500"}}`,
			typ:  "internal_server_error", code: "500", message: "{not a dict}",
		},
		{
			name: "error as a plain string", reason: "tolerated", status: 500,
			body: `{"error":"boom"}`, message: "boom",
		},
		{
			name: "shape B", reason: "plain HTTPException with string detail", status: 400,
			body: `{"detail":"Assigning team admins is a premium feature."}`, message: "Assigning team admins is a premium feature.",
		},
		{
			name: "shape C, error", reason: "dict detail", status: 404,
			body: `{"detail":{"error":"Team not found, passed team_id=t1"}}`, message: "Team not found, passed team_id=t1",
		},
		{
			name: "shape C, message", reason: "dict detail keyed message", status: 422,
			body: `{"detail":{"message":"Malformed request. No team id passed in."}}`, message: "Malformed request. No team id passed in.",
		},
		{
			name: "shape D", reason: "FastAPI validation; input is not echoed", status: 422,
			body:    `{"detail":[{"type":"missing","loc":["body","key"],"msg":"Field required","input":{"key":"sk-SecretSecretSecret"}},{"type":"less_than_equal","loc":["query","size"],"msg":"Input should be less than or equal to 100","input":"101"}]}`,
			message: "validation failed: body.key: Field required; query.size: Input should be less than or equal to 100",
		},
		{
			name: "non-JSON body", reason: "an ingress error page: status and content type only, none of its text", status: 502,
			contentType: "text/html; charset=utf-8",
			body:        `<html><body>502 Bad Gateway</body></html>`, message: "the answer is not LiteLLM's (content type text/html, 41 bytes)",
		},
		{
			name: "empty body", reason: "a crashed proxy", status: 503, body: ``, message: "empty response body",
		},
		{
			name: "JSON without known members", reason: "some other service's JSON is not LiteLLM's either", status: 500,
			contentType: "application/json", body: `{"message":"no Route matched with those values"}`,
			message: "the answer is not LiteLLM's (content type application/json, 48 bytes)",
		},
		{
			name: "an error member among others", reason: "LiteLLM's error bodies hold nothing but error or detail: another service's is not copied",
			status: 403, contentType: "application/json", body: `{"error":"internal-only","token":"internal-only"}`,
			message: "the answer is not LiteLLM's (content type application/json, 49 bytes)",
		},
		{
			name: "a detail member among others", reason: "likewise", status: 400,
			contentType: "application/json", body: `{"detail":"internal-only","trace":"x"}`,
			message: "the answer is not LiteLLM's (content type application/json, 38 bytes)",
		},
		{
			name: "no content type", reason: "said as such", status: 404, body: `nope`, message: "the answer is not LiteLLM's (content type none, 4 bytes)",
		},
		{
			name: "unparsable content type", reason: "a header that does not parse is not repeated", status: 404,
			contentType: "text/html; <script>", body: `x`, message: "the answer is not LiteLLM's (content type invalid, 1 bytes)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			e := decodeError("GET", "/x", tc.status, h, []byte(tc.body), newRedactor(testMasterKey))
			assert.Equal(t, tc.status, e.StatusCode, tc.reason)
			assert.Equal(t, tc.typ, e.Type, tc.reason)
			assert.Equal(t, tc.code, e.Code, tc.reason)
			assert.Equal(t, tc.param, e.Param, tc.reason)
			assert.Equal(t, tc.message, e.Message, tc.reason)
			assert.NotContains(t, e.Error(), "sk-SecretSecretSecret", tc.reason)
		})
	}
}

func TestDecodeErrorBoundsEveryField(t *testing.T) {
	long := strings.Repeat("x", 10000)
	cases := []struct {
		name, reason, body string
	}{
		{name: "shape A", reason: "message, type, param and code are all LiteLLM's text",
			body: fmt.Sprintf(`{"error":{"message":%q,"type":%q,"param":%q,"code":%q}}`, long, long, long, long)},
		{name: "shape B", reason: "a detail string", body: fmt.Sprintf(`{"detail":%q}`, long)},
		{name: "shape D", reason: "many validation items", body: `{"detail":[` + strings.TrimSuffix(strings.Repeat(`{"loc":["body","x"],"msg":"Field required"},`, 500), ",") + `]}`},
		{name: "foreign", reason: "a huge page is not copied at all", body: "<html>" + long},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := decodeError("POST", "/key/update", 400, http.Header{}, []byte(tc.body), newRedactor(testMasterKey))
			assert.LessOrEqual(t, len(e.Message), maxMessageLen+len("…"), tc.reason)
			assert.LessOrEqual(t, len(e.Type), maxTypeLen+len("…"), tc.reason)
			assert.LessOrEqual(t, len(e.Param), maxParamLen+len("…"), tc.reason)
			assert.LessOrEqual(t, len(e.Code), maxCodeLen+len("…"), tc.reason)
			assert.Less(t, len(e.Error()), 1024, "short enough for an Event note: %s", tc.reason)
		})
	}
}

// shapeA builds a shape A body.
func shapeA(status int, typ, param, msg string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":%q,"param":%q,"code":"%d"}}`, msg, typ, param, status)
}

func TestClassifyPerEndpoint(t *testing.T) {
	const wrongMaster = "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...-key, Key Hash (Token) =1f2e. Unable to find token in cache or `LiteLLM_VerificationTokenTable`"
	cases := []struct {
		name      string
		reason    string
		route     string
		status    int
		body      string
		want      Reason
		retryable bool
		field     string
	}{
		// Not found, per endpoint (compat: Not-found answers per endpoint).
		{name: "key info 404", reason: "compat: GET /key/info", route: routeKeyInfo, status: 404,
			body: shapeA(404, "not_found_error", "key", "Key not found in database"), want: ReasonNotFound},
		{name: "key update unknown key 401", reason: "compat: POST /key/update: the DB helper answers 401", route: routeKeyUpdate, status: 401,
			body: shapeA(401, "auth_error", "None", "Authentication Error: invalid user key - user key does not exist in db. User Key=abc"), want: ReasonNotFound},
		{name: "key update wrong master key", reason: "a 401 that is not not-found", route: routeKeyUpdate, status: 401,
			body: shapeA(401, "token_not_found_in_db", "key", wrongMaster), want: ReasonUnauthorized},
		{name: "key update no key", reason: "auth_error without 'does not exist'", route: routeKeyUpdate, status: 401,
			body: shapeA(401, "auth_error", "None", "Authentication Error, No api key passed in."), want: ReasonUnauthorized},
		{name: "key update 'does not exist' but wrong type", reason: "type must be auth_error", route: routeKeyUpdate, status: 401,
			body: shapeA(401, "token_not_found_in_db", "key", "key does not exist"), want: ReasonUnauthorized},
		{name: "key delete none found", reason: "compat: POST /key/delete", route: routeKeyDelete, status: 404,
			body: shapeA(404, "internal_server_error", "None", "{'error': 'No keys found'}"), want: ReasonNotFound},
		{name: "key block unknown key 401", reason: "compat: POST /key/block and /key/unblock", route: routeKeyBlock, status: 401,
			body: shapeA(401, "token_not_found_in_db", "key", "Authentication Error, Invalid proxy server token passed. key=abc, not found in db. Create key via `/key/generate` call."), want: ReasonNotFound},
		{name: "key unblock unknown key with audit logs", reason: "compat: POST /key/block and /key/unblock: 404 with store_audit_logs", route: routeKeyUnblock, status: 404,
			body: shapeA(404, "bad_request_error", "None", "Key abc not found"), want: ReasonNotFound},
		{name: "key block wrong master key", reason: "same status and type as not-found, but quotes the caller key", route: routeKeyBlock, status: 401,
			body: shapeA(401, "token_not_found_in_db", "key", wrongMaster), want: ReasonUnauthorized},
		{name: "user info 404", reason: "compat: GET /user/info", route: routeUserInfo, status: 404,
			body: shapeA(404, "internal_server_error", "None", "User u1 not found"), want: ReasonNotFound},
		{name: "user delete 404", reason: "compat: POST /user/delete: shape C", route: routeUserDelete, status: 404,
			body: `{"detail":{"error":"User not found, passed user_id=u1"}}`, want: ReasonNotFound},
		{name: "team info 404", reason: "compat: GET /team/info", route: routeTeamInfo, status: 404,
			body: shapeA(404, "auth_error", "None", "{'message': 'Team not found, passed team id: t1.'}"), want: ReasonNotFound},
		{name: "team update 404", reason: "compat: POST /team/update", route: routeTeamUpdate, status: 404,
			body: `{"detail":{"error":"Team not found, passed team_id=t1"}}`, want: ReasonNotFound},
		{name: "team delete 404", reason: "compat: POST /team/delete", route: routeTeamDelete, status: 404,
			body: `{"detail":{"error":"Team not found, passed team_id=t1"}}`, want: ReasonNotFound},
		{name: "member delete not in team", reason: "compat: POST /team/member_delete: 400", route: routeTeamMemberDelete, status: 400,
			body: `{"detail":{"error":"User not found in team"}}`, want: ReasonNotFound},
		{name: "member delete unknown team", reason: "compat: POST /team/member_delete: 400", route: routeTeamMemberDelete, status: 400,
			body: `{"detail":{"error":"Team id=t1 does not exist in db"}}`, want: ReasonNotFound},
		{name: "member delete other 400", reason: "a 400 without the texts is invalid", route: routeTeamMemberDelete, status: 400,
			body: `{"detail":{"error":"user_id or user_email required"}}`, want: ReasonInvalidRequest},
		{name: "member update not in team", reason: "compat: POST /team/member_update", route: routeTeamMemberUpdate, status: 400,
			body: `{"detail":{"error":"User id doesn't exist in team table. Data=..."}}`, want: ReasonNotFound},
		{name: "member add unknown team", reason: "compat: POST /team/member_add: 404", route: routeTeamMemberAdd, status: 404,
			body: `{"detail":{"error":"Team not found for team_id=t1"}}`, want: ReasonNotFound},
		{name: "404 on an endpoint without not-found meaning", reason: "e.g. a route missing on an old proxy", route: routeKeyGenerate, status: 404,
			body: `{"detail":"Not Found"}`, want: ReasonUnexpected},
		{name: "key update 404", reason: "since March 2026", route: routeKeyUpdate, status: 404,
			body: shapeA(404, "not_found_error", "key", "Key not found in database"), want: ReasonNotFound},
		{name: "key block 404", reason: "since March 2026", route: routeKeyBlock, status: 404,
			body: shapeA(404, "not_found_error", "key", "Key not found in database"), want: ReasonNotFound},

		// A 404 is "not found" only when it is LiteLLM's own answer (issue: a non-LiteLLM 404 let
		// finalizers go while keys stayed valid).
		{name: "unknown route on key delete", reason: "FastAPI's answer for a path no route serves: a wrong path prefix", route: routeKeyDelete, status: 404,
			body: `{"detail":"Not Found"}`, want: ReasonUnexpected},
		{name: "ingress 404 on key info", reason: "an ingress default backend's page", route: routeKeyInfo, status: 404,
			body: `<html><body><h1>404 Not Found</h1>nginx</body></html>`, want: ReasonUnexpected},
		{name: "other JSON 404 on team delete", reason: "another service's JSON", route: routeTeamDelete, status: 404,
			body: `{"message":"no Route matched with those values"}`, want: ReasonUnexpected},
		{name: "empty 404 on user delete", reason: "no body at all", route: routeUserDelete, status: 404, body: ``, want: ReasonUnexpected},
		{name: "unknown route on key update", reason: "the 404 branch of the per-endpoint rule too", route: routeKeyUpdate, status: 404,
			body: `{"detail":"Not Found"}`, want: ReasonUnexpected},
		{name: "unknown route on member delete", reason: "the 404 branch of memberGone too", route: routeTeamMemberDelete, status: 404,
			body: `{"detail":"Not Found"}`, want: ReasonUnexpected},
		{name: "shape B 404 with its own text", reason: "a LiteLLM HTTPException with a string detail", route: routeUserDelete, status: 404,
			body: `{"detail":"User u1 not found"}`, want: ReasonNotFound},
		{name: "user update never not-found", reason: "compat: POST /user/update: upsert", route: routeUserUpdate, status: 404,
			body: `{"detail":"Not Found"}`, want: ReasonUnexpected},

		// Already exists.
		{name: "generate duplicate alias", reason: "compat: POST /key/generate", route: routeKeyGenerate, status: 400,
			body: shapeA(400, "bad_request_error", "key_alias", "Key with alias 'a' already exists."), want: ReasonAlreadyExists},
		{name: "update alias of another key", reason: "compat: POST /key/update", route: routeKeyUpdate, status: 400,
			body: shapeA(400, "bad_request_error", "key_alias", "Key with alias 'a' already exists."), want: ReasonAlreadyExists},
		{name: "alias against key_alias_pattern", reason: "same status, type and param as a taken alias, but invalid", route: routeKeyGenerate, status: 400,
			body: shapeA(400, "bad_request_error", "key_alias", "Invalid key_alias format. Must be at most 255 characters and match the configured key_alias_pattern: ^[a-z]+$"),
			want: ReasonInvalidRequest},
		{name: "user new 409", reason: "≥1.81", route: routeUserNew, status: 409,
			body: shapeA(409, "internal_server_error", "None", "{'error': 'User with id u1 already exists'}"), want: ReasonAlreadyExists},
		{name: "user new duplicate email 400", reason: "before 1.81", route: routeUserNew, status: 400,
			body: shapeA(400, "internal_server_error", "None", "{'error': 'User with email a@b.c already exists'}"), want: ReasonAlreadyExists},
		{name: "team new duplicate", reason: "compat: POST /team/new", route: routeTeamNew, status: 400,
			body: shapeA(400, "internal_server_error", "None", "{'error': 'Team id = t1 already exists. Please use a different team id.'}"), want: ReasonAlreadyExists},
		{name: "member add duplicate", reason: "compat: POST /team/member_add", route: routeTeamMemberAdd, status: 400,
			body: shapeA(400, "team_member_already_in_team", "member", "User already in team."), want: ReasonAlreadyExists},
		{name: "member add duplicate, old shape C", reason: "older snapshot", route: routeTeamMemberAdd, status: 400,
			body: `{"detail":{"error":"User=u1 already in team. Existing members=[]"}}`, want: ReasonAlreadyExists},

		// Enterprise.
		{name: "generate tags", reason: "compat: Enterprise-only features: 403", route: routeKeyGenerate, status: 403,
			body: shapeA(403, "internal_server_error", "None", "{'error': 'This feature is only available for LiteLLM Enterprise users: tags. You must be a LiteLLM Enterprise user to use this feature.'}"),
			want: ReasonEnterpriseOnly, field: "tags"},
		{name: "generate model_max_budget", reason: "compat: Enterprise-only features: 500, not transient", route: routeKeyGenerate, status: 500,
			body: shapeA(500, "internal_server_error", "None", "Invalid model_max_budget: You must have an enterprise license to set model_max_budget."),
			want: ReasonEnterpriseOnly, field: "model_max_budget"},
		{name: "update guardrails", reason: "compat: Enterprise-only features: 403 auth_error", route: routeKeyUpdate, status: 403,
			body: shapeA(403, "auth_error", "None", "This feature is only available for LiteLLM Enterprise users: guardrails."),
			want: ReasonEnterpriseOnly, field: "guardrails"},
		{name: "member add admin", reason: "compat: Enterprise-only features: 400 C", route: routeTeamMemberAdd, status: 400,
			body: `{"detail":{"error":"Assigning team admins is a premium feature. You must be a LiteLLM Enterprise user to use this feature."}}`,
			want: ReasonEnterpriseOnly, field: "role"},
		{name: "member update admin", reason: "compat: Enterprise-only features: 400 B", route: routeTeamMemberUpdate, status: 400,
			body: `{"detail":"Assigning team admins is a premium feature."}`,
			want: ReasonEnterpriseOnly, field: "role"},
		{name: "regenerate", reason: "compat: POST /key/regenerate: 500 on OSS", route: routeKeyRegenerate, status: 500,
			body: shapeA(500, "internal_server_error", "None", "Regenerating Virtual Keys is an Enterprise feature"), want: ReasonEnterpriseOnly},
		{name: "regenerate, other 500 text", reason: "every 500 of /key/regenerate", route: routeKeyRegenerate, status: 500,
			body: shapeA(500, "internal_server_error", "None", "something"), want: ReasonEnterpriseOnly},

		// Budget, rate limits, server errors (compat: Retryable and permanent errors).
		{name: "429 budget exceeded", reason: "permanent (1.8x to v1.103)", route: routeKeyGenerate, status: 429,
			body: shapeA(429, "budget_exceeded", "None", "Budget has been exceeded! Key=a"), want: ReasonBudgetExceeded},
		{name: "422 budget exceeded", reason: "v1.104: not a validation error", route: "/chat/completions", status: 422,
			body: shapeA(422, "budget_exceeded", "None", "Budget has been exceeded! Key=a"), want: ReasonBudgetExceeded},
		{name: "422 budget by message", reason: "the budget text with another type", route: "/chat/completions", status: 422,
			body: shapeA(422, "auth_error", "None", "Budget has been exceeded! Team=t1"), want: ReasonBudgetExceeded},
		{name: "400 budget exceeded", reason: "older releases", route: "/chat/completions", status: 400,
			body: shapeA(400, "budget_exceeded", "None", "Budget has been exceeded!"), want: ReasonBudgetExceeded},

		// Custom key values switched off.
		{name: "custom key refused", reason: "disable_custom_api_keys: 403 with LiteLLM's text", route: routeKeyGenerate, status: 403,
			body: shapeA(403, "internal_server_error", "None", "{'error': 'Custom API key values are disabled by your administrator. Keys must be auto-generated.'}"),
			want: ReasonCustomKeyRefused},
		{name: "custom key refused, shape C", reason: "should a release not wrap it", route: routeKeyGenerate, status: 403,
			body: `{"detail":{"error":"Custom API key values are disabled by your administrator. Keys must be auto-generated."}}`, want: ReasonCustomKeyRefused},
		{name: "other 403 on generate", reason: "a non-admin caller is not a custom-key refusal", route: routeKeyGenerate, status: 403,
			body: shapeA(403, "auth_error", "None", "user not allowed to access this route"), want: ReasonForbidden},
		{name: "custom key text on another route", reason: "only /key/generate has the rule", route: routeKeyUpdate, status: 403,
			body: shapeA(403, "auth_error", "None", "Keys must be auto-generated."), want: ReasonForbidden},
		{name: "429 rate limit", reason: "transient", route: routeKeyInfo, status: 429,
			body: shapeA(429, "None", "None", "Rate limit exceeded"), want: ReasonRateLimited, retryable: true},
		{name: "500 plain", reason: "transient", route: routeKeyInfo, status: 500,
			body: shapeA(500, "internal_server_error", "None", "DB timeout"), want: ReasonServerError, retryable: true},
		{name: "500 invalid duration", reason: "compat: Durations: permanent", route: routeKeyGenerate, status: 500,
			body: shapeA(500, "internal_server_error", "None", "Unsupported duration unit, passed duration: 30"), want: ReasonInvalidRequest},
		{name: "500 invalid request type", reason: "compat: POST /key/delete: permanent", route: routeKeyDelete, status: 500,
			body: shapeA(500, "internal_server_error", "None", "Invalid request type"), want: ReasonInvalidRequest},
		{name: "502", reason: "transient", route: routeKeyInfo, status: 502, body: `bad gateway`, want: ReasonServerError, retryable: true},
		{name: "503", reason: "transient", route: routeKeyInfo, status: 503, body: `{"detail":"Service Unhealthy"}`, want: ReasonServerError, retryable: true},
		{name: "504", reason: "transient", route: routeKeyInfo, status: 504, body: ``, want: ReasonServerError, retryable: true},
		{name: "501", reason: "will not change", route: routeKeyInfo, status: 501, body: ``, want: ReasonUnexpected},
		{name: "422", reason: "validation", route: routeKeyList, status: 422,
			body: `{"detail":[{"type":"x","loc":["query","size"],"msg":"too big"}]}`, want: ReasonInvalidRequest},
		{name: "400 invalid duration", reason: "newer releases (compat: Durations)", route: routeKeyUpdate, status: 400,
			body: shapeA(400, "auth_error", "None", "Authentication Error, Invalid duration '30'"), want: ReasonInvalidRequest},
		{name: "403 generic", reason: "not Enterprise", route: routeKeyInfo, status: 403,
			body: shapeA(403, "auth_error", "None", "user not allowed"), want: ReasonForbidden},
		{name: "model denied 401", reason: "≤1.8x (compat: Request-time checks)", route: "/chat/completions", status: 401,
			body: shapeA(401, "key_model_access_denied", "model", "key not allowed to access model"), want: ReasonForbidden},
		{name: "expired 401", reason: "current (compat: Request-time checks)", route: "/chat/completions", status: 401,
			body: shapeA(401, "expired_key", "None", "Expired Key"), want: ReasonUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := decodeError("POST", tc.route, tc.status, http.Header{}, []byte(tc.body), newRedactor(testMasterKey))
			assert.Equal(t, tc.want, e.Reason, "%s: %s", tc.reason, e.Error())
			assert.Equal(t, tc.retryable, e.Retryable, tc.reason)
			assert.Equal(t, tc.field, e.Field, tc.reason)
		})
	}
}

func TestPredicates(t *testing.T) {
	mk := func(r Reason, retryable bool) error {
		return fmt.Errorf("wrapped: %w", &Error{Method: "POST", Endpoint: "/x", Reason: r, Retryable: retryable, Field: "tags"})
	}
	cases := []struct {
		name  string
		err   error
		check func(error) bool
		want  bool
	}{
		{"not found", mk(ReasonNotFound, false), IsNotFound, true},
		{"already exists", mk(ReasonAlreadyExists, false), IsAlreadyExists, true},
		{"unauthorized", mk(ReasonUnauthorized, false), IsUnauthorized, true},
		{"forbidden", mk(ReasonForbidden, false), IsForbidden, true},
		{"enterprise", mk(ReasonEnterpriseOnly, false), IsEnterpriseOnly, true},
		{"budget", mk(ReasonBudgetExceeded, false), IsBudgetExceeded, true},
		{"custom key refused", mk(ReasonCustomKeyRefused, false), IsCustomKeyRefused, true},
		{"unknown budget", mk(ReasonUnknownBudget, false), IsUnknownBudget, true},
		{"unknown budget is not invalid", mk(ReasonUnknownBudget, false), IsInvalidRequest, false},
		{"invalid", mk(ReasonInvalidRequest, false), IsInvalidRequest, true},
		{"transient", mk(ReasonServerError, true), IsTransient, true},
		{"permanent is not transient", mk(ReasonInvalidRequest, false), IsTransient, false},
		{"response lost", mk(ReasonResponseLost, true), IsResponseLost, true},
		{"refused", mk(ReasonConnectionRefused, true), IsConnectionRefused, true},
		{"refused is not lost", mk(ReasonConnectionRefused, true), IsResponseLost, false},
		{"foreign error", errors.New("x"), IsNotFound, false},
		{"nil", nil, IsTransient, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.check(tc.err))
		})
	}
	assert.Equal(t, "tags", EnterpriseField(mk(ReasonEnterpriseOnly, false)))
	assert.Empty(t, EnterpriseField(mk(ReasonNotFound, false)))
	assert.True(t, errors.Is(mk(ReasonResponseLost, true), ErrResponseLost))
}

func TestUserInfoEmpty200IsNotFound(t *testing.T) {
	cases := []struct {
		name string
		body string
		want bool
	}{
		{"null user_info", `{"user_id":"u1","user_info":null,"keys":[],"teams":[]}`, true},
		{"empty user_info", `{"user_id":"u1","user_info":{},"keys":[],"teams":[]}`, true},
		{"spend-only user_info", `{"user_id":"u1","user_info":{"spend":0.5},"keys":[],"teams":[]}`, true},
		{"no user_info", `{"user_id":"u1"}`, true},
		{"a real row", `{"user_id":"u1","user_info":{"user_id":"u1","spend":0},"keys":[],"teams":[]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveFunc(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tc.body) })
			c, _ := newTestClient(t, srv.URL, fastRetry)
			_, err := c.UserInfo(context.Background(), "u1")
			assert.Equal(t, tc.want, IsNotFound(err), "1.80 answers 200 with an empty user_info (compat: GET /user/info): %v", err)
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"zero", "0", 0},
		{"negative", "-2", 0},
		{"http date", now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"date in the past", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"absent", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseRetryAfter(tc.value, now))
		})
	}
	h := http.Header{}
	h.Set("Retry-After", "7")
	e := decodeError("GET", routeKeyInfo, 429, h, []byte(shapeA(429, "None", "None", "slow down")), newRedactor())
	assert.Equal(t, 7*time.Second, e.RetryAfter)
	assert.Equal(t, 7*time.Second, RetryAfter(e))
	e = decodeError("GET", routeKeyInfo, 500, h, []byte(``), newRedactor())
	assert.Zero(t, e.RetryAfter, "only 429 and 503 carry Retry-After")
	require.NotNil(t, e)
}
