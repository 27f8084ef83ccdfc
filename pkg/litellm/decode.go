package litellm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Body size limits: bodies are read through io.LimitReader. Lists such as /team/list
// can be large on a busy proxy; errors are small. Every text taken from an error body is bounded
// after redaction, so that Error() stays short enough for a condition or an Event.
const (
	maxSuccessBody = 32 << 20
	maxErrorBody   = 64 << 10
	maxMessageLen  = 512
	maxTypeLen     = 64
	maxParamLen    = 128
	maxCodeLen     = 16
	maxMediaType   = 64
)

// bodyShape is which of LiteLLM's error shapes a body has (compat: Error bodies), or none.
type bodyShape uint8

const (
	// shapeForeign: empty, not JSON, or JSON that is none of LiteLLM's shapes (an ingress's error
	// page, another service behind a wrong path prefix). Nothing of it is copied into errors.
	shapeForeign      bodyShape = iota
	shapeError                  // A: {"error": {...}} (or {"error": "text"})
	shapeDetailText             // B: {"detail": "text"}; FastAPI's unknown route is {"detail": "Not Found"}
	shapeDetailObject           // C: {"detail": {"error": "text"}}
	shapeValidation             // D: {"detail": [...]}
)

// singleKey reports a JSON object with exactly one member: LiteLLM's error bodies have only their
// "error" or "detail", while other services' JSON errors usually carry more (a service answering
// {"error": "..."} alone is still taken for LiteLLM: there is nothing to tell them apart by).
func singleKey(object []byte) bool {
	var members map[string]json.RawMessage
	return json.Unmarshal(object, &members) == nil && len(members) == 1
}

// fastAPIRouteNotFound is FastAPI's detail for a path no route serves.
const fastAPIRouteNotFound = "Not Found"

// errorEnvelope holds the top-level fields of LiteLLM's four error shapes (compat: Error bodies).
type errorEnvelope struct {
	Error  json.RawMessage `json:"error"`
	Detail json.RawMessage `json:"detail"`
}

// proxyException is shape A. Every field is raw JSON: `code` is a string in current releases and
// an integer in older ones (compat: Error bodies), `message` a string or an object (compat: Error bodies), `param` a string or null.
type proxyException struct {
	Message json.RawMessage `json:"message"`
	Type    json.RawMessage `json:"type"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
}

// validationIssue is one entry of shape D (FastAPI 422). Its `input` is deliberately not decoded:
// it echoes the request body, raw keys included.
type validationIssue struct {
	Loc []json.RawMessage `json:"loc"`
	Msg string            `json:"msg"`
}

// ResponseError turns a non-2xx answer of any LiteLLM route into the client's typed, classified
// and redacted error (an *Error), as the client's own calls get it, for callers that call LiteLLM's LLM
// routes themselves (an application's /chat/completions, a test) and want the same predicates:
// IsBudgetExceeded (whether the proxy answers 422, 429 or 400), IsUnauthorized, IsForbidden...
// It reads at most 64 KiB of the body without closing it, and redacts the request's bearer key.
// nil for a 2xx answer.
func ResponseError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	var method, route string
	var secrets []string
	if req := resp.Request; req != nil {
		method, route = req.Method, req.URL.Path
		if bearer, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
			secrets = append(secrets, strings.TrimSpace(bearer))
		}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return decodeError(method, route, resp.StatusCode, resp.Header, body, newRedactor(secrets...))
}

// decodeError turns a non-2xx response into the typed, classified, redacted error.
func decodeError(method, route string, status int, header http.Header, body []byte, red redactor) *Error {
	e := &Error{Method: method, Endpoint: route, StatusCode: status}
	e.shape = fillFromBody(e, body)
	if e.shape == shapeForeign && len(bytes.TrimSpace(body)) > 0 {
		e.Message = fmt.Sprintf("the answer is not LiteLLM's (content type %s, %d bytes)", mediaType(header), len(body))
	}
	if loc := header.Get("Location"); status >= 300 && status < 400 && loc != "" {
		e.Message = "redirected to " + redactURL(loc) + " (redirects are not followed: configure that address)"
	}
	e.Message = bounded(red.clean(e.Message), maxMessageLen)
	e.Param = bounded(red.clean(e.Param), maxParamLen)
	e.Type = bounded(red.clean(e.Type), maxTypeLen)
	e.Code = bounded(red.clean(e.Code), maxCodeLen)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
	}
	classify(e)
	return e
}

// fillFromBody applies the decoding rule (compat: Error bodies): `error` object → A; `detail`
// string → B, object → C, list → D. It returns the shape; for anything else (shapeForeign) it
// fills nothing from the body: decodeError reports such an answer by status and content type
// only, so that whatever answered in LiteLLM's place (an ingress, another service) cannot put
// its text into conditions and Events.
func fillFromBody(e *Error, body []byte) bodyShape {
	trimmed := bytes.TrimSpace(body)
	var env errorEnvelope
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil && singleKey(trimmed) {
		switch {
		case jsonKind(env.Error) == '{':
			var a proxyException
			if json.Unmarshal(env.Error, &a) == nil {
				e.Message = humanText(a.Message)
				e.Type = scalarText(a.Type)
				e.Param = scalarText(a.Param)
				e.Code = scalarText(a.Code)
				if e.Param == "None" { // Python's None printed with str()
					e.Param = ""
				}
				return shapeError
			}
		case jsonKind(env.Error) == '"':
			e.Message = humanText(env.Error)
			return shapeError
		case jsonKind(env.Detail) == '"':
			e.Message = humanText(env.Detail)
			return shapeDetailText
		case jsonKind(env.Detail) == '{':
			e.Message = humanText(env.Detail)
			return shapeDetailObject
		case jsonKind(env.Detail) == '[':
			e.Message = validationText(env.Detail)
			return shapeValidation
		}
	}
	if len(trimmed) == 0 {
		e.Message = "empty response body"
	}
	return shapeForeign
}

// mediaType is the answer's media type without parameters, bounded; "none" when absent and
// "invalid" when it does not parse (its text is not repeated then).
func mediaType(h http.Header) string {
	v := h.Get("Content-Type")
	if v == "" {
		return "none"
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return "invalid"
	}
	return truncate(mt, maxMediaType)
}

// bounded makes text taken from a body one short line.
func bounded(s string, n int) string { return truncate(oneLine(s), n) }

// jsonKind returns the first significant byte of a JSON value ('{', '[', '"', ...), or 0 for
// absent and null.
func jsonKind(raw json.RawMessage) byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return 0
	}
	return t[0]
}

// humanText extracts a message for people from a JSON value: a string (with a Python dict repr
// stripped), or an object's error/message/detail member (shape C, and shape A on 1.81.x where
// `message` is `{"error": "..."}`).
func humanText(raw json.RawMessage) string {
	switch jsonKind(raw) {
	case 0:
		return ""
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return stripPythonRepr(s)
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for _, k := range []string{"error", "message", "msg", "detail"} {
				if v, ok := obj[k]; ok && jsonKind(v) != 0 {
					return humanText(v)
				}
			}
		}
	}
	return string(bytes.TrimSpace(raw))
}

// scalarText renders a string, number or boolean JSON value as text; null and absent give "".
func scalarText(raw json.RawMessage) string {
	switch jsonKind(raw) {
	case 0:
		return ""
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	return string(bytes.TrimSpace(raw))
}

// stripPythonRepr turns the repr of a one-entry dict, "{'error': 'User u1 already exists'}", into
// its value. LiteLLM prints such reprs when it re-raises a dict detail (compat: Error bodies). The repr is only
// stripped, never parsed: anything that does not look like that form is returned unchanged.
func stripPythonRepr(s string) string {
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return s
	}
	inner := strings.TrimSpace(t[1 : len(t)-1])
	if inner == "" || (inner[0] != '\'' && inner[0] != '"') {
		return s
	}
	keyEnd := strings.IndexByte(inner[1:], inner[0])
	if keyEnd < 0 {
		return s
	}
	rest := strings.TrimSpace(inner[keyEnd+2:])
	if !strings.HasPrefix(rest, ":") {
		return s
	}
	val := strings.TrimSpace(rest[1:])
	if len(val) < 2 || (val[0] != '\'' && val[0] != '"') || val[len(val)-1] != val[0] {
		return s
	}
	return val[1 : len(val)-1]
}

// validationText summarises shape D as "validation failed: body.key: Field required; ...".
func validationText(raw json.RawMessage) string {
	var issues []validationIssue
	if json.Unmarshal(raw, &issues) != nil || len(issues) == 0 {
		return "validation failed: " + string(raw)
	}
	parts := make([]string, 0, len(issues))
	for _, is := range issues {
		loc := make([]string, 0, len(is.Loc))
		for _, l := range is.Loc {
			loc = append(loc, scalarText(l))
		}
		parts = append(parts, strings.Join(loc, ".")+": "+is.Msg)
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// oneLine collapses runs of white space, newlines included, so that a message fits a condition
// or an Event on one line (LiteLLM's Enterprise texts contain blank lines).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
