//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The /__sim/ admin API exposes inspection, state mutation and fault injection over HTTP (for
// the standalone binary). LiteLLM has no such path. Every call needs the master key.
//
//	GET  /__sim/state                      every key (rows with token), user, team, membership
//	GET  /__sim/keys?alias=A|hash=H        {"count": n, "keys": [...]} (no filter: all keys)
//	GET  /__sim/users?id=ID, /__sim/teams?id=ID
//	GET  /__sim/calls[?method=M&path=P]    {"calls": {"POST /key/generate": 3}} or {"count": n}
//	POST /__sim/calls/reset, /__sim/wipe, /__sim/reset-budgets
//	POST /__sim/clock        {"advance": "25h"}
//	POST /__sim/faults       {"latency": "20ms", "jitter": "5ms", "path_latency": {"/key/info": "1s"},
//	                          "fail_next": [{"path": "/key/update", "status": 503, "n": 2}],
//	                          "fail_rate": [{"path": "/key/info", "status": 500, "rate": 0.1}],
//	                          "drop_after_apply": [{"path": "/key/generate", "n": 1,
//	                                                "match": {"key_alias": "svc"}}],
//	                          "rate_limit_next": [{"path": "/key/list", "n": 1, "retry_after": "2s"}]}
//	                         every rule but latency takes an optional "match" (key_alias, key_hash,
//	                         team_id, user_id): it then applies only to calls about that object
//	GET  /__sim/faults       {"faults": [{"kind", "path", "match", "hits", "remaining"}]}
//	POST /__sim/faults/clear
//	POST /__sim/down         {"for": "2s"}: refuse connections, then come back on the same address
//	POST /__sim/keys/mutate  {"hash": H, "max_budget": 1.0|null, "spend": 0.5, "blocked": true}
//	POST /__sim/users/mutate {"id": ID, "max_budget": ..., "spend": ...}
//	POST /__sim/teams/mutate {"id": ID, "max_budget": ..., "spend": ..., "blocked": ...}
//	POST /__sim/keys/delete {"hash": H}, /__sim/users/delete {"id": ID}, /__sim/teams/delete {"id": ID}
//	POST /__sim/organizations {"id": ID}

type adminHandler func(s *Simulator, r *http.Request) (any, int, string)

// adminRoutes maps a route name (the path after /__sim/) and a method to its handler.
var adminRoutes = map[string]map[string]adminHandler{
	"state":         {http.MethodGet: (*Simulator).adminState},
	"keys":          {http.MethodGet: (*Simulator).adminKeys},
	"users":         {http.MethodGet: (*Simulator).adminUsers},
	"teams":         {http.MethodGet: (*Simulator).adminTeams},
	"calls":         {http.MethodGet: (*Simulator).adminCalls},
	"calls/reset":   {http.MethodPost: func(s *Simulator, _ *http.Request) (any, int, string) { s.ResetCalls(); return ok() }},
	"wipe":          {http.MethodPost: func(s *Simulator, _ *http.Request) (any, int, string) { s.Wipe(); return ok() }},
	"reset-budgets": {http.MethodPost: func(s *Simulator, _ *http.Request) (any, int, string) { s.ResetBudgets(); return ok() }},
	"clock":         {http.MethodPost: (*Simulator).adminClock},
	"faults": {
		http.MethodPost: (*Simulator).adminFaults,
		http.MethodGet: func(s *Simulator, _ *http.Request) (any, int, string) {
			return map[string]any{"faults": s.FaultStatuses()}, http.StatusOK, ""
		},
	},
	"faults/clear":  {http.MethodPost: func(s *Simulator, _ *http.Request) (any, int, string) { s.ClearFaults(); return ok() }},
	"keys/mutate":   {http.MethodPost: (*Simulator).adminMutateKey},
	"users/mutate":  {http.MethodPost: (*Simulator).adminMutateUser},
	"teams/mutate":  {http.MethodPost: (*Simulator).adminMutateTeam},
	"keys/delete":   {http.MethodPost: adminDelete("hash", (*Simulator).DeleteKey)},
	"users/delete":  {http.MethodPost: adminDelete("id", (*Simulator).DeleteUser)},
	"teams/delete":  {http.MethodPost: adminDelete("id", (*Simulator).DeleteTeam)},
	"organizations": {http.MethodPost: (*Simulator).adminOrganization},
}

func ok() (any, int, string) { return map[string]any{"ok": true}, http.StatusOK, "" }

func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if apiKeyFrom(r) != s.opts.MasterKey {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "litellmsim admin API needs the master key"})
		return
	}
	name := r.URL.Path[len(adminPrefix):]
	if name == "down" && r.Method == http.MethodPost {
		s.adminDown(w, r)
		return
	}
	methods, found := adminRoutes[name]
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "unknown admin route " + r.URL.Path})
		return
	}
	fn, allowed := methods[r.Method]
	if !allowed {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use " + strings.Join(slices.Sorted(maps.Keys(methods)), " or ")})
		return
	}
	body, status, errText := fn(s, r)
	if errText != "" {
		writeJSON(w, status, map[string]any{"error": errText})
		return
	}
	writeJSON(w, status, body)
}

func (s *Simulator) adminState(*http.Request) (any, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := mapEach(s.store.sortedKeys(), keyRowWithToken)
	users := mapEach(s.store.sortedUsers(), userRow)
	teams := mapEach(s.store.sortedTeams(), teamRow)
	memberships := []any{}
	for _, t := range s.store.sortedTeams() {
		for _, m := range s.store.teamMemberships(t.TeamID) {
			memberships = append(memberships, membershipRow(m))
		}
	}
	return map[string]any{"keys": keys, "users": users, "teams": teams, "memberships": memberships}, http.StatusOK, ""
}

func (s *Simulator) adminKeys(r *http.Request) (any, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	keys := s.store.keysWhere(func(k *Key) bool {
		return (!q.Has("alias") || k.KeyAlias == q.Get("alias")) && (!q.Has("hash") || k.Token == tokenOf(q.Get("hash")))
	})
	rows := mapEach(keys, keyRowWithToken)
	return map[string]any{"count": len(rows), "keys": rows}, http.StatusOK, ""
}

func (s *Simulator) adminUsers(r *http.Request) (any, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := []any{}
	for _, u := range s.store.sortedUsers() {
		if !r.URL.Query().Has("id") || u.UserID == r.URL.Query().Get("id") {
			rows = append(rows, userRow(u))
		}
	}
	return map[string]any{"count": len(rows), "users": rows}, http.StatusOK, ""
}

func (s *Simulator) adminTeams(r *http.Request) (any, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := []any{}
	for _, t := range s.store.sortedTeams() {
		if !r.URL.Query().Has("id") || t.TeamID == r.URL.Query().Get("id") {
			rows = append(rows, teamRow(t))
		}
	}
	return map[string]any{"count": len(rows), "teams": rows}, http.StatusOK, ""
}

func (s *Simulator) adminCalls(r *http.Request) (any, int, string) {
	q := r.URL.Query()
	if q.Has("method") || q.Has("path") {
		return map[string]any{"count": s.Calls(q.Get("method"), q.Get("path"))}, http.StatusOK, ""
	}
	return map[string]any{"calls": s.AllCalls()}, http.StatusOK, ""
}

func decodeAdmin(r *http.Request, into any) string {
	if err := json.NewDecoder(r.Body).Decode(into); err != nil {
		return "invalid JSON body: " + err.Error()
	}
	return ""
}

// adminDuration parses a Go duration string; "" is zero.
func adminDuration(v string) (time.Duration, string) {
	if v == "" {
		return 0, ""
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, "invalid duration " + v
	}
	return d, ""
}

func (s *Simulator) adminClock(r *http.Request) (any, int, string) {
	var req struct {
		Advance string `json:"advance"`
	}
	if e := decodeAdmin(r, &req); e != "" {
		return nil, http.StatusBadRequest, e
	}
	d, e := adminDuration(req.Advance)
	if e != "" {
		return nil, http.StatusBadRequest, e
	}
	s.AdvanceClock(d)
	return map[string]any{"now": isoTime(s.Now(), true)}, http.StatusOK, ""
}

// FaultSpec is the JSON body of POST /__sim/faults (also used by the binary's flags).
type FaultSpec struct {
	Latency        string            `json:"latency,omitempty"`
	Jitter         string            `json:"jitter,omitempty"`
	PathLatency    map[string]string `json:"path_latency,omitempty"`
	FailNext       []PathStatusCount `json:"fail_next,omitempty"`
	FailRate       []PathStatusRate  `json:"fail_rate,omitempty"`
	DropAfterApply []PathCount       `json:"drop_after_apply,omitempty"`
	RateLimitNext  []PathRetry       `json:"rate_limit_next,omitempty"`
}

// PathStatusCount: the next N calls to Path (about Match's object) answer Status.
type PathStatusCount struct {
	Path   string `json:"path"`
	Status int    `json:"status"`
	N      int    `json:"n"`
	Match  Match  `json:"match,omitzero"`
}

// PathStatusRate: a fraction Rate of the calls to Path (about Match's object) answer Status.
type PathStatusRate struct {
	Path   string  `json:"path"`
	Status int     `json:"status"`
	Rate   float64 `json:"rate"`
	Match  Match   `json:"match,omitzero"`
}

// PathCount: the next N calls to Path (about Match's object).
type PathCount struct {
	Path  string `json:"path"`
	N     int    `json:"n"`
	Match Match  `json:"match,omitzero"`
}

// PathRetry: the next N calls to Path (about Match's object) answer 429 with Retry-After.
type PathRetry struct {
	Path       string `json:"path"`
	N          int    `json:"n"`
	RetryAfter string `json:"retry_after"`
	Match      Match  `json:"match,omitzero"`
}

// ApplyFaults installs the faults of a spec (added to the faults already in place; a latency set
// here replaces the global latency).
func (s *Simulator) ApplyFaults(spec FaultSpec) error {
	parse := func(v string) (time.Duration, error) {
		if v == "" {
			return 0, nil
		}
		return time.ParseDuration(v)
	}
	latency, err := parse(spec.Latency)
	if err != nil {
		return err
	}
	jitter, err := parse(spec.Jitter)
	if err != nil {
		return err
	}
	pathLatency := map[string]time.Duration{}
	for p, v := range spec.PathLatency {
		d, err := parse(v)
		if err != nil {
			return err
		}
		pathLatency[p] = d
	}
	retries := make([]time.Duration, len(spec.RateLimitNext))
	for i, rl := range spec.RateLimitNext {
		if retries[i], err = parse(rl.RetryAfter); err != nil {
			return err
		}
	}
	if spec.Latency != "" || spec.Jitter != "" {
		s.SetLatency(latency, jitter)
	}
	for p, d := range pathLatency {
		s.SetPathLatency(p, d)
	}
	for _, f := range spec.FailNext {
		s.For(f.Match).FailNext(f.Path, f.Status, f.N)
	}
	for _, f := range spec.FailRate {
		s.For(f.Match).FailRate(f.Path, f.Status, f.Rate)
	}
	for _, f := range spec.DropAfterApply {
		s.For(f.Match).DropAfterApply(f.Path, f.N)
	}
	for i, f := range spec.RateLimitNext {
		s.For(f.Match).RateLimitNext(f.Path, f.N, retries[i])
	}
	return nil
}

func (s *Simulator) adminFaults(r *http.Request) (any, int, string) {
	var spec FaultSpec
	if e := decodeAdmin(r, &spec); e != "" {
		return nil, http.StatusBadRequest, e
	}
	if err := s.ApplyFaults(spec); err != nil {
		return nil, http.StatusBadRequest, err.Error()
	}
	return ok()
}

// adminDown answers first, then takes the proxy down (closing this very connection) and, with
// "for", brings it back on the same address.
func (s *Simulator) adminDown(w http.ResponseWriter, r *http.Request) {
	var req struct {
		For string `json:"for"`
	}
	if e := decodeAdmin(r, &req); e != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": e})
		return
	}
	d, e := adminDuration(req.For)
	if e != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": e})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	if f, isFlusher := w.(http.Flusher); isFlusher {
		f.Flush()
	}
	go func() {
		s.SetDown(true)
		if d > 0 {
			time.Sleep(d)
			s.SetDown(false)
		}
	}()
}

// adminMutation is the body of the mutate routes; pointers tell "not sent" apart, and
// max_budget's json.RawMessage tells null (clear) apart from absent.
type adminMutation struct {
	Hash      string          `json:"hash"`
	ID        string          `json:"id"`
	MaxBudget json.RawMessage `json:"max_budget"`
	Spend     *float64        `json:"spend"`
	Blocked   *bool           `json:"blocked"`
}

// maxBudget returns (value, sent).
func (m adminMutation) maxBudget() (*float64, bool, string) {
	if len(m.MaxBudget) == 0 {
		return nil, false, ""
	}
	if string(m.MaxBudget) == "null" {
		return nil, true, ""
	}
	var f float64
	if err := json.Unmarshal(m.MaxBudget, &f); err != nil {
		return nil, false, "max_budget must be a number or null"
	}
	return &f, true, ""
}

func (s *Simulator) adminMutateKey(r *http.Request) (any, int, string) {
	var m adminMutation
	if e := decodeAdmin(r, &m); e != "" {
		return nil, http.StatusBadRequest, e
	}
	budget, sent, e := m.maxBudget()
	if e != "" {
		return nil, http.StatusBadRequest, e
	}
	found := s.MutateKey(m.Hash, func(k *Key) {
		if sent {
			k.MaxBudget = budget
		}
		if m.Spend != nil {
			k.Spend = *m.Spend
		}
		if m.Blocked != nil {
			k.Blocked, k.BlockedSet = *m.Blocked, true
		}
	})
	if !found {
		return nil, http.StatusNotFound, "no key " + m.Hash
	}
	return ok()
}

func (s *Simulator) adminMutateUser(r *http.Request) (any, int, string) {
	var m adminMutation
	if e := decodeAdmin(r, &m); e != "" {
		return nil, http.StatusBadRequest, e
	}
	budget, sent, e := m.maxBudget()
	if e != "" {
		return nil, http.StatusBadRequest, e
	}
	found := s.MutateUser(m.ID, func(u *User) {
		if sent {
			u.MaxBudget = budget
		}
		if m.Spend != nil {
			u.Spend = *m.Spend
		}
	})
	if !found {
		return nil, http.StatusNotFound, "no user " + m.ID
	}
	return ok()
}

func (s *Simulator) adminMutateTeam(r *http.Request) (any, int, string) {
	var m adminMutation
	if e := decodeAdmin(r, &m); e != "" {
		return nil, http.StatusBadRequest, e
	}
	budget, sent, e := m.maxBudget()
	if e != "" {
		return nil, http.StatusBadRequest, e
	}
	found := s.MutateTeam(m.ID, func(t *Team) {
		if sent {
			t.MaxBudget = budget
		}
		if m.Spend != nil {
			t.Spend = *m.Spend
		}
		if m.Blocked != nil {
			t.Blocked = *m.Blocked
		}
	})
	if !found {
		return nil, http.StatusNotFound, "no team " + m.ID
	}
	return ok()
}

func adminDelete(field string, del func(*Simulator, string) bool) adminHandler {
	return func(s *Simulator, r *http.Request) (any, int, string) {
		var req map[string]string
		if e := decodeAdmin(r, &req); e != "" {
			return nil, http.StatusBadRequest, e
		}
		if !del(s, req[field]) {
			return nil, http.StatusNotFound, "not found: " + req[field]
		}
		return ok()
	}
}

func (s *Simulator) adminOrganization(r *http.Request) (any, int, string) {
	var req struct {
		ID string `json:"id"`
	}
	if e := decodeAdmin(r, &req); e != "" || req.ID == "" {
		return nil, http.StatusBadRequest, "body must be {\"id\": \"...\"}"
	}
	s.AddOrganization(req.ID)
	return ok()
}
