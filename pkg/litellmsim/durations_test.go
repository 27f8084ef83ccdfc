package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpiryAfter(t *testing.T) {
	now := time.Date(2025, 1, 31, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name, reason, duration string
		want                   time.Time
		wantErr                string
	}{
		{name: "seconds", reason: "s is seconds", duration: "30s", want: now.Add(30 * time.Second)},
		{name: "minutes", reason: "m is minutes, not months (compat: Durations)", duration: "30m", want: now.Add(30 * time.Minute)},
		{name: "hours", reason: "h is hours", duration: "2h", want: now.Add(2 * time.Hour)},
		{name: "days", reason: "d is days", duration: "30d", want: now.AddDate(0, 0, 30)},
		{name: "weeks", reason: "w is weeks", duration: "1w", want: now.AddDate(0, 0, 7)},
		{name: "month clamps", reason: "mo is a calendar month clamped to the month's end", duration: "1mo", want: time.Date(2025, 2, 28, 10, 0, 0, 0, time.UTC)},
		{name: "trailing garbage", reason: "prefix match: 30dx is 30 days", duration: "30dx", want: now.AddDate(0, 0, 30)},
		{name: "1month", reason: "prefix match: 1month is mo", duration: "1month", want: time.Date(2025, 2, 28, 10, 0, 0, 0, time.UTC)},
		{name: "5min", reason: "prefix match: 5min is 5 minutes", duration: "5min", want: now.Add(5 * time.Minute)},
		{name: "bare number", reason: "no unit is rejected", duration: "30", wantErr: "Unsupported duration unit, passed duration: 30"},
		{name: "leading letter", reason: "must start with a digit", duration: "d30", wantErr: "Invalid duration format"},
		{name: "minus one", reason: "-1 is only understood by /key/update", duration: "-1", wantErr: "Invalid duration format"},
		{name: "empty", reason: "\"\" gives None, which cannot be added", duration: "", wantErr: "NoneType"},
		{name: "none", reason: "\"none\" gives None", duration: "None", wantErr: "NoneType"},
		{name: "null", reason: "\"null\" gives None", duration: "null", wantErr: "NoneType"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expiryAfter(tc.duration, now)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr, tc.reason)
				return
			}
			assert.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}

func TestNextBudgetReset(t *testing.T) {
	// Wednesday 2025-03-05 07:20:15 UTC.
	now := time.Date(2025, 3, 5, 7, 20, 15, 0, time.UTC)
	day := func(d, h, m, s int) time.Time { return time.Date(2025, 3, d, h, m, s, 0, time.UTC) }
	cases := []struct {
		name, reason, duration string
		want                   time.Time
		wantErr                bool
	}{
		{name: "1d", reason: "next midnight", duration: "1d", want: day(6, 0, 0, 0)},
		{name: "7d", reason: "next Monday", duration: "7d", want: day(10, 0, 0, 0)},
		{name: "1w", reason: "1w = 7d = next Monday", duration: "1w", want: day(10, 0, 0, 0)},
		{name: "30d", reason: "first of next month", duration: "30d", want: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "1mo", reason: "first of next month", duration: "1mo", want: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "2mo", reason: "only 1-month intervals", duration: "2mo", wantErr: true},
		{name: "3d", reason: "other N: today midnight + N days", duration: "3d", want: day(8, 0, 0, 0)},
		{name: "6h", reason: "next hour divisible by 6 (07:20 → 12:00)", duration: "6h", want: day(5, 12, 0, 0)},
		{name: "5h wraps", reason: "past midnight the boundary carries over", duration: "5h", want: day(5, 10, 0, 0)},
		{name: "15m", reason: "next quarter hour", duration: "15m", want: day(5, 7, 30, 0)},
		{name: "30s", reason: "next half minute", duration: "30s", want: day(5, 7, 20, 30)},
		{name: "bare number", reason: "loose parser: no unit → next midnight", duration: "30", want: day(6, 0, 0, 0)},
		{name: "30dx", reason: "loose parser: unknown unit dx → next midnight", duration: "30dx", want: day(6, 0, 0, 0)},
		{name: "5min", reason: "loose parser: unit min → next midnight", duration: "5min", want: day(6, 0, 0, 0)},
		{name: "1month", reason: "loose parser: unit month → next midnight", duration: "1month", want: day(6, 0, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nextBudgetReset(tc.duration, now)
			if tc.wantErr {
				assert.Error(t, err, tc.reason)
				return
			}
			assert.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
	t.Run("monday", func(t *testing.T) {
		monday := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
		got, err := nextBudgetReset("7d", monday)
		assert.NoError(t, err)
		assert.Equal(t, time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC), got, "on a Monday the next Monday is a week away")
	})
	t.Run("late hour", func(t *testing.T) {
		late := time.Date(2025, 3, 5, 22, 10, 0, 0, time.UTC)
		got, err := nextBudgetReset("5h", late)
		assert.NoError(t, err)
		assert.Equal(t, time.Date(2025, 3, 6, 1, 0, 0, 0, time.UTC), got, "25:00 carries over to 01:00 the next day")
	})
}

func TestTeamBudgetReset(t *testing.T) {
	now := time.Date(2025, 3, 5, 7, 20, 15, 0, time.UTC)
	cases := []struct {
		name, reason string
		variant      Variant
		duration     string
		want         time.Time
		wantErr      bool
	}{
		{name: "1d aligned", reason: "current releases align team resets like keys: next midnight", duration: "1d",
			want: time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC)},
		{name: "30d aligned", reason: "current: 30d is the first of next month", duration: "30d",
			want: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "1d unaligned", reason: "older team code: now + duration", variant: Variant{TeamBudgetResetUnaligned: true},
			duration: "1d", want: now.AddDate(0, 0, 1)},
		{name: "no unit unaligned", reason: "the older team code used the strict parser", variant: Variant{TeamBudgetResetUnaligned: true},
			duration: "30", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			got, err := sim.teamBudgetResetAt(tc.duration, now)
			if tc.wantErr {
				assert.Error(t, err, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}

func TestBudgetDurationValidation(t *testing.T) {
	cases := []struct {
		name, reason, duration string
		variant                Variant
		wantReason             string
	}{
		{name: "zero days", reason: "current validate_budget_duration refuses non-positive durations", duration: "0d",
			wantReason: "Invalid budget_duration '0d': budget_duration must be positive"},
		{name: "no unit", reason: "it parses strictly", duration: "30", wantReason: "Invalid budget_duration '30': Unsupported duration unit, passed duration: 30"},
		{name: "two months", reason: "a reset time must be computable", duration: "2mo",
			wantReason: "Invalid budget_duration '2mo': Monthly resets currently only support 1 month intervals"},
		{name: "valid", reason: "30d is fine", duration: "30d"},
		{name: "unset", reason: "an absent duration is not checked", duration: ""},
		{name: "zero days accepted", reason: "before the check, anything was stored", duration: "0d", variant: Variant{UnvalidatedBudgetDuration: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := newTestSim(t, func(o *Options) { o.Variant = tc.variant })
			assert.Equal(t, tc.wantReason, sim.budgetDurationError(tc.duration, testStart), tc.reason)
		})
	}
}
