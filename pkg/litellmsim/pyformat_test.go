package litellmsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPythonFormatting(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	cases := []struct{ name, got, want string }{
		{"float zero", pyFloatRepr(0), "0.0"},
		{"float integral", pyFloatRepr(10), "10.0"},
		{"float fraction", pyFloatRepr(0.144), "0.144"},
		{"float sum error", pyFloatRepr(tenth + fifth), "0.30000000000000004"},
		{"float small", pyFloatRepr(3.5e-06), "3.5e-06"},
		{"float tiny", pyFloatRepr(1e-09), "1e-09"},
		{"float big", pyFloatRepr(1e16), "1e+16"},
		{"float below 1e16", pyFloatRepr(123456789012345.0), "123456789012345.0"},
		{"float negative", pyFloatRepr(-1), "-1.0"},
		{"str plain", pyStrRepr("No keys found"), "'No keys found'"},
		{"str with single quote", pyStrRepr("must start with 'sk-'"), `"must start with 'sk-'"`},
		{"str with both quotes", pyStrRepr(`a'b"c`), `'a\'b"c'`},
		{"str newline", pyStrRepr("a\nb"), `'a\nb'`},
		{"dict", pyDictRepr("error", "No keys found"), "{'error': 'No keys found'}"},
		{"list", pyListRepr([]string{"gpt-4o", "o3"}), "['gpt-4o', 'o3']"},
		{"datetime", pyDatetimeStr(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), "2025-01-01 00:00:00+00:00"},
		{"datetime micro", pyDatetimeStr(time.Date(2025, 1, 1, 0, 0, 0, 123456000, time.UTC)), "2025-01-01 00:00:00.123456+00:00"},
		{"iso zulu", isoTime(time.Date(2025, 6, 9, 11, 41, 26, 34000000, time.UTC), true), "2025-06-09T11:41:26.034000Z"},
		{"iso offset", isoTime(time.Date(2025, 6, 9, 11, 41, 26, 0, time.UTC), false), "2025-06-09T11:41:26+00:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}
}
