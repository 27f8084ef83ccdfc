//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// keyDelete is POST /key/delete (compat: POST /key/delete): by keys (raw or hash) or, when keys is absent or empty,
// by key_aliases; 404 when nothing matched; the answer echoes the input (compat: POST /key/delete).
func (s *Simulator) keyDelete(r *http.Request, _ caller) (any, *apiError) {
	b, aerr := parseBody(r, schema{"keys": kindStrings, "key_aliases": kindStrings})
	if aerr != nil {
		return nil, aerr
	}
	var tokens []string
	var echo []string
	switch {
	case len(b.strings("keys")) > 0:
		echo = b.strings("keys")
		for _, ref := range echo {
			if _, ok := s.store.keys[tokenOf(ref)]; ok {
				tokens = append(tokens, tokenOf(ref))
			}
		}
	case len(b.strings("key_aliases")) > 0:
		echo = b.strings("key_aliases")
		for _, alias := range echo {
			for _, k := range s.store.keysWithAlias(alias) {
				tokens = append(tokens, k.Token)
			}
		}
	default:
		return nil, errorInternal("Invalid request type")
	}
	if len(tokens) == 0 {
		return nil, errorADict(http.StatusNotFound, "internal_server_error", "error", "No keys found")
	}
	for _, t := range tokens {
		s.store.deleteKeyRow(t)
	}
	return map[string]any{"deleted_keys": echo}, nil
}

const sortAsc = "asc"

// keyListSortFields are the sort_by values /key/list accepts.
var keyListSortFields = []string{"spend", "max_budget", "created_at", "updated_at", "token", "key_alias"}

// keyList is GET /key/list (compat: GET /key/list): hashes unless return_full_object=true, exact filters,
// pagination with total_count, default order created_at desc then token desc.
func (s *Simulator) keyList(r *http.Request, _ caller) (any, *apiError) {
	var items []validationItem
	page, item := queryInt(r, "page", 1, 0)
	if item != nil {
		items = append(items, *item)
	}
	size, item := queryInt(r, "size", 10, 100)
	if item != nil {
		items = append(items, *item)
	}
	full, item := queryBool(r, "return_full_object")
	if item != nil {
		items = append(items, *item)
	}
	for _, name := range []string{"include_team_keys", "include_created_by_keys"} {
		if _, item := queryBool(r, name); item != nil {
			items = append(items, *item)
		}
	}
	if len(items) > 0 {
		return nil, errorD(items...)
	}
	sortBy := queryStr(r, "sort_by")
	if sortBy != "" && !containsString(keyListSortFields, sortBy) {
		return nil, errorA(http.StatusBadRequest, "internal_server_error", pyNone,
			"Invalid sort_by value. Must be one of "+pyListRepr(keyListSortFields))
	}
	order := strings.ToLower(queryStr(r, "sort_order"))
	if order == "" {
		order = "desc"
	}
	if order != sortAsc && order != "desc" {
		return nil, errorA(http.StatusBadRequest, "internal_server_error", pyNone,
			"Invalid sort_order value. Must be 'asc' or 'desc'")
	}
	status := queryStr(r, "status")
	if status != "" && status != "deleted" {
		return nil, errorA(http.StatusBadRequest, "internal_server_error", pyNone,
			"Invalid status value. Currently only 'deleted' is supported.")
	}

	matched := s.listedKeys(status, r.URL.Query())
	sortKeys(matched, sortBy, order)

	total := len(matched)
	start := int((page - 1) * size)
	end := min(start+int(size), total)
	var pageKeys []*Key
	if start < total {
		pageKeys = matched[start:end]
	}
	keys := []any{}
	for _, k := range pageKeys {
		if full {
			keys = append(keys, keyRow(k, true))
		} else {
			keys = append(keys, k.Token)
		}
	}
	return map[string]any{
		"keys":         keys,
		"total_count":  total,
		"current_page": page,
		"total_pages":  int(math.Ceil(float64(total) / float64(size))),
	}, nil
}

// sortKeys orders keys by sortBy (default created_at) then token, both in order's direction.
func sortKeys(keys []*Key, sortBy, order string) {
	less := func(a, b *Key) int {
		switch sortBy {
		case "spend":
			return cmpFloat(a.Spend, b.Spend)
		case "max_budget":
			return cmpFloat(floatOr(a.MaxBudget, math.Inf(1)), floatOr(b.MaxBudget, math.Inf(1)))
		case "updated_at":
			return a.UpdatedAt.Compare(b.UpdatedAt)
		case "token":
			return strings.Compare(a.Token, b.Token)
		case "key_alias":
			return strings.Compare(a.KeyAlias, b.KeyAlias)
		default:
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			// Same timestamp (frozen test clock): creation order stands in for microseconds.
			return cmpUint(a.seq, b.seq)
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		c := less(keys[i], keys[j])
		if c == 0 {
			c = strings.Compare(keys[i].Token, keys[j].Token)
		}
		if order == sortAsc {
			return c < 0
		}
		return c > 0
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func floatOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// keyAliases is GET /key/aliases: distinct aliases, ILIKE search, paginated.
func (s *Simulator) keyAliases(r *http.Request, _ caller) (any, *apiError) {
	page, item := queryInt(r, "page", 1, 0)
	if item != nil {
		return nil, errorD(*item)
	}
	size, item := queryInt(r, "size", 50, 100)
	if item != nil {
		return nil, errorD(*item)
	}
	search := strings.ToLower(queryStr(r, "search"))
	seen := map[string]bool{}
	var aliases []string
	for _, k := range s.store.sortedKeys() {
		if k.KeyAlias == "" || seen[k.KeyAlias] || !strings.Contains(strings.ToLower(k.KeyAlias), search) {
			continue
		}
		seen[k.KeyAlias] = true
		aliases = append(aliases, k.KeyAlias)
	}
	sort.Strings(aliases)
	total := len(aliases)
	start := int((page - 1) * size)
	out := []string{}
	if start < total {
		out = aliases[start:min(start+int(size), total)]
	}
	return map[string]any{
		"aliases": out, "total_count": total, "current_page": page,
		"total_pages": int(math.Ceil(float64(total) / float64(size))), "size": size,
	}, nil
}

// listedKeys are the keys (the deleted ones for status=deleted) that pass the query's filters,
// unordered.
func (s *Simulator) listedKeys(status string, query url.Values) []*Key {
	var source []*Key
	if status == "deleted" {
		for i := range s.store.deletedKeys {
			source = append(source, &s.store.deletedKeys[i])
		}
	} else {
		// Unordered: the matches are sorted below.
		source = make([]*Key, 0, len(s.store.keys))
		for _, k := range s.store.keys {
			source = append(source, k)
		}
	}
	filters := map[string]func(*Key) string{
		"user_id":         func(k *Key) string { return k.UserID },
		"team_id":         func(k *Key) string { return k.TeamID },
		"organization_id": func(k *Key) string { return k.OrganizationID },
		"key_alias":       func(k *Key) string { return k.KeyAlias },
		"key_hash":        func(k *Key) string { return k.Token },
	}
	var matched []*Key
	for _, k := range source {
		if k.TeamID == "litellm-dashboard" {
			continue // UI session keys are never listed
		}
		ok := true
		for name, field := range filters {
			if query.Has(name) && field(k) != query.Get(name) {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, k)
		}
	}
	return matched
}
