package litellm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Team member roles (compat: POST /team/member_add).
const (
	RoleUser  = "user"
	RoleAdmin = "admin" // Enterprise-only on member_add and member_update
)

// ProxyAdminUserID is the user the master key acts as. /team/new adds it to every team as admin
// (compat: Authentication; POST /team/new): ignore it when comparing a team's members with a spec.
const ProxyAdminUserID = "default_user_id"

// TeamMember is an entry of members_with_roles, and the member of /team/member_add. Role is "admin"
// or "user"; "admin" is Enterprise-only on member_add and member_update (compat: Enterprise-only features).
type TeamMember struct {
	UserID    string `json:"user_id,omitempty"`
	UserEmail string `json:"user_email,omitempty"`
	Role      string `json:"role,omitempty"`
}

// TeamNewRequest is the body of POST /team/new (compat: POST /team/new). Empty tags/guardrails are omitted: they are
// Enterprise-only and older proxies refuse even [] (compat: Enterprise-only features).
type TeamNewRequest struct {
	TeamID                string            `json:"team_id,omitempty"`
	TeamAlias             string            `json:"team_alias,omitempty"`
	MembersWithRoles      []TeamMember      `json:"members_with_roles,omitempty"`
	Metadata              map[string]any    `json:"metadata,omitempty"`
	TPMLimit              *int              `json:"tpm_limit,omitempty"`
	RPMLimit              *int              `json:"rpm_limit,omitempty"`
	MaxParallelRequests   *int              `json:"max_parallel_requests,omitempty"`
	MaxBudget             *float64          `json:"max_budget,omitempty"`
	BudgetDuration        string            `json:"budget_duration,omitempty"`
	Models                []string          `json:"models,omitempty"`
	Blocked               *bool             `json:"blocked,omitempty"`
	Tags                  []string          `json:"tags,omitempty"`
	Guardrails            []string          `json:"guardrails,omitempty"`
	OrganizationID        string            `json:"organization_id,omitempty"`
	ModelAliases          map[string]string `json:"model_aliases,omitempty"`
	TeamMemberPermissions []string          `json:"team_member_permissions,omitempty"`
}

// TeamUpdateRequest is the body of POST /team/update (compat: POST /team/update): unset fields are unchanged, Null
// writes null. Members are changed with the member calls, not here.
type TeamUpdateRequest struct {
	TeamID                string                      `json:"team_id"`
	TeamAlias             Optional[string]            `json:"team_alias,omitzero"`
	Metadata              Optional[map[string]any]    `json:"metadata,omitzero"`
	TPMLimit              Optional[int]               `json:"tpm_limit,omitzero"`
	RPMLimit              Optional[int]               `json:"rpm_limit,omitzero"`
	MaxParallelRequests   Optional[int]               `json:"max_parallel_requests,omitzero"`
	MaxBudget             Optional[float64]           `json:"max_budget,omitzero"`
	BudgetDuration        Optional[string]            `json:"budget_duration,omitzero"`
	Models                Optional[[]string]          `json:"models,omitzero"`
	Blocked               Optional[bool]              `json:"blocked,omitzero"`
	Tags                  Optional[[]string]          `json:"tags,omitzero"`
	Guardrails            Optional[[]string]          `json:"guardrails,omitzero"`
	OrganizationID        Optional[string]            `json:"organization_id,omitzero"`
	ModelAliases          Optional[map[string]string] `json:"model_aliases,omitzero"`
	TeamMemberPermissions Optional[[]string]          `json:"team_member_permissions,omitzero"`
}

// Team is a team row. Every field may be absent or null. Keys and TeamMemberships are filled by
// /team/list only.
type Team struct {
	TeamID                string           `json:"team_id,omitempty"`
	TeamAlias             string           `json:"team_alias,omitempty"`
	OrganizationID        string           `json:"organization_id,omitempty"`
	MembersWithRoles      []TeamMember     `json:"members_with_roles,omitempty"`
	Metadata              map[string]any   `json:"metadata,omitempty"`
	TPMLimit              *int             `json:"tpm_limit,omitempty"`
	RPMLimit              *int             `json:"rpm_limit,omitempty"`
	MaxParallelRequests   *int             `json:"max_parallel_requests,omitempty"`
	MaxBudget             *float64         `json:"max_budget,omitempty"`
	BudgetDuration        string           `json:"budget_duration,omitempty"`
	BudgetResetAt         *Time            `json:"budget_reset_at,omitempty"`
	Models                []string         `json:"models,omitempty"`
	Blocked               *bool            `json:"blocked,omitempty"`
	Spend                 float64          `json:"spend,omitempty"`
	ModelSpend            map[string]any   `json:"model_spend,omitempty"`
	ModelMaxBudget        map[string]any   `json:"model_max_budget,omitempty"`
	ModelID               any              `json:"model_id,omitempty"`
	LiteLLMModelTable     map[string]any   `json:"litellm_model_table,omitempty"`
	TeamMemberPermissions []string         `json:"team_member_permissions,omitempty"`
	CreatedAt             *Time            `json:"created_at,omitempty"`
	UpdatedAt             *Time            `json:"updated_at,omitempty"`
	Keys                  []Key            `json:"keys,omitempty"`
	TeamMemberships       []TeamMembership `json:"team_memberships,omitempty"`
}

// TeamMembership is a member's per-team budget row; max_budget_in_team is
// LiteLLMBudgetTable.MaxBudget (compat: GET /team/info).
type TeamMembership struct {
	TeamID             string  `json:"team_id,omitempty"`
	UserID             string  `json:"user_id,omitempty"`
	Spend              float64 `json:"spend,omitempty"`
	BudgetID           string  `json:"budget_id,omitempty"`
	LiteLLMBudgetTable *Budget `json:"litellm_budget_table,omitempty"`
}

// TeamUpdateResponse is the answer of /team/update.
type TeamUpdateResponse struct {
	TeamID string `json:"team_id,omitempty"`
	Data   Team   `json:"data"`
}

// TeamInfoResponse is the answer of /team/info. Its key rows include the hash (compat: GET /team/info).
type TeamInfoResponse struct {
	TeamID          string           `json:"team_id,omitempty"`
	TeamInfo        Team             `json:"team_info"`
	Keys            []Key            `json:"keys,omitempty"`
	TeamMemberships []TeamMembership `json:"team_memberships,omitempty"`
}

// TeamDeleteResponse echoes the ids sent.
type TeamDeleteResponse struct {
	DeletedTeams []string `json:"deleted_teams,omitempty"`
}

// TeamListOptions are the query parameters of /team/list.
type TeamListOptions struct {
	UserID         string
	OrganizationID string
}

// TeamMemberAddRequest is the body of POST /team/member_add (compat: POST /team/member_add). Set Member.UserID when known:
// with only an email LiteLLM creates a new user if none matches.
type TeamMemberAddRequest struct {
	TeamID          string     `json:"team_id"`
	Member          TeamMember `json:"member"`
	MaxBudgetInTeam *float64   `json:"max_budget_in_team,omitempty"`
}

// TeamMemberAddResponse is the team row plus the users LiteLLM created or updated.
type TeamMemberAddResponse struct {
	Team
	UpdatedUsers           []User           `json:"updated_users,omitempty"`
	UpdatedTeamMemberships []TeamMembership `json:"updated_team_memberships,omitempty"`
}

// TeamMemberDeleteRequest is the body of POST /team/member_delete (compat: POST /team/member_delete).
type TeamMemberDeleteRequest struct {
	TeamID    string `json:"team_id"`
	UserID    string `json:"user_id,omitempty"`
	UserEmail string `json:"user_email,omitempty"`
}

// TeamMemberUpdateRequest is the body of POST /team/member_update (compat: POST /team/member_update).
type TeamMemberUpdateRequest struct {
	TeamID          string   `json:"team_id"`
	UserID          string   `json:"user_id,omitempty"`
	UserEmail       string   `json:"user_email,omitempty"`
	Role            string   `json:"role,omitempty"`
	MaxBudgetInTeam *float64 `json:"max_budget_in_team,omitempty"`
	TPMLimit        *int     `json:"tpm_limit,omitempty"`
	RPMLimit        *int     `json:"rpm_limit,omitempty"`
	// RemoveMaxBudgetInTeam sends "max_budget_in_team": null, which removes the member budget on
	// current proxies; older ones ignore it, so observe the result with TeamInfo
	// (compat: Team members). Ignored when MaxBudgetInTeam is set.
	RemoveMaxBudgetInTeam bool `json:"-"`
}

// MarshalJSON writes the request, with an explicit null budget for RemoveMaxBudgetInTeam.
func (r TeamMemberUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain TeamMemberUpdateRequest
	if !r.RemoveMaxBudgetInTeam || r.MaxBudgetInTeam != nil {
		return json.Marshal(plain(r))
	}
	return json.Marshal(struct {
		plain
		MaxBudgetInTeam *float64 `json:"max_budget_in_team"` // shadows the omitempty field: null
	}{plain: plain(r)})
}

// TeamMemberUpdateResponse is the answer of /team/member_update.
type TeamMemberUpdateResponse struct {
	TeamID          string   `json:"team_id,omitempty"`
	UserID          string   `json:"user_id,omitempty"`
	UserEmail       string   `json:"user_email,omitempty"`
	MaxBudgetInTeam *float64 `json:"max_budget_in_team,omitempty"`
	TPMLimit        *int     `json:"tpm_limit,omitempty"`
	RPMLimit        *int     `json:"rpm_limit,omitempty"`
}

// NewTeam creates a team (POST /team/new). A duplicate team_id is IsAlreadyExists (400). With the
// master key LiteLLM adds {"role":"admin","user_id":"default_user_id"} to the members (compat: POST /team/new).
//
// Retry: only when the request never reached LiteLLM; a repeat after a lost response answers 400
// "already exists" (compat: Retries and lost responses), so the caller observes with TeamInfo instead.
func (c *Client) NewTeam(ctx context.Context, req TeamNewRequest) (*Team, error) {
	var out Team
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamNew, body: req, safety: retryUnsent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateTeam changes a team (POST /team/update). Unknown → IsNotFound (404).
//
// Retry: yes (compat: Retries and lost responses), except when BudgetDuration is set: a repeat would move budget_reset_at again,
// so then only unsent requests are repeated.
func (c *Client) UpdateTeam(ctx context.Context, req TeamUpdateRequest) (*TeamUpdateResponse, error) {
	safety := retryIdempotent
	if !req.BudgetDuration.IsZero() {
		safety = retryUnsent
	}
	var out TeamUpdateResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamUpdate, body: req, safety: safety}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TeamInfo reads a team (GET /team/info?team_id=). Unknown → IsNotFound (404).
//
// Retry: yes, a read.
func (c *Client) TeamInfo(ctx context.Context, teamID string) (*TeamInfoResponse, error) {
	if teamID == "" {
		return nil, &Error{Method: http.MethodGet, Endpoint: routeTeamInfo, Reason: ReasonInvalidRequest, Message: "team id is empty"}
	}
	var out TeamInfoResponse
	if err := c.do(ctx, call{method: http.MethodGet, route: routeTeamInfo, query: url.Values{"team_id": {teamID}},
		safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTeams deletes teams and every key of theirs (POST /team/delete, compat: POST /team/delete). Any unknown id →
// IsNotFound (404) and nothing is deleted: delete one team per call.
//
// Retry: yes; a repeat of an applied delete gives that 404 (compat: Retries and lost responses).
func (c *Client) DeleteTeams(ctx context.Context, teamIDs ...string) (*TeamDeleteResponse, error) {
	var out TeamDeleteResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamDelete,
		body: map[string][]string{"team_ids": teamIDs}, safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTeams lists teams (GET /team/list): a bare JSON array, no pagination and no alias filter —
// find a team by alias by filtering exactly on the client side, expecting 0, 1 or more (compat: GET /team/list).
//
// Retry: yes, a read.
func (c *Client) ListTeams(ctx context.Context, opts TeamListOptions) ([]Team, error) {
	q := url.Values{}
	setString(q, "user_id", opts.UserID)
	setString(q, "organization_id", opts.OrganizationID)
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodGet, route: routeTeamList, query: q, safety: retryIdempotent}, &raw); err != nil {
		return nil, err
	}
	var teams []Team
	if jsonKind(raw) == '{' { // the paginated /v2 form, should a proxy answer with it
		var page struct {
			Teams []Team `json:"teams"`
		}
		err := json.Unmarshal(raw, &page)
		return page.Teams, c.decodeFailure(http.MethodGet, routeTeamList, err)
	}
	err := json.Unmarshal(raw, &teams)
	return teams, c.decodeFailure(http.MethodGet, routeTeamList, err)
}

// teamListPageSize is the page size TeamsByAlias asks /v2/team/list for (its maximum).
var teamListPageSize = 100

// maxTeamListPages bounds TeamsByAlias: a proxy that keeps announcing more pages is an error,
// not an endless loop.
const maxTeamListPages = 1000

// teamListV2Page is one page of /v2/team/list.
type teamListV2Page struct {
	Teams      []Team `json:"teams"`
	Total      int    `json:"total"`
	TotalPages int    `json:"total_pages"`
}

// TeamsByAlias returns the teams whose alias is exactly alias (aliases are not unique: zero, one
// or several), without downloading every team with its key rows as /team/list does. It reads
// every page of GET /v2/team/list?team_alias= (a case-insensitive partial match) and keeps exact
// matches; where /v2/team/list answers 404 (proxies before it existed) it falls back to /team/list.
// Teams created or deleted while the pages are read can be missed or seen twice: duplicates are
// dropped (compat: Listing teams).
//
// Retry: yes, reads.
func (c *Client) TeamsByAlias(ctx context.Context, alias string) ([]Team, error) {
	if alias == "" {
		return nil, &Error{Method: http.MethodGet, Endpoint: routeTeamListV2, Reason: ReasonInvalidRequest, Message: "team alias is empty"}
	}
	var out []Team
	seen := map[string]bool{}
	for page := 1; page <= maxTeamListPages; page++ {
		q := url.Values{"team_alias": {alias}, "page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(teamListPageSize)}}
		var resp teamListV2Page
		err := c.do(ctx, call{method: http.MethodGet, route: routeTeamListV2, query: q, safety: retryIdempotent}, &resp)
		if e, ok := AsError(err); ok && page == 1 && e.StatusCode == http.StatusNotFound {
			return c.teamsByAliasFromFullList(ctx, alias)
		}
		if err != nil {
			return nil, err
		}
		for _, t := range resp.Teams {
			if t.TeamAlias == alias && !seen[t.TeamID] {
				seen[t.TeamID] = true
				out = append(out, t)
			}
		}
		if page >= resp.TotalPages || len(resp.Teams) == 0 {
			return out, nil
		}
	}
	return nil, &Error{Method: http.MethodGet, Endpoint: routeTeamListV2, Reason: ReasonInvalidResponse,
		Message: fmt.Sprintf("more than %d pages of teams match the alias", maxTeamListPages)}
}

// teamsByAliasFromFullList is TeamsByAlias on a proxy without /v2/team/list.
func (c *Client) teamsByAliasFromFullList(ctx context.Context, alias string) ([]Team, error) {
	all, err := c.ListTeams(ctx, TeamListOptions{})
	if err != nil {
		return nil, err
	}
	var out []Team
	for _, t := range all {
		if t.TeamAlias == alias {
			out = append(out, t)
		}
	}
	return out, nil
}

// BlockTeam blocks a team (POST /team/block): its keys are refused at request time (compat: Request-time checks).
//
// Retry: yes, blocking a blocked team changes nothing.
func (c *Client) BlockTeam(ctx context.Context, teamID string) (*Team, error) {
	return c.setTeamBlocked(ctx, routeTeamBlock, teamID)
}

// UnblockTeam unblocks a team (POST /team/unblock).
//
// Retry: yes, idempotent like BlockTeam.
func (c *Client) UnblockTeam(ctx context.Context, teamID string) (*Team, error) {
	return c.setTeamBlocked(ctx, routeTeamUnblock, teamID)
}

func (c *Client) setTeamBlocked(ctx context.Context, route, teamID string) (*Team, error) {
	var out Team
	if err := c.do(ctx, call{method: http.MethodPost, route: route, body: map[string]string{"team_id": teamID},
		safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddTeamMember adds a member (POST /team/member_add). Already a member → IsAlreadyExists (treat as
// done); unknown team → IsNotFound (404); role "admin" on a free proxy → IsEnterpriseOnly (400).
//
// Retry: only when the request never reached LiteLLM. A repeat after a lost response would answer
// "already in team", which hides whether the budget was applied: the caller observes with TeamInfo.
func (c *Client) AddTeamMember(ctx context.Context, req TeamMemberAddRequest) (*TeamMemberAddResponse, error) {
	var out TeamMemberAddResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamMemberAdd, body: req, safety: retryUnsent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTeamMember removes a member (POST /team/member_delete). Not a member, or unknown team →
// IsNotFound (LiteLLM answers 400, compat: POST /team/member_delete): treat as done. Current releases also delete the member's
// keys of that team.
//
// Retry: yes; a repeat of an applied call gives that not-found (compat: Not-found answers per endpoint).
func (c *Client) DeleteTeamMember(ctx context.Context, req TeamMemberDeleteRequest) (*Team, error) {
	var out Team
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamMemberDelete, body: req, safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateTeamMember changes a member's role or budget (POST /team/member_update). Unknown team, or a
// non-member named by email → IsNotFound (400, compat: POST /team/member_update); role "admin" on a free proxy →
// IsEnterpriseOnly.
//
// Retry: yes, the same body gives the same result (compat: Retries and lost responses).
func (c *Client) UpdateTeamMember(ctx context.Context, req TeamMemberUpdateRequest) (*TeamMemberUpdateResponse, error) {
	var out TeamMemberUpdateResponse
	if err := c.do(ctx, call{method: http.MethodPost, route: routeTeamMemberUpdate, body: req, safety: retryIdempotent}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
