package litellmsim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// store is the simulated database. Every access holds Simulator.mu.
type store struct {
	keys          map[string]*Key // by token (hash)
	users         map[string]*User
	teams         map[string]*Team
	memberships   map[membershipID]*Membership
	deletedKeys   []Key
	organizations map[string]bool
	// graceKeys lets a regenerated key's old hash keep working until the grace period ends (compat: POST /key/regenerate).
	graceKeys   map[string]graceKey
	rateWindows map[string]*rateWindow
	// budgets is the budget table (/budget/new, and the rows soft_budget creates on /key/generate).
	budgets map[string]*BudgetRow
	// authCache is request-time enforcement's copy of keys, by the name LiteLLM caches them under.
	authCache   map[string]authCacheEntry
	seq         uint64
	nextModelID int64
	clockOffset time.Duration // survives Wipe: the clock is not database state
}

type membershipID struct{ teamID, userID string }

type graceKey struct {
	newToken string
	until    time.Time
}

func newStore() store {
	return store{
		keys:          map[string]*Key{},
		users:         map[string]*User{},
		teams:         map[string]*Team{},
		memberships:   map[membershipID]*Membership{},
		organizations: map[string]bool{},
		graceKeys:     map[string]graceKey{},
		rateWindows:   map[string]*rateWindow{},
		budgets:       map[string]*BudgetRow{},
		authCache:     map[string]authCacheEntry{},
	}
}

func (st *store) nextSeq() uint64 {
	st.seq++
	return st.seq
}

// HashKey is LiteLLM's token for a raw key: the lowercase hex SHA-256 of the key string.
func HashKey(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// tokenOf resolves a key reference as LiteLLM does: a value starting with "sk-" is a raw key
// and is hashed, anything else is taken as the hash itself (compat: Key identity and hashes).
func tokenOf(ref string) string {
	if strings.HasPrefix(ref, "sk-") {
		return HashKey(ref)
	}
	return ref
}

// keyName is LiteLLM's redacted key name: "sk-..." and the last four characters.
func keyName(raw string) string {
	if len(raw) <= 4 {
		return "sk-..." + raw
	}
	return "sk-..." + raw[len(raw)-4:]
}

// maskKey shows the first and last four characters of a value longer than eight, else "****"
// (used when LiteLLM echoes a malformed key, compat: Authentication; POST /key/generate).
func maskKey(v string) string {
	if len(v) > 8 {
		return v[:4] + "****" + v[len(v)-4:]
	}
	return "****"
}

// newRawKey makes a key like LiteLLM's: "sk-" and 22 URL-safe characters (token_urlsafe(16)).
func newRawKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "sk-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// newUUID is a random UUID v4, as Python's uuid.uuid4().
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sortedKeys returns the key rows in creation order.
func (st *store) sortedKeys() []*Key {
	out := make([]*Key, 0, len(st.keys))
	for _, k := range st.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func (st *store) sortedUsers() []*User {
	out := make([]*User, 0, len(st.users))
	for _, u := range st.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func (st *store) sortedTeams() []*Team {
	out := make([]*Team, 0, len(st.teams))
	for _, t := range st.teams {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// keysWhere returns the keys that keep accepts, in creation order. It sorts only the matches: the
// alias check of every /key/generate runs it over all keys.
func (st *store) keysWhere(keep func(*Key) bool) []*Key {
	var out []*Key
	for _, k := range st.keys {
		if keep(k) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func (st *store) keysWithAlias(alias string) []*Key {
	return st.keysWhere(func(k *Key) bool { return alias != "" && k.KeyAlias == alias })
}

func (st *store) keysOfUser(userID string) []*Key {
	return st.keysWhere(func(k *Key) bool { return k.UserID == userID })
}

func (st *store) keysOfTeam(teamID string) []*Key {
	return st.keysWhere(func(k *Key) bool { return k.TeamID == teamID })
}

// userByEmail finds a user by email, case-insensitively (LiteLLM's duplicate check, compat: POST /user/new).
func (st *store) userByEmail(email string) *User {
	for _, u := range st.sortedUsers() {
		if u.UserEmail != "" && strings.EqualFold(u.UserEmail, email) {
			return u
		}
	}
	return nil
}

// deleteKeyRow removes a key and copies it to the deleted-keys table (compat: POST /key/delete).
func (st *store) deleteKeyRow(token string) {
	if k, ok := st.keys[token]; ok {
		st.deletedKeys = append(st.deletedKeys, cloneKey(k))
		delete(st.keys, token)
		delete(st.rateWindows, token)
		st.dropAuthCache(token)
	}
}

// budgetExists reports a budget row with that id: one of the budget table, or a team member's.
func (st *store) budgetExists(id string) bool {
	if _, ok := st.budgets[id]; ok {
		return true
	}
	for _, m := range st.memberships {
		if m.BudgetID == id {
			return true
		}
	}
	return false
}

// sortedMemberships returns every membership row, by team then user.
func (st *store) sortedMemberships() []*Membership {
	out := make([]*Membership, 0, len(st.memberships))
	for _, m := range st.memberships {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TeamID != out[j].TeamID {
			return out[i].TeamID < out[j].TeamID
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// teamMemberships returns the membership rows of a team, in user order.
func (st *store) teamMemberships(teamID string) []*Membership {
	var out []*Membership
	for id, m := range st.memberships {
		if id.teamID == teamID {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out
}

// removeTeamFromUser drops teamID from a user's teams list.
func (st *store) removeTeamFromUser(userID, teamID string) {
	if u, ok := st.users[userID]; ok {
		u.Teams = removeString(u.Teams, teamID)
	}
}

// mapEach applies f to every element; the result is never nil, so it encodes as [] in JSON.
func mapEach[T, R any](in []T, f func(T) R) []R {
	out := make([]R, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

func removeString(list []string, v string) []string {
	out := list[:0:0]
	for _, s := range list {
		if s != v {
			out = append(out, s)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
