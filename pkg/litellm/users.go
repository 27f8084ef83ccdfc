package litellm

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// UserNewRequest is the body of POST /user/new (compat: POST /user/new). LiteLLM's auto_create_key defaults to true
// and creates a key of its own: the operator sends AutoCreateKey=false and manages keys itself.
// Teams is best avoided: LiteLLM swallows every membership failure (compat: POST /user/new); use AddTeamMember.
type UserNewRequest struct {
	UserID               string                 `json:"user_id,omitempty"`
	UserEmail            string                 `json:"user_email,omitempty"`
	UserAlias            string                 `json:"user_alias,omitempty"`
	UserRole             string                 `json:"user_role,omitempty"`
	Teams                []string               `json:"teams,omitempty"`
	MaxBudget            *float64               `json:"max_budget,omitempty"`
	SoftBudget           *float64               `json:"soft_budget,omitempty"`
	Spend                *float64               `json:"spend,omitempty"`
	BudgetDuration       string                 `json:"budget_duration,omitempty"`
	Models               []string               `json:"models,omitempty"`
	TPMLimit             *int                   `json:"tpm_limit,omitempty"`
	RPMLimit             *int                   `json:"rpm_limit,omitempty"`
	MaxParallelRequests  *int                   `json:"max_parallel_requests,omitempty"`
	ModelMaxBudget       map[string]ModelBudget `json:"model_max_budget,omitempty"`
	ModelRPMLimit        map[string]int         `json:"model_rpm_limit,omitempty"`
	ModelTPMLimit        map[string]int         `json:"model_tpm_limit,omitempty"`
	Metadata             map[string]any         `json:"metadata,omitempty"`
	Aliases              map[string]string      `json:"aliases,omitempty"`
	Config               map[string]any         `json:"config,omitempty"`
	Permissions          map[string]any         `json:"permissions,omitempty"`
	AllowedCacheControls []string               `json:"allowed_cache_controls,omitempty"`
	Guardrails           []string               `json:"guardrails,omitempty"`
	Blocked              *bool                  `json:"blocked,omitempty"`
	AutoCreateKey        *bool                  `json:"auto_create_key,omitempty"`
	KeyAlias             string                 `json:"key_alias,omitempty"`
	Duration             string                 `json:"duration,omitempty"`
	SendInviteEmail      *bool                  `json:"send_invite_email,omitempty"`
	SSOUserID            string                 `json:"sso_user_id,omitempty"`
	Organizations        []string               `json:"organizations,omitempty"`
}

// UserUpdateRequest is the body of POST /user/update (compat: POST /user/update). LiteLLM ignores null, [] and {} values
// (so they are plain fields here, omitted when empty) except max_budget, whose null clears the
// budget. It creates the user when the id or email is unknown: it never reports not-found.
type UserUpdateRequest struct {
	UserID               string                 `json:"user_id,omitempty"`
	UserEmail            string                 `json:"user_email,omitempty"`
	UserAlias            string                 `json:"user_alias,omitempty"`
	UserRole             string                 `json:"user_role,omitempty"`
	MaxBudget            Optional[float64]      `json:"max_budget,omitzero"`
	SoftBudget           *float64               `json:"soft_budget,omitempty"`
	Spend                *float64               `json:"spend,omitempty"`
	BudgetDuration       string                 `json:"budget_duration,omitempty"`
	Models               []string               `json:"models,omitempty"`
	TPMLimit             *int                   `json:"tpm_limit,omitempty"`
	RPMLimit             *int                   `json:"rpm_limit,omitempty"`
	MaxParallelRequests  *int                   `json:"max_parallel_requests,omitempty"`
	ModelMaxBudget       map[string]ModelBudget `json:"model_max_budget,omitempty"`
	ModelRPMLimit        map[string]int         `json:"model_rpm_limit,omitempty"`
	ModelTPMLimit        map[string]int         `json:"model_tpm_limit,omitempty"`
	Metadata             map[string]any         `json:"metadata,omitempty"`
	Aliases              map[string]string      `json:"aliases,omitempty"`
	Config               map[string]any         `json:"config,omitempty"`
	Permissions          map[string]any         `json:"permissions,omitempty"`
	AllowedCacheControls []string               `json:"allowed_cache_controls,omitempty"`
	Guardrails           []string               `json:"guardrails,omitempty"`
	Blocked              *bool                  `json:"blocked,omitempty"`
	SSOUserID            string                 `json:"sso_user_id,omitempty"`
}

// User is a user row. Every field may be absent or null.
type User struct {
	UserID               string         `json:"user_id,omitempty"`
	UserEmail            string         `json:"user_email,omitempty"`
	UserAlias            string         `json:"user_alias,omitempty"`
	UserRole             string         `json:"user_role,omitempty"`
	Teams                []string       `json:"teams,omitempty"`
	MaxBudget            *float64       `json:"max_budget,omitempty"`
	SoftBudget           *float64       `json:"soft_budget,omitempty"`
	Spend                float64        `json:"spend,omitempty"`
	Models               []string       `json:"models,omitempty"`
	BudgetDuration       string         `json:"budget_duration,omitempty"`
	BudgetResetAt        *Time          `json:"budget_reset_at,omitempty"`
	TPMLimit             *int           `json:"tpm_limit,omitempty"`
	RPMLimit             *int           `json:"rpm_limit,omitempty"`
	MaxParallelRequests  *int           `json:"max_parallel_requests,omitempty"`
	Metadata             map[string]any `json:"metadata,omitempty"`
	ModelMaxBudget       map[string]any `json:"model_max_budget,omitempty"`
	ModelSpend           map[string]any `json:"model_spend,omitempty"`
	AllowedCacheControls []string       `json:"allowed_cache_controls,omitempty"`
	SSOUserID            string         `json:"sso_user_id,omitempty"`
	KeyCount             *int           `json:"key_count,omitempty"`
	CreatedAt            *Time          `json:"created_at,omitempty"`
	UpdatedAt            *Time          `json:"updated_at,omitempty"`
	CreatedBy            string         `json:"created_by,omitempty"`
	UpdatedBy            string         `json:"updated_by,omitempty"`
}

// UserNewResponse is the answer of /user/new: the user and, with auto_create_key, the raw key of
// the key LiteLLM created ("" otherwise). LiteLLM returns no hash here: use HashKey(RawKey).
type UserNewResponse struct {
	User
	// RawKey is the auto-created key's secret. Never log it.
	RawKey   string `json:"key,omitempty"`
	KeyName  string `json:"key_name,omitempty"`
	KeyAlias string `json:"key_alias,omitempty"`
	Expires  *Time  `json:"expires,omitempty"`
}

// UserUpdateResponse is the answer of /user/update.
type UserUpdateResponse struct {
	UserID string `json:"user_id,omitempty"`
	Data   User   `json:"data"`
}

// UserInfoResponse is the answer of /user/info.
type UserInfoResponse struct {
	UserID   string `json:"user_id,omitempty"`
	UserInfo *User  `json:"user_info,omitempty"`
	Keys     []Key  `json:"keys,omitempty"`
	Teams    []Team `json:"teams,omitempty"`
}

// UserListOptions are the query parameters of /user/list (compat: GET /user/list); zero values are not sent.
type UserListOptions struct {
	Page     int
	PageSize int // 1–100
	Role     string
	// UserIDs: one id is a case-insensitive substring match on LiteLLM's side, several are exact.
	UserIDs []string
	// UserEmail is a case-insensitive substring match: filter exactly on the client side.
	UserEmail string
	Team      string
}

// UserListResponse is the answer of /user/list.
type UserListResponse struct {
	Users      []User `json:"users,omitempty"`
	Total      int    `json:"total,omitempty"`
	Page       int    `json:"page,omitempty"`
	PageSize   int    `json:"page_size,omitempty"`
	TotalPages int    `json:"total_pages,omitempty"`
}

// NewUser creates a user (POST /user/new). A duplicate user_id or email is IsAlreadyExists (409;
// 400 for an email before 1.81). Before 1.81 a duplicate user_id answers 200 and changes nothing.
//
// Retry: only when the request never reached LiteLLM. A repeat after a lost response gives 409, or
// on ≤1.80 a second auto-created key (compat: Retries and lost responses): the caller observes with UserInfo instead.
func (c *Client) NewUser(ctx context.Context, req UserNewRequest) (*UserNewResponse, error) {
	var out UserNewResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeUserNew, body: req, safety: retryUnsent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateUser changes a user (POST /user/update); it creates a missing one (compat: POST /user/update).
//
// Retry: yes, the same body gives the same row (compat: Retries and lost responses).
func (c *Client) UpdateUser(ctx context.Context, req UserUpdateRequest) (*UserUpdateResponse, error) {
	var out UserUpdateResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeUserUpdate, body: req, safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UserInfo reads a user (GET /user/info?user_id=). Unknown → IsNotFound: 404 from ~1.83, but 200
// with a user_info that has no user_id on 1.80 (LiteLLM then returns only the spend of keys that
// name the id, compat: GET /user/info) — reported as not-found too, or a lost /user/new would never be repaired.
// An empty userID is refused: without it LiteLLM returns every key and team (compat: GET /user/info).
//
// Retry: yes, a read.
func (c *Client) UserInfo(ctx context.Context, userID string) (*UserInfoResponse, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, &Error{Method: http.MethodGet, Endpoint: routeUserInfo, Reason: ReasonInvalidRequest,
			Message: "user id is empty (without it LiteLLM lists every key and team of the proxy)"}
	}
	var out UserInfoResponse
	if err := c.do(ctx, call{method: http.MethodGet, route: routeUserInfo, query: url.Values{"user_id": {userID}},
		safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	if out.UserInfo == nil || out.UserInfo.UserID == "" {
		return nil, &Error{Method: http.MethodGet, Endpoint: routeUserInfo, StatusCode: http.StatusOK, Reason: ReasonNotFound,
			Message: "user " + c.redact.clean(userID) + " not found (LiteLLM answered 200 without a user row)"}
	}
	return &out, nil
}

// DeleteUsers deletes users (POST /user/delete) and returns how many LiteLLM deleted. LiteLLM also
// deletes their keys and memberships (compat: POST /user/delete). The first unknown id → IsNotFound (404), which a
// delete treats as done; send one id per call so that one missing user cannot block the others.
//
// Retry: yes; a repeat of an applied delete gives that 404 (compat: Retries and lost responses).
func (c *Client) DeleteUsers(ctx context.Context, userIDs ...string) (int, error) {
	var raw json.RawMessage
	err := c.do(ctx, call{method: http.MethodPost, route: routeUserDelete,
		body: map[string][]string{"user_ids": userIDs}, safety: retryIdempotent}, &raw)
	if err != nil {
		return 0, err
	}
	// The body is a bare number (compat: POST /user/delete); anything else still means success.
	var n int
	if json.Unmarshal(bytes.TrimSpace(raw), &n) != nil {
		n = len(userIDs)
	}
	return n, nil
}

// ListUsers lists users (GET /user/list).
//
// Retry: yes, a read.
func (c *Client) ListUsers(ctx context.Context, opts UserListOptions) (*UserListResponse, error) {
	q := url.Values{}
	setInt(q, "page", opts.Page)
	setInt(q, "page_size", opts.PageSize)
	setString(q, "role", opts.Role)
	setString(q, "user_ids", strings.Join(opts.UserIDs, ","))
	setString(q, "user_email", opts.UserEmail)
	setString(q, "team", opts.Team)
	var out UserListResponse
	if err := c.do(ctx, call{method: http.MethodGet, route: routeUserList, query: q, safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
