package litellmsim

import "time"

// LiteLLM checks a virtual key at request time against an in-memory copy of its row, kept for a
// TTL (compat: Auth cache). The simulator models it because an
// operator must address /key/update so that the copy is dropped:
//   - /key/update drops the entry named hash_token(key as sent): sent as the raw key that is the
//     key's own entry, sent as its hash it is the hash of the hash, and the stale copy stays until
//     the TTL ends (unverified: from reading LiteLLM's source, not from a live proxy);
//   - /key/block, /key/unblock, /key/delete and every other deletion drop the right entry;
//   - direct mutations of the simulator (Go API and /__sim/) drop it too, so tests that edit the
//     database behind LiteLLM's back see the edit at once.
//
// Only the key's settings come from the copy. Spend is always the live value, as LiteLLM updates
// the cached copy's spend after every call, and teams and users are read live.

type authCacheEntry struct {
	key   Key
	until time.Time
}

// enforcedKeyView returns the key as request-time enforcement sees it, and the live row that
// spend is booked on; nil when the key does not exist (any more).
func (s *Simulator) enforcedKeyView(token string, now time.Time) (view, live *Key) {
	live = s.lookupCallerKey(token)
	if live == nil {
		return nil, nil
	}
	if s.opts.AuthCacheTTL < 0 {
		return live, live
	}
	entry, ok := s.store.authCache[live.Token]
	if !ok || !now.Before(entry.until) {
		entry = authCacheEntry{key: cloneKey(live), until: now.Add(s.opts.AuthCacheTTL)}
		s.store.authCache[live.Token] = entry
	}
	v := cloneKey(&entry.key)
	v.Spend = live.Spend
	return &v, live
}

// dropAuthCache forgets the cached copy stored under name (a key's hash, or whatever hash
// LiteLLM computes from the reference it was given).
func (st *store) dropAuthCache(name string) {
	delete(st.authCache, name)
}
