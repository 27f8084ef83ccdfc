package litellmsim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// LiteLLM is a Python program: several messages embed Python reprs (of dicts, lists, floats,
// datetimes) and JSON numbers come out of Python's float repr. These helpers reproduce them.

// pyFloat is a float64 that marshals like Python's json module (10.0, not 10).
type pyFloat float64

func (f pyFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, fmt.Errorf("litellmsim: unsupported float %v", v)
	}
	return []byte(pyFloatRepr(v)), nil
}

// pyFloatRepr is Python's repr(float): shortest round-trip digits, scientific notation below
// 1e-4 or from 1e16 on, and always a decimal point otherwise.
func pyFloatRepr(v float64) string {
	if v == 0 {
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	exp := int(math.Floor(math.Log10(math.Abs(v))))
	// Log10 can be off by one at exact powers of ten; the 'e' format knows the real exponent.
	if e := strconv.FormatFloat(v, 'e', -1, 64); strings.Contains(e, "e") {
		if n, err := strconv.Atoi(e[strings.Index(e, "e")+1:]); err == nil {
			exp = n
		}
	}
	if exp < -4 || exp >= 16 {
		return strconv.FormatFloat(v, 'e', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyStrRepr is Python's repr(str): single quotes unless the text holds a single quote and no
// double quote.
func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyDictRepr is repr() of a one-entry dict of strings, e.g. {'error': 'No keys found'}.
func pyDictRepr(key, value string) string {
	return "{" + pyStrRepr(key) + ": " + pyStrRepr(value) + "}"
}

// pyListRepr is repr() of a list of strings, e.g. ['gpt-4o', 'o3'].
func pyListRepr(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = pyStrRepr(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyOptional renders a possibly-empty string as Python's f-string would: None when unset.
func pyOptional(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// pyDatetimeStr is str(datetime) for an aware UTC datetime: "2025-01-01 00:00:00+00:00", with
// microseconds only when non-zero.
func pyDatetimeStr(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00"
}

// isoTime formats a datetime as LiteLLM's JSON does: ISO 8601, microseconds only when non-zero,
// and either "Z" (rows serialized by pydantic) or "+00:00" (values computed in Python).
func isoTime(t time.Time, zulu bool) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if zulu {
		return s + "Z"
	}
	return s + "+00:00"
}

// dbTime is what the database keeps of a timestamp: milliseconds (Prisma's precision).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
