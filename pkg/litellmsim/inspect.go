package litellmsim

// Inspection and direct mutation for tests: these bypass the HTTP API (no auth, no faults, no
// call counting), like an admin editing LiteLLM's database behind the operator's back.

// Keys returns a copy of every key, in creation order.
func (s *Simulator) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mapEach(s.store.sortedKeys(), cloneKey)
}

// KeyByHash returns the key with that token (hash). A raw "sk-" key is accepted too.
func (s *Simulator) KeyByHash(hash string) (Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.store.keys[tokenOf(hash)]
	if !ok {
		return Key{}, false
	}
	return cloneKey(k), true
}

// KeysByAlias returns every key with that alias (LiteLLM does not enforce uniqueness atomically,
// so there may be several).
func (s *Simulator) KeysByAlias(alias string) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mapEach(s.store.keysWithAlias(alias), cloneKey)
}

// DeletedKeys returns the deleted-keys table (what /key/list?status=deleted shows).
func (s *Simulator) DeletedKeys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Key, len(s.store.deletedKeys))
	copy(out, s.store.deletedKeys)
	for i := range out {
		out[i] = cloneKey(&out[i])
	}
	return out
}

// User returns a copy of the user with that id.
func (s *Simulator) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.store.users[id]
	if !ok {
		return User{}, false
	}
	return cloneUser(u), true
}

// Users returns a copy of every user, in creation order.
func (s *Simulator) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mapEach(s.store.sortedUsers(), cloneUser)
}

// Team returns a copy of the team with that id.
func (s *Simulator) Team(id string) (Team, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.store.teams[id]
	if !ok {
		return Team{}, false
	}
	return cloneTeam(t), true
}

// Teams returns a copy of every team, in creation order.
func (s *Simulator) Teams() []Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mapEach(s.store.sortedTeams(), cloneTeam)
}

// Membership returns the team-membership row (per-member budget) of a user in a team.
func (s *Simulator) Membership(teamID, userID string) (Membership, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.store.memberships[membershipID{teamID, userID}]
	if !ok {
		return Membership{}, false
	}
	return cloneMembership(m), true
}

// MutateKey edits a key in place (drift tests). The token cannot be changed. It reports whether
// the key exists.
func (s *Simulator) MutateKey(hash string, fn func(*Key)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.store.keys[tokenOf(hash)]
	if !ok {
		return false
	}
	c := cloneKey(k)
	fn(&c)
	c.Token, c.seq = k.Token, k.seq
	*k = c
	s.store.dropAuthCache(k.Token) // an edit behind LiteLLM's back is seen at once (authcache.go)
	return true
}

// MutateUser edits a user in place (drift tests). The id cannot be changed.
func (s *Simulator) MutateUser(id string, fn func(*User)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.store.users[id]
	if !ok {
		return false
	}
	c := cloneUser(u)
	fn(&c)
	c.UserID, c.seq = u.UserID, u.seq
	*u = c
	return true
}

// MutateTeam edits a team in place (drift tests). The id cannot be changed.
func (s *Simulator) MutateTeam(id string, fn func(*Team)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.store.teams[id]
	if !ok {
		return false
	}
	c := cloneTeam(t)
	fn(&c)
	c.TeamID, c.seq = t.TeamID, t.seq
	*t = c
	return true
}

// SetKeyBudget sets (or with nil clears) a key's max_budget.
func (s *Simulator) SetKeyBudget(hash string, maxBudget *float64) bool {
	return s.MutateKey(hash, func(k *Key) { k.MaxBudget = cloneFloat(maxBudget) })
}

// SetKeySpend sets a key's spend.
func (s *Simulator) SetKeySpend(hash string, spend float64) bool {
	return s.MutateKey(hash, func(k *Key) { k.Spend = spend })
}

// BlockKey sets a key's blocked flag, as /key/block and /key/unblock would.
func (s *Simulator) BlockKey(hash string, blocked bool) bool {
	return s.MutateKey(hash, func(k *Key) { k.Blocked, k.BlockedSet = blocked, true })
}

// SetUserSpend sets a user's spend.
func (s *Simulator) SetUserSpend(id string, spend float64) bool {
	return s.MutateUser(id, func(u *User) { u.Spend = spend })
}

// SetTeamSpend sets a team's spend.
func (s *Simulator) SetTeamSpend(id string, spend float64) bool {
	return s.MutateTeam(id, func(t *Team) { t.Spend = spend })
}

// DeleteKey removes a key directly, as an out-of-band delete would (it still lands in the
// deleted-keys table, like LiteLLM's own delete).
func (s *Simulator) DeleteKey(hash string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	token := tokenOf(hash)
	if _, ok := s.store.keys[token]; !ok {
		return false
	}
	s.store.deleteKeyRow(token)
	return true
}

// DeleteUser removes a user row directly, without LiteLLM's cascade (its keys and team
// memberships stay, dangling), as a database edit would.
func (s *Simulator) DeleteUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.store.users[id]; !ok {
		return false
	}
	delete(s.store.users, id)
	return true
}

// DeleteTeam removes a team row directly, without LiteLLM's cascade (keys keep their team_id).
func (s *Simulator) DeleteTeam(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.store.teams[id]; !ok {
		return false
	}
	delete(s.store.teams, id)
	for mid := range s.store.memberships {
		if mid.teamID == id {
			delete(s.store.memberships, mid)
		}
	}
	return true
}

// AddOrganization creates an organization id, so organization_id references to it are accepted.
func (s *Simulator) AddOrganization(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.organizations[id] = true
}

// Wipe loses every key, user, team, membership, organization and rate-limit window, as after a
// lost database. Faults, call counters and the clock are kept.
func (s *Simulator) Wipe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	offset := s.store.clockOffset
	s.store = newStore()
	s.store.clockOffset = offset
}
