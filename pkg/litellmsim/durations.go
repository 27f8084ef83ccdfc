package litellmsim

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Durations (compat: Durations). Two parsers exist in LiteLLM and both are reproduced:
//   - the strict one for expiry (`duration`) and team budget resets: prefix match of
//     ^(\d+)(mo|[smhdw]?), so "30dx" is 30 days, but a bare number has no unit and fails;
//   - the loose one for key/user budget_duration: (\d+)([a-z]+), where an unknown or missing
//     unit silently falls back to "next midnight".

var strictDurationRE = regexp.MustCompile(`^(\d+)(mo|[smhdw]?)`)
var looseDurationRE = regexp.MustCompile(`^(\d+)([a-z]+)`)

// litellmError carries LiteLLM's own exception text, capitals and all, as clients see it.
type litellmError string

func (e litellmError) Error() string { return string(e) }

// errNullDuration marks "", "none" and "null": duration_in_seconds returns None for them and the
// caller then fails adding None to a datetime (compat: Durations).
var errNullDuration = litellmError("unsupported type for timedelta seconds component: NoneType")

// strictDuration is a parsed expiry duration: n units, months kept apart because they are
// calendar months.
type strictDuration struct {
	n    int
	unit string // s, m, h, d, w or mo
}

func parseStrictDuration(s string) (strictDuration, error) {
	switch strings.ToLower(s) {
	case "", "none", "null":
		return strictDuration{}, errNullDuration
	}
	m := strictDurationRE.FindStringSubmatch(s)
	if m == nil {
		return strictDuration{}, litellmError("Invalid duration format")
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return strictDuration{}, litellmError("Invalid duration format: " + s)
	}
	if m[2] == "" {
		return strictDuration{}, litellmError("Unsupported duration unit, passed duration: " + s)
	}
	return strictDuration{n: n, unit: m[2]}, nil
}

// after returns now + the duration; months are calendar months clamped to the month's end.
func (d strictDuration) after(now time.Time) time.Time {
	switch d.unit {
	case "s":
		return now.Add(time.Duration(d.n) * time.Second)
	case "m":
		return now.Add(time.Duration(d.n) * time.Minute)
	case "h":
		return now.Add(time.Duration(d.n) * time.Hour)
	case "d":
		return now.AddDate(0, 0, d.n)
	case "w":
		return now.AddDate(0, 0, 7*d.n)
	default: // "mo"
		return addMonthsClamped(now, d.n)
	}
}

// addMonthsClamped adds calendar months, clamping the day (Jan 31 + 1mo = Feb 28/29), unlike
// time.AddDate which would overflow into March.
func addMonthsClamped(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// expiryAfter is "expires = now + duration" as /key/generate, /user/new and /key/update compute it.
func expiryAfter(duration string, now time.Time) (time.Time, error) {
	d, err := parseStrictDuration(duration)
	if err != nil {
		return time.Time{}, err
	}
	return d.after(now), nil
}

// teamBudgetResetAt is a team's budget_reset_at: calendar-aligned like keys in current releases
// (compat: Budget durations), now + duration in the older team code
// (Variant.TeamBudgetResetUnaligned).
func (s *Simulator) teamBudgetResetAt(duration string, now time.Time) (time.Time, error) {
	if s.opts.Variant.TeamBudgetResetUnaligned {
		return expiryAfter(duration, now)
	}
	return nextBudgetReset(duration, now)
}

// budgetDurationError is validate_budget_duration of current releases: a budget_duration that
// does not parse, is not positive ("0d") or cannot give a reset time is refused before anything is
// written. It returns LiteLLM's reason (text unverified), or "" when the value is acceptable or
// the variant predates the check.
func (s *Simulator) budgetDurationError(duration string, now time.Time) string {
	if duration == "" || s.opts.Variant.UnvalidatedBudgetDuration {
		return ""
	}
	reason := ""
	d, err := parseStrictDuration(duration)
	switch {
	case err != nil:
		reason = err.Error()
	case d.n <= 0:
		reason = "budget_duration must be positive"
	default:
		if _, err := nextBudgetReset(duration, now); err != nil {
			reason = err.Error()
		}
	}
	if reason == "" {
		return ""
	}
	return "Invalid budget_duration '" + duration + "': " + reason
}

// nextBudgetReset is the calendar-aligned budget_reset_at of keys and users (compat: Durations,
// get_next_standardized_reset_time), in UTC.
func nextBudgetReset(duration string, now time.Time) (time.Time, error) {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	m := looseDurationRE.FindStringSubmatch(duration)
	if m == nil {
		return midnight.AddDate(0, 0, 1), nil // no unit: falls back to next midnight
	}
	unit := m[2]
	n, err := strconv.Atoi(m[1])
	if err != nil {
		unit = "" // a number too large to count with: treated like an unknown unit
	}
	switch unit {
	case "d":
		return alignedDays(n, now, midnight), nil
	case "w":
		return alignedDays(7*n, now, midnight), nil
	case "mo":
		if n != 1 {
			return time.Time{}, litellmError("Monthly resets currently only support 1 month intervals")
		}
		return time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC), nil
	case "h":
		return alignedWithin(n, now.Hour(), 24, midnight, time.Hour)
	case "m":
		hourStart := midnight.Add(time.Duration(now.Hour()) * time.Hour)
		return alignedWithin(n, now.Minute(), 60, hourStart, time.Minute)
	case "s":
		minuteStart := now.Truncate(time.Minute)
		return alignedWithin(n, now.Second(), 60, minuteStart, time.Second)
	default:
		return midnight.AddDate(0, 0, 1), nil // unknown unit ("30dx", "1month", "5min")
	}
}

// alignedDays: 1 → next midnight, 7 → next Monday, 30 → first of next month, else today + N days.
func alignedDays(n int, now, midnight time.Time) time.Time {
	switch n {
	case 1:
		return midnight.AddDate(0, 0, 1)
	case 7:
		// Python weekday(): Monday = 0. On a Monday the next Monday is a week away.
		weekday := (int(now.Weekday()) + 6) % 7
		days := (7 - weekday) % 7
		if days == 0 {
			days = 7
		}
		return midnight.AddDate(0, 0, days)
	case 30:
		return time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return midnight.AddDate(0, 0, n)
	}
}

// alignedWithin returns the next boundary divisible by n of a clock field (hour of the day,
// minute of the hour, second of the minute), counted from start; past the end of the enclosing
// period it carries over (e.g. 5h at 22:10 → 01:00 the next day).
func alignedWithin(n, current, period int, start time.Time, unit time.Duration) (time.Time, error) {
	if n <= 0 {
		return time.Time{}, litellmError("integer division or modulo by zero")
	}
	next := (current/n + 1) * n
	if next >= period {
		return start.Add(time.Duration(period) * unit).Add(time.Duration(next-period) * unit), nil
	}
	return start.Add(time.Duration(next) * unit), nil
}
