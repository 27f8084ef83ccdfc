package litellm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// KeyGenerateRequest is the body of POST /key/generate (compat: POST /key/generate). Unset fields are not sent, so
// LiteLLM's defaults apply. Empty tags/guardrails are omitted: older proxies refuse even [] (compat: Enterprise-only features).
type KeyGenerateRequest struct {
	// Key is the caller-chosen raw key ("sk-..."). The operator sets it unless the proxy refuses chosen
	// values (compat: Proxy settings); then it is empty and LiteLLM generates the key.
	Key                  string                 `json:"key,omitempty"`
	KeyAlias             string                 `json:"key_alias,omitempty"`
	Duration             string                 `json:"duration,omitempty"`
	Models               []string               `json:"models,omitempty"`
	MaxBudget            *float64               `json:"max_budget,omitempty"`
	BudgetDuration       string                 `json:"budget_duration,omitempty"`
	SoftBudget           *float64               `json:"soft_budget,omitempty"`
	Spend                *float64               `json:"spend,omitempty"`
	UserID               string                 `json:"user_id,omitempty"`
	TeamID               string                 `json:"team_id,omitempty"`
	OrganizationID       string                 `json:"organization_id,omitempty"`
	BudgetID             string                 `json:"budget_id,omitempty"`
	TPMLimit             *int                   `json:"tpm_limit,omitempty"`
	RPMLimit             *int                   `json:"rpm_limit,omitempty"`
	MaxParallelRequests  *int                   `json:"max_parallel_requests,omitempty"`
	ModelRPMLimit        map[string]int         `json:"model_rpm_limit,omitempty"`
	ModelTPMLimit        map[string]int         `json:"model_tpm_limit,omitempty"`
	ModelMaxBudget       map[string]ModelBudget `json:"model_max_budget,omitempty"`
	Metadata             map[string]any         `json:"metadata,omitempty"`
	Aliases              map[string]string      `json:"aliases,omitempty"`
	Config               map[string]any         `json:"config,omitempty"`
	Permissions          map[string]any         `json:"permissions,omitempty"`
	AllowedCacheControls []string               `json:"allowed_cache_controls,omitempty"`
	AllowedRoutes        []string               `json:"allowed_routes,omitempty"`
	Guardrails           []string               `json:"guardrails,omitempty"`
	Tags                 []string               `json:"tags,omitempty"`
	EnforcedParams       []string               `json:"enforced_params,omitempty"`
	Blocked              *bool                  `json:"blocked,omitempty"`
	SendInviteEmail      *bool                  `json:"send_invite_email,omitempty"`
	KeyType              string                 `json:"key_type,omitempty"`
}

// KeyUpdateRequest is the body of POST /key/update (compat: POST /key/update). Unset fields are left unchanged; Null
// clears a field (except BudgetDuration: LiteLLM ignores a null budget_duration). Duration sets the
// expiry from now (Null or "-1": never expires), so send it only when it changed.
type KeyUpdateRequest struct {
	// Key identifies the key: raw or hash. A raw key is sent as its hash unless AddressByRawKey.
	Key string `json:"key"`
	// AddressByRawKey sends a raw Key as it is. LiteLLM then drops its cached copy of the key, so
	// the change is enforced at once; sent as the hash, the old limits can stay in force until the
	// cache entry expires (compat: Auth cache). The raw key travels only in
	// the request body, and is redacted from every error and log line. Ignored for a hash.
	AddressByRawKey      bool                             `json:"-"`
	KeyAlias             Optional[string]                 `json:"key_alias,omitzero"`
	Duration             Optional[string]                 `json:"duration,omitzero"`
	Models               Optional[[]string]               `json:"models,omitzero"`
	MaxBudget            Optional[float64]                `json:"max_budget,omitzero"`
	BudgetDuration       Optional[string]                 `json:"budget_duration,omitzero"`
	SoftBudget           Optional[float64]                `json:"soft_budget,omitzero"`
	Spend                Optional[float64]                `json:"spend,omitzero"`
	UserID               Optional[string]                 `json:"user_id,omitzero"`
	TeamID               Optional[string]                 `json:"team_id,omitzero"`
	OrganizationID       Optional[string]                 `json:"organization_id,omitzero"`
	BudgetID             Optional[string]                 `json:"budget_id,omitzero"`
	TPMLimit             Optional[int]                    `json:"tpm_limit,omitzero"`
	RPMLimit             Optional[int]                    `json:"rpm_limit,omitzero"`
	MaxParallelRequests  Optional[int]                    `json:"max_parallel_requests,omitzero"`
	ModelRPMLimit        Optional[map[string]int]         `json:"model_rpm_limit,omitzero"`
	ModelTPMLimit        Optional[map[string]int]         `json:"model_tpm_limit,omitzero"`
	ModelMaxBudget       Optional[map[string]ModelBudget] `json:"model_max_budget,omitzero"`
	Metadata             Optional[map[string]any]         `json:"metadata,omitzero"`
	Aliases              Optional[map[string]string]      `json:"aliases,omitzero"`
	Config               Optional[map[string]any]         `json:"config,omitzero"`
	Permissions          Optional[map[string]any]         `json:"permissions,omitzero"`
	AllowedCacheControls Optional[[]string]               `json:"allowed_cache_controls,omitzero"`
	AllowedRoutes        Optional[[]string]               `json:"allowed_routes,omitzero"`
	Guardrails           Optional[[]string]               `json:"guardrails,omitzero"`
	Tags                 Optional[[]string]               `json:"tags,omitzero"`
	EnforcedParams       Optional[[]string]               `json:"enforced_params,omitzero"`
	Blocked              Optional[bool]                   `json:"blocked,omitzero"`
}

// Key is a key row as /key/info, /key/update, /key/block, /key/list and /team/info return it.
// Every field may be absent or null (compat: Differences between releases). Token (the hash) is stripped by /key/info; KeyInfo
// fills it in from the request.
type Key struct {
	Token                string         `json:"token,omitempty"`
	KeyName              string         `json:"key_name,omitempty"`
	KeyAlias             string         `json:"key_alias,omitempty"`
	Spend                float64        `json:"spend,omitempty"`
	MaxBudget            *float64       `json:"max_budget,omitempty"`
	SoftBudget           *float64       `json:"soft_budget,omitempty"`
	Expires              *Time          `json:"expires,omitempty"`
	Models               []string       `json:"models,omitempty"`
	Aliases              map[string]any `json:"aliases,omitempty"`
	Config               map[string]any `json:"config,omitempty"`
	Permissions          map[string]any `json:"permissions,omitempty"`
	UserID               string         `json:"user_id,omitempty"`
	TeamID               string         `json:"team_id,omitempty"`
	TeamAlias            string         `json:"team_alias,omitempty"`
	OrganizationID       string         `json:"organization_id,omitempty"`
	BudgetID             string         `json:"budget_id,omitempty"`
	MaxParallelRequests  *int           `json:"max_parallel_requests,omitempty"`
	TPMLimit             *int           `json:"tpm_limit,omitempty"`
	RPMLimit             *int           `json:"rpm_limit,omitempty"`
	Metadata             map[string]any `json:"metadata,omitempty"`
	Blocked              *bool          `json:"blocked,omitempty"`
	BudgetDuration       string         `json:"budget_duration,omitempty"`
	BudgetResetAt        *Time          `json:"budget_reset_at,omitempty"`
	AllowedCacheControls []string       `json:"allowed_cache_controls,omitempty"`
	AllowedRoutes        []string       `json:"allowed_routes,omitempty"`
	ModelSpend           map[string]any `json:"model_spend,omitempty"`
	ModelMaxBudget       map[string]any `json:"model_max_budget,omitempty"`
	SoftBudgetCooldown   *bool          `json:"soft_budget_cooldown,omitempty"`
	LiteLLMBudgetTable   *Budget        `json:"litellm_budget_table,omitempty"`
	CreatedAt            *Time          `json:"created_at,omitempty"`
	UpdatedAt            *Time          `json:"updated_at,omitempty"`
	CreatedBy            string         `json:"created_by,omitempty"`
	UpdatedBy            string         `json:"updated_by,omitempty"`
	RotationCount        *int           `json:"rotation_count,omitempty"`
	AutoRotate           *bool          `json:"auto_rotate,omitempty"`
	KeyRotationAt        *Time          `json:"key_rotation_at,omitempty"`
	LastRotationAt       *Time          `json:"last_rotation_at,omitempty"`
	ObjectPermission     map[string]any `json:"object_permission,omitempty"`
}

// KeyGenerateResponse is the answer of /key/generate and /key/regenerate (compat: POST /key/generate; POST /key/regenerate).
type KeyGenerateResponse struct {
	Key
	// RawKey is the raw key ("key" in the body): the secret itself. Never log it.
	RawKey  string `json:"key,omitempty"`
	TokenID string `json:"token_id,omitempty"`
	// Tags, Guardrails and EnforcedParams are top-level here; /key/info keeps them in metadata.
	Tags           []string `json:"tags,omitempty"`
	Guardrails     []string `json:"guardrails,omitempty"`
	EnforcedParams []string `json:"enforced_params,omitempty"`
}

// KeyInfoResponse is the answer of /key/info (compat: GET /key/info).
type KeyInfoResponse struct {
	// Key is the key as sent (the client sends hashes).
	Key  string `json:"key,omitempty"`
	Info Key    `json:"info"`
}

// KeyDeleteRequest names the keys to delete: by key (raw or hash; raw keys are sent as hashes) or,
// when Keys is empty, by alias — which deletes every key with that alias (compat: POST /key/delete).
type KeyDeleteRequest struct {
	Keys       []string `json:"keys,omitempty"`
	KeyAliases []string `json:"key_aliases,omitempty"`
}

// KeyDeleteResponse echoes what was sent, not what was deleted (compat: POST /key/delete).
type KeyDeleteResponse struct {
	DeletedKeys []string `json:"deleted_keys,omitempty"`
}

// KeyListOptions are the query parameters of /key/list (compat: GET /key/list); zero values are not sent.
type KeyListOptions struct {
	Page             int
	Size             int // 1–100; LiteLLM answers 422 above 100
	UserID           string
	TeamID           string
	OrganizationID   string
	KeyAlias         string // exact match
	KeyHash          string // raw keys are sent as hashes
	ReturnFullObject bool
	IncludeTeamKeys  bool
	SortBy           string
	SortOrder        string
	Status           string // "deleted" lists deleted keys
}

// KeyListResponse is the answer of /key/list. Hashes holds every key's hash; Keys holds the full
// rows when ReturnFullObject was set (LiteLLM returns bare hash strings otherwise, compat: GET /key/list).
type KeyListResponse struct {
	Hashes      []string `json:"-"`
	Keys        []Key    `json:"-"`
	TotalCount  int      `json:"total_count,omitempty"`
	CurrentPage int      `json:"current_page,omitempty"`
	TotalPages  int      `json:"total_pages,omitempty"`
}

// KeyRegenerateRequest is the body of /key/regenerate (compat: POST /key/regenerate; Enterprise-only).
type KeyRegenerateRequest struct {
	// Key identifies the key to rotate (raw keys are sent as hashes).
	Key string `json:"key"`
	// NewKey is the new raw key; empty lets LiteLLM choose.
	NewKey      string `json:"new_key,omitempty"`
	GracePeriod string `json:"grace_period,omitempty"`
}

// GenerateKey creates a key (POST /key/generate). A proxy that refuses chosen keys answers
// IsCustomKeyRefused; a budget_id LiteLLM does not have, IsUnknownBudget (see unknownBudget).
//
// Retry: only when the request never reached LiteLLM. Re-sending the same raw key is harmless
// without an alias, but with one LiteLLM answers 400 "alias already exists" (compat: POST /key/generate; Retries and lost responses); after a
// lost response (IsResponseLost) the caller must look the key up by HashKey(req.Key) with KeyInfo.
func (c *Client) GenerateKey(ctx context.Context, req KeyGenerateRequest) (*KeyGenerateResponse, error) {
	var out KeyGenerateResponse
	err := c.do(ctx, call{method: http.MethodPost, route: routeKeyGenerate, body: req,
		safety: retryUnsent, secrets: []string{req.Key}}, &out)
	if err != nil {
		return nil, c.unknownBudget(ctx, req, err)
	}
	// Old releases answer token_id: null and no token (compat: Differences between releases): the hash is known anyway.
	if out.Token == "" {
		out.Token = out.TokenID
	}
	if out.Token == "" && req.Key != "" {
		out.Token = HashKey(req.Key)
	}
	return &out, nil
}

// UpdateKey changes a key (POST /key/update). An unknown key is IsNotFound (404, or 401 before
// March 2026, compat: POST /key/update); another key's alias is IsAlreadyExists. The returned row has no raw key.
//
// Retry: yes, same body → same result (compat: Retries and lost responses) — except when Duration, Spend or KeyAlias is set: a
// repeat after a lost response would move the expiry again, overwrite spend accrued meanwhile, or
// (1.92, compat: POST /key/update) be refused because the key now holds the alias; then only unsent requests are
// repeated and the caller observes.
func (c *Client) UpdateKey(ctx context.Context, req KeyUpdateRequest) (*Key, error) {
	raw := req.Key
	if !req.AddressByRawKey {
		req.Key = keyRef(req.Key)
	}
	safety := retryIdempotent
	if !req.Duration.IsZero() || !req.Spend.IsZero() || !req.KeyAlias.IsZero() {
		safety = retryUnsent
	}
	var out Key
	if err := c.do(ctx, call{method: http.MethodPost, route: routeKeyUpdate, body: req,
		safety: safety, secrets: []string{raw}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteKeys deletes keys (POST /key/delete). When none exists LiteLLM answers 404: IsNotFound,
// which a delete treats as done (compat: POST /key/delete).
//
// Retry: yes; a repeat of an applied delete gives that 404 (compat: Retries and lost responses).
func (c *Client) DeleteKeys(ctx context.Context, req KeyDeleteRequest) (*KeyDeleteResponse, error) {
	secrets := append([]string(nil), req.Keys...)
	if len(req.Keys) > 0 {
		hashed := make([]string, len(req.Keys))
		for i, k := range req.Keys {
			hashed[i] = keyRef(k)
		}
		req.Keys = hashed
	}
	var out KeyDeleteResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeKeyDelete, body: req,
		safety: retryIdempotent, secrets: secrets}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// KeyInfo reads a key by raw key or hash (GET /key/info). Unknown → IsNotFound (404). The returned
// Info.Token is the hash, filled in because LiteLLM strips it (compat: GET /key/info).
//
// Retry: yes, a read.
func (c *Client) KeyInfo(ctx context.Context, key string) (*KeyInfoResponse, error) {
	ref := keyRef(key)
	var out KeyInfoResponse
	if err := c.do(ctx, call{method: http.MethodGet, route: routeKeyInfo, query: url.Values{"key": {ref}},
		safety: retryIdempotent, secrets: []string{key}}, &out); err != nil {
		return nil, err
	}
	if out.Info.Token == "" && isHash(ref) {
		out.Info.Token = ref
	}
	out.Key = ref
	return &out, nil
}

// ListKeys lists keys (GET /key/list).
//
// Retry: yes, a read.
func (c *Client) ListKeys(ctx context.Context, opts KeyListOptions) (*KeyListResponse, error) {
	q := url.Values{}
	setInt(q, "page", opts.Page)
	setInt(q, "size", opts.Size)
	setString(q, "user_id", opts.UserID)
	setString(q, "team_id", opts.TeamID)
	setString(q, "organization_id", opts.OrganizationID)
	setString(q, "key_alias", opts.KeyAlias)
	setString(q, "key_hash", keyRef(opts.KeyHash))
	setBool(q, "return_full_object", opts.ReturnFullObject)
	setBool(q, "include_team_keys", opts.IncludeTeamKeys)
	setString(q, "sort_by", opts.SortBy)
	setString(q, "sort_order", opts.SortOrder)
	setString(q, "status", opts.Status)
	var out KeyListResponse
	if err := c.do(ctx, call{method: http.MethodGet, route: routeKeyList, query: q,
		safety: retryIdempotent, secrets: []string{opts.KeyHash}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BlockKey blocks a key (POST /key/block) and returns the row. Unknown → IsNotFound (401, compat: POST /key/block and /key/unblock).
//
// Retry: yes, blocking a blocked key answers 200 (compat: Retries and lost responses).
func (c *Client) BlockKey(ctx context.Context, key string) (*Key, error) {
	return c.setKeyBlocked(ctx, routeKeyBlock, key)
}

// UnblockKey unblocks a key (POST /key/unblock). Unknown → IsNotFound.
//
// Retry: yes, idempotent like BlockKey.
func (c *Client) UnblockKey(ctx context.Context, key string) (*Key, error) {
	return c.setKeyBlocked(ctx, routeKeyUnblock, key)
}

func (c *Client) setKeyBlocked(ctx context.Context, route, key string) (*Key, error) {
	var out Key
	if err := c.do(ctx, call{method: http.MethodPost, route: route, body: map[string]string{"key": keyRef(key)},
		safety: retryIdempotent, secrets: []string{key}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RegenerateKey rotates a key in place (POST /key/regenerate). On a free proxy this is always
// IsEnterpriseOnly (500, compat: POST /key/regenerate); the operator rotates by generate-new + delete-old instead.
//
// Retry: never: every call issues a new key and invalidates the previous one.
func (c *Client) RegenerateKey(ctx context.Context, req KeyRegenerateRequest) (*KeyGenerateResponse, error) {
	raw := req.Key
	req.Key = keyRef(req.Key)
	var out KeyGenerateResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeKeyRegenerate, body: req,
		safety: neverRetry, secrets: []string{raw, req.NewKey}}, &out); err != nil {
		return nil, err
	}
	if out.Token == "" {
		out.Token = out.TokenID
	}
	return &out, nil
}

// UnmarshalJSON accepts both forms of `keys`: hash strings, or full rows with return_full_object.
func (r *KeyListResponse) UnmarshalJSON(b []byte) error {
	var raw struct {
		Keys        []json.RawMessage `json:"keys"`
		TotalCount  int               `json:"total_count"`
		CurrentPage int               `json:"current_page"`
		TotalPages  int               `json:"total_pages"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = KeyListResponse{TotalCount: raw.TotalCount, CurrentPage: raw.CurrentPage, TotalPages: raw.TotalPages}
	for _, item := range raw.Keys {
		switch jsonKind(item) {
		case '"':
			var h string
			if err := json.Unmarshal(item, &h); err != nil {
				return err
			}
			r.Hashes = append(r.Hashes, h)
		case '{':
			var k Key
			if err := json.Unmarshal(item, &k); err != nil {
				return err
			}
			r.Keys = append(r.Keys, k)
			r.Hashes = append(r.Hashes, k.Token)
		}
	}
	return nil
}

func setString(q url.Values, name, v string) {
	if v != "" {
		q.Set(name, v)
	}
}

func setInt(q url.Values, name string, v int) {
	if v != 0 {
		q.Set(name, strconv.Itoa(v))
	}
}

func setBool(q url.Values, name string, v bool) {
	if v {
		q.Set(name, "true")
	}
}

// unknownBudget reclassifies the failure of a /key/generate that names a budget_id. LiteLLM
// answers an unknown budget_id with a generic 500 (the key row's foreign key fails), which is
// otherwise a transient server fault; retrying it forever would never help. So a 500 on such a
// request is checked against /budget/info: when LiteLLM positively has no budget of that id, the
// error becomes IsUnknownBudget. Every other outcome keeps the 500 transient: the check failed
// (an older proxy without /budget/info, the proxy down), or the budget exists (a real fault).
// A soft_budget makes LiteLLM create a budget row of its own and ignore budget_id, so such a
// request is not checked (compat: Key budgets).
func (c *Client) unknownBudget(ctx context.Context, req KeyGenerateRequest, err error) error {
	e, ok := AsError(err)
	if !ok || e.Reason != ReasonServerError || e.StatusCode != http.StatusInternalServerError ||
		req.BudgetID == "" || req.SoftBudget != nil {
		return err
	}
	if exists, checkErr := c.BudgetExists(ctx, req.BudgetID); checkErr != nil || exists {
		return err
	}
	e.Reason, e.Retryable, e.Field = ReasonUnknownBudget, false, "budget_id"
	e.Message = truncate(c.redact.clean("budget_id "+strconv.Quote(req.BudgetID)+
		" does not exist in LiteLLM (checked with /budget/info); LiteLLM answered: "+e.Message), maxMessageLen)
	return e
}

// BudgetExists reports whether LiteLLM has a budget row with that id (POST /budget/info, which
// answers the rows it finds). Budgets are made with /budget/new, or by LiteLLM for a key's
// soft_budget and a team member's budget.
//
// Retry: yes, a read (sent as POST).
func (c *Client) BudgetExists(ctx context.Context, budgetID string) (bool, error) {
	var rows []Budget
	if err := c.do(ctx, call{method: http.MethodPost, route: routeBudgetInfo,
		body: map[string][]string{"budgets": {budgetID}}, safety: retryIdempotent}, &rows); err != nil {
		return false, err
	}
	for _, r := range rows {
		if r.BudgetID == budgetID {
			return true, nil
		}
	}
	return false, nil
}
