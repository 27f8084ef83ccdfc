//nolint:goconst // LiteLLM's JSON field names read best spelled out where each body is built.
package litellmsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// pyNone is the literal string "None" LiteLLM puts in error.param when Python's None was
// formatted with str() (compat: Error bodies).
const pyNone = "None"

// errorShape is one of the four error body shapes (compat: Error bodies).
type errorShape int

const (
	shapeA     errorShape = iota // {"error": {"message", "type", "param", "code"}}
	shapeB                       // {"detail": "text"}
	shapeC                       // {"detail": {"error": "text"}}
	shapeD                       // {"detail": [validation items]} (422)
	shapePlain                   // text/plain, as Starlette answers an unhandled exception
)

// apiError is an error response in one of LiteLLM's shapes.
type apiError struct {
	status int
	shape  errorShape

	// Shape A.
	errType string
	param   any // string, or nil for JSON null
	message string
	// dictKey set: the message is a dict detail {dictKey: message}, rendered as its Python repr
	// (current) or as the object itself (1.81.x, Variant.ObjectErrorMessage).
	dictKey string
	// internal: a Python exception turned into a 500 by handle_exception_on_proxy; 1.81.x
	// prefixes its text with "Internal Server Error, ".
	internal bool

	// Shape D.
	items []validationItem

	headers map[string]string
}

// validationItem is one FastAPI/pydantic validation error.
type validationItem struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// errorA is a ProxyException with a plain string message.
func errorA(status int, errType string, param any, message string) *apiError {
	return &apiError{status: status, shape: shapeA, errType: errType, param: param, message: message}
}

// errorADict is an HTTPException whose detail is the dict {key: text}, re-raised as a
// ProxyException: message = repr of the dict (compat: Error bodies).
func errorADict(status int, errType, key, text string) *apiError {
	return &apiError{status: status, shape: shapeA, errType: errType, param: pyNone, message: text, dictKey: key}
}

// errorInternal is a Python exception (ValueError, TypeError...) that handle_exception_on_proxy
// turns into a 500 (compat: Error bodies).
func errorInternal(text string) *apiError {
	return &apiError{status: http.StatusInternalServerError, shape: shapeA, errType: "internal_server_error",
		param: pyNone, message: text, internal: true}
}

// errorAuthWrapped is a Python exception caught by the "auth_error" wrapper of /key/update,
// /user/update and /team/info: 400 "Authentication Error, <text>" (compat: Error bodies).
func errorAuthWrapped(text string) *apiError {
	return errorA(http.StatusBadRequest, "auth_error", pyNone, "Authentication Error, "+text)
}

// errorB is a FastAPI HTTPException with a string detail.
func errorB(status int, text string) *apiError {
	return &apiError{status: status, shape: shapeB, message: text}
}

// errorC is a FastAPI HTTPException with the dict detail {"error": text}.
func errorC(status int, text string) *apiError {
	return &apiError{status: status, shape: shapeC, message: text}
}

// errorD is a request validation failure (422).
func errorD(items ...validationItem) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, shape: shapeD, items: items}
}

// errorPlain is Starlette's answer to an exception nobody caught.
func errorPlain(status int, text string) *apiError {
	return &apiError{status: status, shape: shapePlain, message: text}
}

// body renders the error as LiteLLM (or the selected variant) would.
func (e *apiError) body(v Variant) any {
	switch e.shape {
	case shapeB:
		return map[string]any{"detail": e.message}
	case shapeC:
		return map[string]any{"detail": map[string]any{"error": e.message}}
	case shapeD:
		return map[string]any{"detail": e.items}
	}
	var message any = e.message
	switch {
	case e.dictKey != "" && v.ObjectErrorMessage:
		message = map[string]any{e.dictKey: e.message}
	case e.dictKey != "":
		message = pyDictRepr(e.dictKey, e.message)
	case e.internal && v.ObjectErrorMessage:
		message = "Internal Server Error, " + e.message
	}
	var code any = strconv.Itoa(e.status)
	if v.IntegerErrorCode {
		code = e.status
	}
	return map[string]any{"error": map[string]any{
		"message": message, "type": e.errType, "param": e.param, "code": code,
	}}
}

func (e *apiError) write(w http.ResponseWriter, v Variant) {
	for k, val := range e.headers {
		w.Header().Set(k, val)
	}
	if e.shape == shapePlain {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte(e.message)) //nolint:gosec // text/plain, never rendered as HTML: Starlette's own "Internal Server Error"
		return
	}
	writeJSON(w, e.status, e.body(v))
}

// writeJSON writes a JSON body the way FastAPI does: no HTML escaping, no trailing newline.
func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		http.Error(w, "litellmsim: cannot encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// errNotFoundRoute and errMethodNotAllowed are FastAPI's answers for unknown routes.
var (
	errNotFoundRoute    = errorB(http.StatusNotFound, "Not Found")
	errMethodNotAllowed = errorB(http.StatusMethodNotAllowed, "Method Not Allowed")
)
