package litellmsim

import "time"

// Key is a stored virtual key row (LiteLLM_VerificationTokenTable). The raw key is never
// stored, as in LiteLLM: only its hash (Token).
type Key struct {
	Token          string // lowercase hex sha256 of the raw key
	KeyName        string // "sk-...<last 4>"
	KeyAlias       string // "" = null
	UserID         string // "" = null
	TeamID         string // "" = null
	OrganizationID string // "" = null
	BudgetID       string // "" = null

	MaxBudget  *float64
	SoftBudget *float64 // kept in a budget row by LiteLLM: never returned by /key/info
	Spend      float64
	// Blocked is the key's block flag. LiteLLM answers "blocked": null until a value was
	// written; BlockedSet records that a value (true or false) was written.
	Blocked    bool
	BlockedSet bool

	Expires        *time.Time
	Models         []string
	BudgetDuration string // "" = null
	BudgetResetAt  *time.Time

	TPMLimit, RPMLimit, MaxParallelRequests *int64

	Metadata       map[string]any
	Aliases        map[string]any
	Config         map[string]any
	Permissions    map[string]any
	ModelMaxBudget map[string]any
	ModelSpend     map[string]float64

	AllowedCacheControls []string
	AllowedRoutes        []string

	CreatedBy, UpdatedBy string
	CreatedAt, UpdatedAt time.Time

	RotationCount  int
	LastRotationAt *time.Time

	seq uint64 // creation order, to keep listings stable under a frozen clock
}

// User is a stored user row (LiteLLM_UserTable).
type User struct {
	UserID         string
	UserEmail      string // "" = null
	UserAlias      string // "" = null
	UserRole       string // "" = null
	SSOUserID      string // "" = null
	OrganizationID string // "" = null

	Teams     []string
	MaxBudget *float64
	Spend     float64
	Models    []string

	BudgetDuration string // "" = null
	BudgetResetAt  *time.Time

	TPMLimit, RPMLimit, MaxParallelRequests *int64

	Metadata             map[string]any
	ModelMaxBudget       map[string]any
	ModelSpend           map[string]float64
	AllowedCacheControls []string

	CreatedAt, UpdatedAt time.Time

	seq uint64
}

// Member is one entry of a team's members_with_roles.
type Member struct {
	UserID    string // "" = null
	UserEmail string // "" = null
	Role      string // "admin" or "user"
}

// Team is a stored team row (LiteLLM_TeamTable).
type Team struct {
	TeamID         string
	TeamAlias      string // "" = null
	OrganizationID string // "" = null

	MembersWithRoles []Member
	Metadata         map[string]any

	TPMLimit, RPMLimit, MaxParallelRequests *int64

	MaxBudget      *float64
	BudgetDuration string // "" = null
	BudgetResetAt  *time.Time
	Models         []string
	Blocked        bool
	Spend          float64

	ModelSpend     map[string]float64
	ModelMaxBudget map[string]any
	// ModelAliases is the team's model table (litellm_model_table); nil = no table.
	ModelAliases          map[string]any
	ModelID               *int64
	TeamMemberPermissions []string // nil = null

	CreatedAt, UpdatedAt time.Time

	seq uint64
}

// Membership is a team-membership row (LiteLLM_TeamMembership) with its budget row. LiteLLM only
// creates one when a per-member budget or limit is set.
type Membership struct {
	TeamID, UserID  string
	Spend           float64
	BudgetID        string
	MaxBudgetInTeam *float64
	TPMLimit        *int64
	RPMLimit        *int64
	CreatedAt       time.Time
}

// BudgetRow is a row of LiteLLM's budget table (LiteLLM_BudgetTable) created by /budget/new or by a
// soft_budget on /key/generate. Team members' budget rows live in their Membership.
type BudgetRow struct {
	BudgetID       string
	MaxBudget      *float64
	SoftBudget     *float64
	BudgetDuration string // "" = null
	CreatedAt      time.Time
}

func cloneKey(k *Key) Key {
	c := *k
	c.MaxBudget = cloneFloat(k.MaxBudget)
	c.SoftBudget = cloneFloat(k.SoftBudget)
	c.Expires = cloneTime(k.Expires)
	c.BudgetResetAt = cloneTime(k.BudgetResetAt)
	c.LastRotationAt = cloneTime(k.LastRotationAt)
	c.TPMLimit, c.RPMLimit, c.MaxParallelRequests = cloneInt(k.TPMLimit), cloneInt(k.RPMLimit), cloneInt(k.MaxParallelRequests)
	c.Models = cloneStrings(k.Models)
	c.AllowedCacheControls = cloneStrings(k.AllowedCacheControls)
	c.AllowedRoutes = cloneStrings(k.AllowedRoutes)
	c.Metadata = cloneObject(k.Metadata)
	c.Aliases = cloneObject(k.Aliases)
	c.Config = cloneObject(k.Config)
	c.Permissions = cloneObject(k.Permissions)
	c.ModelMaxBudget = cloneObject(k.ModelMaxBudget)
	c.ModelSpend = cloneSpend(k.ModelSpend)
	return c
}

func cloneUser(u *User) User {
	c := *u
	c.Teams = cloneStrings(u.Teams)
	c.MaxBudget = cloneFloat(u.MaxBudget)
	c.Models = cloneStrings(u.Models)
	c.BudgetResetAt = cloneTime(u.BudgetResetAt)
	c.TPMLimit, c.RPMLimit, c.MaxParallelRequests = cloneInt(u.TPMLimit), cloneInt(u.RPMLimit), cloneInt(u.MaxParallelRequests)
	c.Metadata = cloneObject(u.Metadata)
	c.ModelMaxBudget = cloneObject(u.ModelMaxBudget)
	c.ModelSpend = cloneSpend(u.ModelSpend)
	c.AllowedCacheControls = cloneStrings(u.AllowedCacheControls)
	return c
}

func cloneTeam(t *Team) Team {
	c := *t
	c.MembersWithRoles = append([]Member(nil), t.MembersWithRoles...)
	c.Metadata = cloneObject(t.Metadata)
	c.TPMLimit, c.RPMLimit, c.MaxParallelRequests = cloneInt(t.TPMLimit), cloneInt(t.RPMLimit), cloneInt(t.MaxParallelRequests)
	c.MaxBudget = cloneFloat(t.MaxBudget)
	c.BudgetResetAt = cloneTime(t.BudgetResetAt)
	c.Models = cloneStrings(t.Models)
	c.ModelSpend = cloneSpend(t.ModelSpend)
	c.ModelMaxBudget = cloneObject(t.ModelMaxBudget)
	c.ModelAliases = cloneObject(t.ModelAliases)
	c.ModelID = cloneInt(t.ModelID)
	c.TeamMemberPermissions = cloneStrings(t.TeamMemberPermissions)
	return c
}

func cloneMembership(m *Membership) Membership {
	c := *m
	c.MaxBudgetInTeam = cloneFloat(m.MaxBudgetInTeam)
	c.TPMLimit, c.RPMLimit = cloneInt(m.TPMLimit), cloneInt(m.RPMLimit)
	return c
}

func cloneFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneTime(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

func cloneSpend(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func cloneObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = cloneValue(v)
	}
	return c
}

// cloneValue deep-copies a decoded JSON value so callers never share state with the store.
func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return cloneObject(t)
	case []any:
		c := make([]any, len(t))
		for i, e := range t {
			c[i] = cloneValue(e)
		}
		return c
	case []string:
		return cloneStrings(t)
	default:
		return v
	}
}
