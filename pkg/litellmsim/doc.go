// Package litellmsim is an in-memory simulator of a LiteLLM proxy's management API (keys, users,
// teams, team members, health) and of /chat/completions enforcement, for the operator's tests and
// demo. It reproduces LiteLLM's paths, status codes, error body shapes and quirks as described in
// docs/litellm-compatibility.md (sections cited in comments as "compat: <section title>");
// behaviour that document calls unverified is marked so where it is implemented.
//
// # Which LiteLLM
//
// The zero Variant emulates current LiteLLM (2026, v1.104 and later; see
// docs/litellm-compatibility.md):
//   - /user/new: duplicate user_id or user_email (case-insensitive) → 409;
//   - /user/info of an unknown id → 404;
//   - /team/member_delete also deletes the member's keys of that team (PR #17057);
//   - exhausted budget → 422 budget_exceeded; expired key → 401; model not allowed → 403;
//   - /key/update, /key/block, /key/unblock of an unknown key → 404;
//   - /team/info without the team's model table; team budget_reset_at aligned to the calendar;
//     "0d" and other invalid budget durations refused with 400;
//   - /team/member_add counts a member as present only when user_id and email both match, and
//     "max_budget_in_team": null on /team/member_update removes a member budget;
//   - enforced_params accepted on keys and enforced at request time (every call refused on a
//     free proxy); soft_budget ignored by /key/update; /user/new storing less than it accepts;
//   - request-time enforcement reads a cached copy of a key that /key/update by hash does not
//     refresh (Options.AuthCacheTTL);
//   - error.code is a string equal to the status, error.message a string (dict details appear
//     as their Python repr, "{'error': '...'}").
//
// Each Variant field switches one older behaviour back on (≤1.80 duplicate users, 1.80
// /user/info, the ≈1.8x member_delete, 400 or 429 budgets, 400 expiry, 401 model denial, 401 key
// not-found, integer codes, 1.81.x object messages, the older member and budget-duration rules, no
// /v2/team/list). Options.Premium turns Enterprise features on; by default the simulator is a
// free proxy and refuses them as LiteLLM does (compat: Enterprise-only features). Options.DisableCustomAPIKeys and
// Options.KeyAliasPattern are the proxy settings of the same names, off by default.
//
// Besides the management API and /chat/completions (plain and streamed), the simulator answers
// the proxy's read-only routes clients rely on: GET / (the API docs page), the health routes,
// /v1/models and /models, and /key/info with a virtual key's own bearer.
//
// # Testing aids
//
// Fault injection (latency, failure rates, fixed failures, dropped responses after the call was
// applied, 429 with Retry-After, and a proxy that goes down and comes back on the same address),
// call counters, state inspection and direct mutation are available from Go and, for the
// standalone binary (cmd/litellm-sim), from the /__sim/ admin API guarded by the master key.
// A fault rule can be limited to the calls about one key (alias or hash), team or user
// (Simulator.For with a Match), and counts the calls it hit, so a test on a simulator shared by
// many objects proves that its fault hit the object under test; Watch counts matching calls
// without changing them (evidence that an object was read again).
// A test clock (Options.Now, AdvanceClock) drives expiry, budget resets and rate-limit windows.
//
// The master key is never logged. Like LiteLLM, some error messages echo a key the caller sent
// (/key/update's not-found message, the expired key's param): clients must redact them.
package litellmsim
