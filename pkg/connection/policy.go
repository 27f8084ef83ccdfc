package connection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Policy is what the owner of a shared instance lets granted namespaces do with it, read from the
// annotation auth.litellm.ai/grant-policy on the instance Secret (YAML or JSON, unknown fields
// refused). The zero Policy is the safe default: no admin roles, references only to teams and
// users the namespace owns, no take-over of objects made outside the operator, no management
// routes, no budget ceiling and no model allow-list.
type Policy struct {
	// UserRoles are the roles a granted User may have. Unset means internal_user and
	// internal_user_viewer; a User without userRole (LiteLLM's default, internal_user) is always
	// allowed.
	UserRoles []string `json:"userRoles,omitempty"`
	// Teams and Users are LiteLLM IDs that granted objects may reference besides the teams and
	// users their own namespace owns (VirtualKey teamID and userID, User teams, memberships).
	Teams []string `json:"teams,omitempty"`
	Users []string `json:"users,omitempty"`
	// Organizations are the LiteLLM organizations a granted Team may join.
	Organizations []string `json:"organizations,omitempty"`
	// MaxBudget caps every granted VirtualKey's maxBudget (which must then be set), in US dollars.
	MaxBudget *Amount `json:"maxBudget,omitempty"`
	// Models, when set, is the allow-list of models: granted VirtualKeys, Users and Teams must list
	// their models, all from it (an empty list means every model in LiteLLM).
	Models []string `json:"models,omitempty"`
	// ManagementRoutes lets granted VirtualKeys name management routes in allowedRoutes.
	ManagementRoutes bool `json:"managementRoutes,omitempty"`
	// AdoptUnstamped lets granted objects take over LiteLLM objects that carry no owner stamp
	// (made outside the operator, or by the operator this one replaces): for a migration.
	AdoptUnstamped bool `json:"adoptUnstamped,omitempty"`
}

// Amount is a sum of US dollars, written as a number or as a decimal string like the CRDs' budgets.
type Amount float64

// UnmarshalJSON accepts 10, 10.5, "10" and "10.5".
func (a *Amount) UnmarshalJSON(b []byte) error {
	text := string(bytes.Trim(bytes.TrimSpace(b), `"`))
	v, err := v1alpha1.ParseBudget(text)
	if err != nil {
		return fmt.Errorf("maxBudget %s: %w", b, err)
	}
	*a = Amount(v)
	return nil
}

// MarshalJSON writes the amount as a number.
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(a), 'f', -1, 64)), nil
}

// defaultUserRoles are the roles a granted User may have when the policy lists none.
var defaultUserRoles = []string{"internal_user", "internal_user_viewer"}

// knownUserRoles are LiteLLM's user roles (the User kind's userRole values).
var knownUserRoles = []string{"proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"}

// ParsePolicy reads a grant policy. An empty document is the default policy.
func ParsePolicy(text string) (Policy, error) {
	var p Policy
	if strings.TrimSpace(text) == "" {
		return p, nil
	}
	if err := yaml.UnmarshalStrict([]byte(text), &p); err != nil {
		return Policy{}, err
	}
	var errs []error
	for _, role := range p.UserRoles {
		if !slices.Contains(knownUserRoles, role) {
			errs = append(errs, fmt.Errorf("userRoles: unknown role %q (one of %s)", role, strings.Join(knownUserRoles, ", ")))
		}
	}
	for field, values := range map[string][]string{"teams": p.Teams, "users": p.Users, "organizations": p.Organizations, "models": p.Models} {
		if slices.Contains(values, "") {
			errs = append(errs, fmt.Errorf("%s: an empty entry", field))
		}
	}
	return p, errors.Join(errs...)
}

// String renders the policy as the JSON the annotation would hold.
func (p Policy) String() string {
	data, _ := json.Marshal(p)
	return string(data)
}

// AllowsUserRole reports whether a granted User may have role ("" is LiteLLM's default role).
func (p Policy) AllowsUserRole(role string) bool {
	if role == "" {
		return true
	}
	roles := p.UserRoles
	if roles == nil {
		roles = defaultUserRoles
	}
	return slices.Contains(roles, role)
}

// ListsTeam reports that the policy lets granted objects reference the LiteLLM team id.
func (p Policy) ListsTeam(id string) bool { return slices.Contains(p.Teams, id) }

// ListsUser reports that the policy lets granted objects reference the LiteLLM user id.
func (p Policy) ListsUser(id string) bool { return slices.Contains(p.Users, id) }

// ListsOrganization reports that the policy lets granted Teams join the organization id.
func (p Policy) ListsOrganization(id string) bool { return slices.Contains(p.Organizations, id) }

// ModelsOutside returns the models not on the allow-list (none without one).
func (p Policy) ModelsOutside(models []string) []string {
	if p.Models == nil {
		return nil
	}
	var outside []string
	for _, m := range models {
		if !slices.Contains(p.Models, m) && !slices.Contains(outside, m) {
			outside = append(outside, m)
		}
	}
	return outside
}

// ManagementRoutesIn returns the entries of allowedRoutes that reach LiteLLM's management API:
// route groups other than llm_api_routes, wildcards, and paths under a management prefix. The
// list is a conservative reading of LiteLLM's routes (docs/multi-tenancy.md): an entry that might
// reach management endpoints counts as one.
func ManagementRoutesIn(routes []string) []string {
	var found []string
	for _, r := range routes {
		if isManagementRoute(r) {
			found = append(found, r)
		}
	}
	return found
}

// managementPrefixes are the first path segments of LiteLLM's management, admin and spend routes.
var managementPrefixes = []string{
	"key", "user", "team", "organization", "budget", "model", "model_group", "config", "global", "spend",
	"customer", "end_user", "sso", "credentials", "guardrails", "settings", "audit", "cache", "callbacks",
	"routes", "debug", "invitation", "onboarding", "email", "jwt", "ui", "login", "fallback", "v2", "v1/model",
	"get", "update", "delete", "tag", "vector_store", "mcp", "scim", "admin",
}

func isManagementRoute(route string) bool {
	r := strings.ToLower(strings.TrimSpace(route))
	switch {
	case strings.Contains(r, "*"):
		return true // a wildcard may match anything, management routes included
	case !strings.Contains(r, "/"):
		return r != "llm_api_routes" // a route group: only the LLM API's is not management
	}
	r = "/" + strings.TrimLeft(r, "/")
	for _, p := range managementPrefixes {
		if r == "/"+p || strings.HasPrefix(r, "/"+p+"/") {
			return true
		}
	}
	return false
}
