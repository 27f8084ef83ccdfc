//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
)

// User endpoints: /user/new, /user/info, /user/update, /user/delete, /user/list (compat: Users).

var userRoles = []string{"proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer", "team", "customer"}

var userFields = schema{
	"user_id": kindString, "user_email": kindString, "user_alias": kindString, "user_role": kindString,
	"teams": kindList, "team_id": kindString, "max_budget": kindFloat, "soft_budget": kindFloat, "spend": kindFloat,
	"budget_duration": kindString, "models": kindStrings, "tpm_limit": kindInt, "rpm_limit": kindInt,
	"max_parallel_requests": kindInt, "model_max_budget": kindObject, "model_rpm_limit": kindObject,
	"model_tpm_limit": kindObject, "metadata": kindObject, "aliases": kindObject, "config": kindObject,
	"permissions": kindObject, "allowed_cache_controls": kindStrings, "guardrails": kindStrings,
	"blocked": kindBool, "auto_create_key": kindBool, "key_alias": kindString, "duration": kindString,
	"send_invite_email": kindBool, "sso_user_id": kindString, "organizations": kindStrings,
	"organization_id": kindString, "password": kindString,
}

func userRoleError(b *body) *apiError {
	role, ok := b.str("user_role")
	if !ok || containsString(userRoles, role) {
		return nil
	}
	return errorD(validationItem{Type: "enum", Loc: []any{locBody, "user_role"},
		Msg:   "Input should be 'proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer', 'team' or 'customer'",
		Input: role})
}

// userNew is POST /user/new (compat: POST /user/new).
func (s *Simulator) userNew(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, userFields)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := userRoleError(b); aerr != nil {
		return nil, aerr
	}
	if text := s.modelMaxBudgetError(b); text != "" {
		return nil, errorInternal(text)
	}
	v := s.opts.Variant
	userID, hasID := b.str("user_id")
	existing := hasID && s.store.users[userID] != nil
	if existing && !v.DuplicateUserLegacy {
		// compat: POST /user/new: (current): a dict detail re-raised by handle_exception_on_proxy.
		return nil, errorADict(http.StatusConflict, "internal_server_error", "error", "User with id "+userID+" already exists")
	}
	if email, ok := b.str("user_email"); ok && email != "" {
		if other := s.store.userByEmail(email); other != nil && (!existing || other.UserID != userID) {
			status := http.StatusConflict
			if v.DuplicateUserLegacy {
				status = http.StatusBadRequest // before LiteLLM PR #17559 (compat: Releases covered)
			}
			return nil, errorADict(status, "internal_server_error", "error", "User with email "+other.UserEmail+" already exists")
		}
	}
	now := s.nowLocked()
	var expires, resetAt *time.Time
	if b.has("duration") && !b.isNull("duration") {
		t, err := expiryAfter(b.text("duration"), now)
		if err != nil {
			return nil, errorInternal(err.Error())
		}
		expires = &t
	}
	if d := b.text("budget_duration"); d != "" {
		t, err := nextBudgetReset(d, now)
		if err != nil {
			return nil, errorInternal(err.Error())
		}
		resetAt = &t
	}
	if !hasID {
		userID = newUUID() // compat: POST /user/new
	}
	if !existing {
		// ≤1.80 with an existing id: the user upsert is a no-op, the rest still runs.
		s.store.users[userID] = s.newUserFromRequest(b, userID, resetAt, now)
	}

	autoKey := true // compat: POST /user/new: auto_create_key defaults to true
	if v := b.boolean("auto_create_key"); v != nil {
		autoKey = *v
	}
	rawKey := ""
	var key *Key
	if autoKey {
		rawKey = newRawKey()
		key = &Key{
			Token: HashKey(rawKey), KeyName: keyName(rawKey), KeyAlias: b.text("key_alias"),
			UserID: userID, TeamID: b.text("team_id"), Models: list(b.strings("models")),
			Metadata: map[string]any{}, Aliases: object(b.object("aliases")), Config: object(b.object("config")),
			Permissions: object(b.object("permissions")), ModelMaxBudget: map[string]any{}, ModelSpend: map[string]float64{},
			AllowedCacheControls: list(b.strings("allowed_cache_controls")), AllowedRoutes: []string{},
			CreatedBy: proxyAdminID, UpdatedBy: proxyAdminID, CreatedAt: dbTime(now), UpdatedAt: dbTime(now),
			seq: s.store.nextSeq(),
		}
		// The auto-created key carries no max_budget: the budget is the user's (compat: POST /user/new).
		if expires != nil {
			e := dbTime(*expires)
			key.Expires = &e
		}
		s.store.keys[key.Token] = key
	}
	if !existing {
		s.joinTeamsOnCreate(b, userID)
	}
	return s.newUserResponse(b, userID, rawKey, key, expires, resetAt), nil
}

// newUserFromRequest is the user row /user/new writes. It keeps none of soft_budget, aliases,
// permissions, config, blocked and model_max_budget, though the request accepts them and the
// answer echoes them (compat: Users).
func (s *Simulator) newUserFromRequest(b *body, userID string, resetAt *time.Time, now time.Time) *User {
	u := &User{
		UserID:               userID,
		UserEmail:            b.text("user_email"),
		UserAlias:            b.text("user_alias"),
		UserRole:             b.text("user_role"),
		SSOUserID:            b.text("sso_user_id"),
		OrganizationID:       b.text("organization_id"),
		Teams:                []string{},
		MaxBudget:            b.float("max_budget"),
		Models:               list(b.strings("models")),
		BudgetDuration:       b.text("budget_duration"),
		TPMLimit:             b.integer("tpm_limit"),
		RPMLimit:             b.integer("rpm_limit"),
		MaxParallelRequests:  b.integer("max_parallel_requests"),
		Metadata:             mergeManagedMetadata(cloneObject(b.object("metadata")), b),
		ModelMaxBudget:       map[string]any{}, // accepted, not stored (below)
		ModelSpend:           map[string]float64{},
		AllowedCacheControls: list(b.strings("allowed_cache_controls")),
		CreatedAt:            dbTime(now),
		UpdatedAt:            dbTime(now),
		seq:                  s.store.nextSeq(),
	}
	if spend := b.float("spend"); spend != nil {
		u.Spend = *spend
	}
	if resetAt != nil {
		t := dbTime(*resetAt)
		u.BudgetResetAt = &t
	}
	return u
}

// joinTeamsOnCreate adds the new user to the requested teams through the member_add logic;
// every failure is swallowed, as LiteLLM gathers them without raising (compat: POST /user/new).
func (s *Simulator) joinTeamsOnCreate(b *body, userID string) {
	entries, _ := b.values["teams"].([]any)
	for _, e := range entries {
		var teamID, role string
		var budget *float64
		switch t := e.(type) {
		case string:
			teamID = t
		case map[string]any:
			teamID, _ = t["team_id"].(string)
			role, _ = t["user_role"].(string)
			if f, ok := toFloat(t["max_budget_in_team"]); ok {
				budget = &f
			}
		}
		if role == "" {
			role = roleUser
		}
		team, ok := s.store.teams[teamID]
		if !ok || teamHasMember(team, userID, "") || (role == roleAdmin && !s.opts.Premium) {
			continue
		}
		s.addMember(team, Member{UserID: userID, Role: role}, budget)
	}
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	}
	return 0, false
}

// newUserResponse is NewUserResponse: the request echoed, the raw key of the auto-created key
// ("" without one), and no hash (token is null on purpose, compat: POST /user/new).
func (s *Simulator) newUserResponse(b *body, userID, rawKey string, key *Key, expires, resetAt *time.Time) map[string]any {
	echo := func(f string) any {
		if v, ok := b.values[f]; ok && v != nil {
			if fv, isFloat := v.(float64); isFloat {
				return pyFloat(fv)
			}
			return v
		}
		return nil
	}
	teams := b.values["teams"]
	if teams == nil {
		teams = []any{}
	}
	spend := pyFloat(0)
	if sp := b.float("spend"); sp != nil {
		spend = pyFloat(*sp)
	}
	resp := map[string]any{
		"key": rawKey, "token": nil, "token_id": nil, "key_name": nil,
		"user_id": userID, "user_email": echo("user_email"), "user_alias": echo("user_alias"),
		"user_role": echo("user_role"), "teams": teams, "team_id": echo("team_id"),
		"max_budget": echo("max_budget"), "soft_budget": echo("soft_budget"), "spend": spend,
		"models": list(b.strings("models")), "budget_duration": echo("budget_duration"),
		"budget_reset_at": nil, "expires": nil, "key_alias": echo("key_alias"), "duration": echo("duration"),
		"metadata": object(b.object("metadata")), "tpm_limit": echo("tpm_limit"), "rpm_limit": echo("rpm_limit"),
		"max_parallel_requests": echo("max_parallel_requests"), "aliases": object(b.object("aliases")),
		"config": object(b.object("config")), "permissions": object(b.object("permissions")),
		"model_max_budget": object(b.object("model_max_budget")), "allowed_cache_controls": list(b.strings("allowed_cache_controls")),
		"guardrails": echo("guardrails"), "blocked": echo("blocked"), "sso_user_id": echo("sso_user_id"),
		"organization_id": echo("organization_id"), "send_invite_email": echo("send_invite_email"),
		"created_by": proxyAdminID, "updated_by": proxyAdminID,
	}
	if key != nil {
		resp["key_name"] = key.KeyName
		resp["created_at"] = stamp(key.CreatedAt)
		resp["updated_at"] = stamp(key.UpdatedAt)
	} else {
		now := dbTime(s.nowLocked())
		resp["created_at"], resp["updated_at"] = stamp(now), stamp(now)
	}
	if expires != nil {
		resp["expires"] = isoTime(*expires, false)
	}
	if resetAt != nil {
		resp["budget_reset_at"] = isoTime(*resetAt, false)
	}
	return resp
}

// userInfo is GET /user/info (compat: GET /user/info).
func (s *Simulator) userInfo(r *http.Request, _ caller) (any, *apiError) {
	if !r.URL.Query().Has("user_id") || queryStr(r, "user_id") == "" {
		// compat: GET /user/info: the proxy-admin path returns every key and team of the proxy.
		keys := mapEach(s.store.sortedKeys(), s.userKeyRow)
		teams := mapEach(s.store.sortedTeams(), teamRow)
		return map[string]any{"user_id": nil, "user_info": nil, "keys": keys, "teams": teams}, nil
	}
	id := queryStr(r, "user_id")
	u, ok := s.store.users[id]
	if !ok {
		if s.opts.Variant.UserInfoEmpty200 {
			// 1.80 (compat: GET /user/info): no user row, so user_info only carries the spend summed over the keys
			// found for that id (reconstructed from memory of the older code: unverified).
			keys := s.store.keysOfUser(id)
			var spend float64
			for _, k := range keys {
				spend += k.Spend
			}
			return map[string]any{"user_id": id, "user_info": map[string]any{"spend": pyFloat(spend)},
				"keys": mapEach(keys, s.userKeyRow), "teams": []any{}}, nil
		}
		// compat: GET /user/info: plain string detail, so the message is the text itself.
		return nil, errorA(http.StatusNotFound, "internal_server_error", pyNone, "User "+id+" not found")
	}
	info := userRow(u)
	info["organization_memberships"] = []any{}
	keys := mapEach(s.store.keysOfUser(id), s.userKeyRow)
	teams := []map[string]any{}
	for _, teamID := range u.Teams {
		if t, ok := s.store.teams[teamID]; ok {
			teams = append(teams, teamRow(t))
		}
	}
	return map[string]any{"user_id": id, "user_info": info, "keys": keys, "teams": teams}, nil
}

// userKeyRow is a key row as /user/info lists it: with token and the team's alias.
func (s *Simulator) userKeyRow(k *Key) map[string]any {
	row := keyRow(k, true)
	row["team_alias"] = nil
	if t, ok := s.store.teams[k.TeamID]; ok {
		row["team_alias"] = nullStr(t.TeamAlias)
	}
	row["litellm_organization_table"] = nil
	return row
}

// userUpdate is POST /user/update (compat: POST /user/update): null/[]/{} ignored except max_budget, and
// an unknown user_id or user_email creates a user.
func (s *Simulator) userUpdate(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, userFields)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := userRoleError(b); aerr != nil {
		return nil, aerr
	}
	userID, hasID := b.str("user_id")
	email, hasEmail := b.str("user_email")
	if !hasID && !hasEmail {
		return nil, errorADict(http.StatusBadRequest, "auth_error", "error", "Either user_id or user_email must be provided")
	}
	if text := s.modelMaxBudgetError(b); text != "" {
		return nil, errorAuthWrapped(text) // same check as /user/new (unverified on update)
	}
	now := s.nowLocked()
	var resetAt *time.Time
	if d := b.text("budget_duration"); d != "" {
		t, err := nextBudgetReset(d, now)
		if err != nil {
			return nil, errorAuthWrapped(err.Error())
		}
		t = dbTime(t)
		resetAt = &t
	}
	var u *User
	if hasID {
		u = s.store.users[userID]
	} else {
		for _, cand := range s.store.sortedUsers() {
			if cand.UserEmail == email { // first match only (compat: POST /user/update)
				u = cand
				break
			}
		}
		userID = newUUID()
	}
	if u == nil {
		// The write is an upsert whose create branch is the update payload.
		u = &User{UserID: userID, Teams: []string{}, Models: []string{}, Metadata: map[string]any{},
			ModelMaxBudget: map[string]any{}, ModelSpend: map[string]float64{}, AllowedCacheControls: []string{},
			CreatedAt: dbTime(now), seq: s.store.nextSeq()}
		s.store.users[userID] = u
	}
	applyUserUpdate(u, b, resetAt)
	u.UpdatedAt = dbTime(now)
	return map[string]any{"user_id": u.UserID, "data": userRow(u)}, nil
}

// applyUserUpdate writes the non-empty sent fields (null, [] and {} are dropped by LiteLLM before
// the write; max_budget null is the one exception).
func applyUserUpdate(u *User, b *body, resetAt *time.Time) {
	str := func(f string, dst *string) {
		if v, ok := b.str(f); ok {
			*dst = v
		}
	}
	str("user_email", &u.UserEmail)
	str("user_alias", &u.UserAlias)
	str("user_role", &u.UserRole)
	str("sso_user_id", &u.SSOUserID)
	str("organization_id", &u.OrganizationID)
	if b.has("max_budget") {
		u.MaxBudget = b.float("max_budget")
	}
	if v := b.float("spend"); v != nil {
		u.Spend = *v
	}
	for f, dst := range map[string]**int64{"tpm_limit": &u.TPMLimit, "rpm_limit": &u.RPMLimit, "max_parallel_requests": &u.MaxParallelRequests} {
		if v := b.integer(f); v != nil {
			*dst = v
		}
	}
	if v := b.strings("models"); len(v) > 0 {
		u.Models = v
	}
	if v := b.strings("allowed_cache_controls"); len(v) > 0 {
		u.AllowedCacheControls = v
	}
	if v := b.object("metadata"); len(v) > 0 {
		u.Metadata = cloneObject(v)
	}
	if v := b.object("model_max_budget"); len(v) > 0 {
		u.ModelMaxBudget = cloneObject(v)
	}
	if resetAt != nil {
		u.BudgetDuration, u.BudgetResetAt = b.text("budget_duration"), resetAt
	}
}

// userDelete is POST /user/delete (compat: POST /user/delete).
func (s *Simulator) userDelete(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"user_ids": kindStrings}, "user_ids")
	if aerr != nil {
		return nil, aerr
	}
	ids := b.strings("user_ids")
	if ids == nil {
		return nil, errorC(http.StatusBadRequest, "user_ids must be provided")
	}
	for _, id := range ids {
		if _, ok := s.store.users[id]; !ok {
			// Not atomic: earlier ids have already left their teams' members_with_roles.
			return nil, errorC(http.StatusNotFound, "User not found, passed user_id="+id)
		}
		for _, t := range s.store.teams {
			t.MembersWithRoles = withoutMember(t.MembersWithRoles, id, "")
		}
	}
	for _, id := range ids {
		for _, k := range s.store.keysOfUser(id) {
			s.store.deleteKeyRow(k.Token)
		}
		for mid := range s.store.memberships {
			if mid.userID == id {
				delete(s.store.memberships, mid)
			}
		}
		delete(s.store.users, id)
	}
	return len(ids), nil
}

// userList is GET /user/list (compat: GET /user/list).
func (s *Simulator) userList(r *http.Request, _ caller) (any, *apiError) {
	page, item := queryInt(r, "page", 1, 0)
	if item != nil {
		return nil, errorD(*item)
	}
	pageSize, item := queryInt(r, "page_size", 25, 100)
	if item != nil {
		return nil, errorD(*item)
	}
	q := r.URL.Query()
	var ids []string
	if v := q.Get("user_ids"); v != "" {
		for _, id := range strings.Split(v, ",") {
			ids = append(ids, strings.TrimSpace(id))
		}
	}
	var matched []*User
	for _, u := range s.store.sortedUsers() {
		switch {
		case len(ids) == 1 && !strings.Contains(strings.ToLower(u.UserID), strings.ToLower(ids[0])):
			continue
		case len(ids) > 1 && !containsString(ids, u.UserID):
			continue
		case q.Get("user_email") != "" && !strings.Contains(strings.ToLower(u.UserEmail), strings.ToLower(q.Get("user_email"))):
			continue
		case q.Get("role") != "" && u.UserRole != q.Get("role"):
			continue
		case q.Get("team") != "" && !containsString(u.Teams, q.Get("team")):
			continue
		case q.Get("sso_user_ids") != "" && !containsString(strings.Split(q.Get("sso_user_ids"), ","), u.SSOUserID):
			continue
		case q.Get("organization_ids") != "" && !containsString(strings.Split(q.Get("organization_ids"), ","), u.OrganizationID):
			continue
		}
		matched = append(matched, u)
	}
	sortUsers(matched, q.Get("sort_by"), strings.ToLower(q.Get("sort_order")))
	total := len(matched)
	start := int((page - 1) * pageSize)
	users := []map[string]any{}
	if start < total {
		for _, u := range matched[start:min(start+int(pageSize), total)] {
			row := userRow(u)
			row["key_count"] = len(s.store.keysOfUser(u.UserID))
			users = append(users, row)
		}
	}
	return map[string]any{
		"users": users, "total": total, "page": page, "page_size": pageSize,
		"total_pages": int(math.Ceil(float64(total) / float64(pageSize))),
	}, nil
}

// sortUsers orders users; default newest first.
func sortUsers(users []*User, sortBy, order string) {
	field := func(u *User) string {
		switch sortBy {
		case "user_id":
			return u.UserID
		case "user_email":
			return u.UserEmail
		case "user_alias":
			return u.UserAlias
		case "user_role":
			return u.UserRole
		}
		return ""
	}
	sort.SliceStable(users, func(i, j int) bool {
		a, b := users[i], users[j]
		var c int
		switch sortBy {
		case "spend":
			c = cmpFloat(a.Spend, b.Spend)
		case "user_id", "user_email", "user_alias", "user_role":
			c = strings.Compare(field(a), field(b))
		default:
			if c = a.CreatedAt.Compare(b.CreatedAt); c == 0 {
				c = cmpUint(a.seq, b.seq)
			}
		}
		if order == sortAsc {
			return c < 0
		}
		return c > 0
	})
}
