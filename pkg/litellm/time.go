package litellm

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a LiteLLM timestamp. LiteLLM writes ISO-8601 in several spellings depending on where the
// value comes from (compat: Numbers and timestamps): "2025-01-01T12:00:00.123456+00:00" from Python,
// "2025-01-01T12:00:00.123000Z" from the database, and naive "2024-07-10T18:59:10.616968" (UTC) in
// older bodies. All of them decode; null and "" decode to the zero time.
type Time struct {
	time.Time
	unparsed string
}

// timeLayouts are tried in order. Go accepts 0–9 fractional digits for ".999999999" layouts.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime parses a LiteLLM timestamp; a value without a zone is taken as UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("litellm: unrecognised timestamp %q", s)
}

// UnmarshalJSON accepts a string in any layout of ParseTime, null or "". It never fails: one
// timestamp in a spelling we do not know must not make a whole response unreadable (every field is
// optional, compat: Differences between releases). Such a value decodes to the zero time and is kept in Unparsed.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	s, isString := jsonString(b)
	if !isString {
		t.unparsed = string(b)
		return nil
	}
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	if parsed, err := ParseTime(*s); err == nil {
		t.Time = parsed
	} else {
		t.unparsed = *s
	}
	return nil
}

// jsonString decodes a JSON string or null (nil); false for any other JSON value.
func jsonString(b []byte) (*string, bool) {
	var s *string
	err := json.Unmarshal(b, &s)
	return s, err == nil
}

// Unparsed returns the original text of a timestamp that ParseTime did not recognise, else "".
func (t Time) Unparsed() string { return t.unparsed }

// MarshalJSON writes RFC 3339 with the fraction LiteLLM uses, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}
