package litellm

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// redactedText replaces a secret that must not even be abbreviated (the master key, short keys).
const redactedText = "[REDACTED]"

// HashKey returns LiteLLM's token for a raw key: the lowercase hex SHA-256 of the whole string,
// "sk-" included (compat: Key identity and hashes). The hash is what status fields and URLs carry.
func HashKey(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// KeyName returns LiteLLM's abbreviated key name, "sk-..." plus the last four characters.
func KeyName(raw string) string {
	if len(raw) < 4 {
		return "sk-..."
	}
	return "sk-..." + raw[len(raw)-4:]
}

// GenerateRawKey returns a new raw key: "sk-" and 32 URL-safe characters from crypto/rand (LiteLLM's
// own keys have 22). The operator chooses keys itself so that a lost /key/generate response can be
// repaired by looking the key up by hash (design.md "Identity and idempotency").
func GenerateRawKey() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "sk-" + base64.RawURLEncoding.EncodeToString(b), nil
}

// isHash reports whether s looks like a key hash (64 hex characters).
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// keyRef turns a key reference into what the client sends: the hash of a raw key, or the value
// as given. LiteLLM accepts either wherever a key is identified (compat: Key identity and hashes), and sending
// the hash keeps raw keys out of URLs, proxy access logs and LiteLLM's echoes ("User Key=...").
func keyRef(key string) string {
	if strings.HasPrefix(key, "sk-") {
		return HashKey(key)
	}
	return key
}

// redactor removes secrets from text before it leaves the package (error strings, logs).
// It knows the master key and the raw keys of the current call literally, and recognises
// anything shaped like a LiteLLM key ("sk-" and URL-safe characters), e.g. a key LiteLLM
// echoes back in `param` of an expired-key error (compat: Request-time checks).
type redactor struct {
	literals []string
}

func newRedactor(secrets ...string) redactor {
	var r redactor
	return r.with(secrets...)
}

// with returns a redactor that also hides the given secrets.
func (r redactor) with(secrets ...string) redactor {
	out := redactor{literals: append([]string(nil), r.literals...)}
	for _, s := range secrets {
		if s != "" {
			out.literals = append(out.literals, s)
		}
	}
	return out
}

// clean returns s with every known secret replaced by [REDACTED] and every key-shaped token
// replaced by LiteLLM's own "sk-...abcd" form.
func (r redactor) clean(s string) string {
	for _, lit := range r.literals {
		s = strings.ReplaceAll(s, lit, redactedText)
	}
	s = redactBearer(s)
	return redactKeyShapes(s)
}

// redactKeyShapes abbreviates every "sk-<url-safe chars>" token that starts a word.
// Tokens already abbreviated ("sk-...abcd") are left alone because '.' ends the run.
func redactKeyShapes(s string) string {
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(s[i:], "sk-")
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		start := i + j
		end := start + 3
		for end < len(s) && isKeyChar(s[end]) {
			end++
		}
		b.WriteString(s[i:start])
		run := s[start+3 : end]
		switch {
		case start > 0 && isWordChar(s[start-1]), run == "":
			b.WriteString(s[start:end]) // "task-..." or a bare "sk-": not a key
		case len(run) < 12:
			b.WriteString(redactedText) // too short to show four characters safely
		default:
			b.WriteString(KeyName(run))
		}
		i = end
	}
}

// redactBearer hides the credential of an Authorization header value quoted in text.
func redactBearer(s string) string {
	const prefix = "Bearer "
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(s[i:], prefix)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		start := i + j + len(prefix)
		end := start
		for end < len(s) && s[end] != ' ' && s[end] != '"' && s[end] != '\'' && s[end] != ',' {
			end++
		}
		b.WriteString(s[i:start])
		if end > start {
			b.WriteString(redactedText)
		}
		i = end
	}
}

func isKeyChar(c byte) bool { return isWordChar(c) || c == '-' }

func isWordChar(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
