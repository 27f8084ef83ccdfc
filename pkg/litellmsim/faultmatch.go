package litellmsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Match limits a fault rule to the calls about one object: every non-empty field must match. The
// simulator is shared by many objects in a test suite; a fault meant for one of them must not be
// consumed by another's resync. The zero Match matches every call.
type Match struct {
	// KeyAlias matches calls that name the alias (key_alias, key_aliases) or name a key, by raw
	// value or hash, that holds this alias at the time of the call.
	KeyAlias string `json:"key_alias,omitempty"`
	// KeyHash matches calls that name the key by raw value or hash; a raw key given here is hashed.
	KeyHash string `json:"key_hash,omitempty"`
	// TeamID matches calls that name the team (team_id, team_ids).
	TeamID string `json:"team_id,omitempty"`
	// UserID matches calls that name the user (user_id, user_ids, member.user_id).
	UserID string `json:"user_id,omitempty"`
	// KeyMetadata, "name=value", matches calls whose metadata holds that entry or that name a key
	// whose metadata holds it: it follows one object's keys through a rotation, where the new key
	// is generated without alias and its value is not known beforehand.
	KeyMetadata string `json:"key_metadata,omitempty"`
}

// subject is what one request names: the objects a Match can select.
type subject struct {
	aliases, hashes, teams, users, metadata []string
}

func (m Match) matches(s subject) bool {
	return (m.KeyAlias == "" || slices.Contains(s.aliases, m.KeyAlias)) &&
		(m.KeyHash == "" || slices.Contains(s.hashes, tokenOf(m.KeyHash))) &&
		(m.TeamID == "" || slices.Contains(s.teams, m.TeamID)) &&
		(m.UserID == "" || slices.Contains(s.users, m.UserID)) &&
		(m.KeyMetadata == "" || slices.Contains(s.metadata, m.KeyMetadata))
}

// subjectOf reads what r names from its query, its path (/key/{key}/regenerate) and its JSON body,
// which it leaves readable for the handler; named keys add the alias they hold now.
func (s *Simulator) subjectOf(r *http.Request) subject {
	var sub subject
	q := r.URL.Query()
	add := func(list *[]string, v string) {
		if v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	addKey := func(ref string) { add(&sub.hashes, tokenOf(ref)) }
	if ref := q.Get("key"); ref != "" {
		addKey(ref)
	}
	add(&sub.aliases, q.Get("key_alias"))
	add(&sub.teams, q.Get("team_id"))
	add(&sub.users, q.Get("user_id"))
	if rest, ok := strings.CutPrefix(r.URL.Path, "/key/"); ok {
		if ref, ok := strings.CutSuffix(rest, "/regenerate"); ok && ref != "" {
			addKey(ref)
		}
	}

	if r.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var body map[string]any
		if json.Unmarshal(raw, &body) == nil {
			forEachString(body["key"], addKey)
			forEachString(body["keys"], addKey)
			forEachString(body["key_alias"], func(v string) { add(&sub.aliases, v) })
			forEachString(body["key_aliases"], func(v string) { add(&sub.aliases, v) })
			forEachString(body["team_id"], func(v string) { add(&sub.teams, v) })
			forEachString(body["team_ids"], func(v string) { add(&sub.teams, v) })
			forEachString(body["user_id"], func(v string) { add(&sub.users, v) })
			forEachString(body["user_ids"], func(v string) { add(&sub.users, v) })
			if md, ok := body["metadata"].(map[string]any); ok {
				addMetadata(&sub.metadata, md)
			}
			members, _ := body["member"].([]any)
			if m, ok := body["member"].(map[string]any); ok {
				members = append(members, m)
			}
			for _, m := range members {
				if m, ok := m.(map[string]any); ok {
					forEachString(m["user_id"], func(v string) { add(&sub.users, v) })
				}
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range sub.hashes {
		if k, ok := s.store.keys[h]; ok {
			add(&sub.aliases, k.KeyAlias)
			addMetadata(&sub.metadata, k.Metadata)
		}
	}
	return sub
}

// forEachString calls fn with v when it is a string, or with each string of a list.
func forEachString(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				fn(s)
			}
		}
	}
}

// addMetadata adds the "name=value" entries of metadata whose values are strings.
func addMetadata(list *[]string, md map[string]any) {
	for k, v := range md {
		if v, ok := v.(string); ok {
			*list = append(*list, k+"="+v)
		}
	}
}
