package litellm

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Reason is the client's classification of a failed call. It is decided once, when the error is
// built, from the endpoint, the HTTP status and LiteLLM's error `type` (compat: Retryable and permanent errors; Retries and lost responses);
// message text is consulted only where docs/litellm-compatibility.md allows it (see classify).
type Reason string

const (
	// ReasonNotFound: the object the call names does not exist (per-endpoint rules, compat: Not-found answers per endpoint).
	ReasonNotFound Reason = "NotFound"
	// ReasonAlreadyExists: a create found the object (or alias, or membership) already there.
	ReasonAlreadyExists Reason = "AlreadyExists"
	// ReasonUnauthorized: the caller's key was refused (a wrong master key is the usual cause).
	ReasonUnauthorized Reason = "Unauthorized"
	// ReasonForbidden: the key is valid but not allowed to do this.
	ReasonForbidden Reason = "Forbidden"
	// ReasonEnterpriseOnly: the proxy is not licensed for a feature the request uses (compat: Enterprise-only features).
	ReasonEnterpriseOnly Reason = "EnterpriseOnly"
	// ReasonBudgetExceeded: a budget is exhausted; permanent until spend resets (compat: Retryable and permanent errors).
	ReasonBudgetExceeded Reason = "BudgetExceeded"
	// ReasonCustomKeyRefused: the proxy does not accept chosen key values (disable_custom_api_keys):
	// /key/generate must be called without a key, and LiteLLM generates it.
	ReasonCustomKeyRefused Reason = "CustomKeyRefused"
	// ReasonUnknownBudget: /key/generate named a budget_id that LiteLLM does not have. LiteLLM says
	// only "500 Internal Server Error"; the client tells this case from a server fault by asking
	// /budget/info (see GenerateKey). Field is "budget_id". Permanent until the spec changes.
	ReasonUnknownBudget Reason = "UnknownBudget"
	// ReasonInvalidRequest: LiteLLM rejected the request (400, 422, or a 500 carrying a validation
	// message such as a bad duration, compat: Durations).
	ReasonInvalidRequest Reason = "InvalidRequest"
	// ReasonRateLimited: 429 that is not a budget refusal; retry after RetryAfter.
	ReasonRateLimited Reason = "RateLimited"
	// ReasonServerError: 500/502/503/504 without a permanent cause; transient.
	ReasonServerError Reason = "ServerError"
	// ReasonConnectionRefused: nothing listened; the request was certainly not applied.
	ReasonConnectionRefused Reason = "ConnectionRefused"
	// ReasonConnectionFailed: the request could not be sent (DNS, dial timeout, TLS); not applied.
	ReasonConnectionFailed Reason = "ConnectionFailed"
	// ReasonResponseLost: the request was sent but no complete response came back (connection
	// closed, reset, timeout). The call may have been applied: observe before creating again.
	ReasonResponseLost Reason = "ResponseLost"
	// ReasonCanceled: the caller's context ended. RequestSent tells whether the call may have
	// been applied.
	ReasonCanceled Reason = "Canceled"
	// ReasonInvalidResponse: a 2xx body the client could not decode.
	ReasonInvalidResponse Reason = "InvalidResponse"
	// ReasonUnexpected: any other status (e.g. 501, 3xx, a 404 from an endpoint with no not-found
	// meaning, such as a route missing on an old proxy).
	ReasonUnexpected Reason = "Unexpected"
)

// ErrResponseLost matches (errors.Is) every error whose request reached the server but whose
// response did not come back: the call may have been applied.
var ErrResponseLost = errors.New("litellm: response lost after the request was sent; the call may have been applied")

// Error is every error the client returns for a call. All string fields are redacted when the error
// is built (no master key, no raw key), so Error() is safe for logs, Kubernetes Events and status.
type Error struct {
	// Method and Endpoint name the call: "POST" and the route template, e.g. "/key/update".
	Method   string
	Endpoint string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Type, Code, Param and Message come from LiteLLM's body (shape A; shapes B–D fill Message).
	// Param is "" when LiteLLM sent null or Python's "None".
	Type    string
	Code    string
	Param   string
	Message string
	// Reason is the classification; the Is* predicates read it.
	Reason Reason
	// Retryable reports a transient failure. Whether the client retried it also depends on whether
	// the call is safe to repeat (see retry.go).
	Retryable bool
	// RetryAfter is the wait LiteLLM asked for with Retry-After (429/503), else 0.
	RetryAfter time.Duration
	// Field names the Enterprise-only field when LiteLLM names it ("tags", "model_max_budget", ...).
	Field string
	// RequestSent reports that the request was fully written before the failure (transport errors).
	RequestSent bool

	cause error
	// shape is the error body's shape: only LiteLLM's own answers may mean "not found".
	shape bodyShape
}

// Error returns a one-line, redacted description: "litellm: POST /key/update: 401 auth_error: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("litellm: ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.Endpoint)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.Type != "" {
			b.WriteString(" ")
			b.WriteString(e.Type)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Param != "" {
		b.WriteString(" (param ")
		b.WriteString(e.Param)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying transport or context error, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, ErrResponseLost) true for a lost response.
func (e *Error) Is(target error) bool {
	return target == ErrResponseLost && e.Reason == ReasonResponseLost
}

// AsError returns the client's *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func hasReason(err error, r Reason) bool {
	e, ok := AsError(err)
	return ok && e.Reason == r
}

// IsNotFound reports that the named object does not exist, as the endpoint itself says it. The
// signal differs per endpoint (compat: Retries and lost responses): /key/update and /key/block answer 401 before
// March 2026, /team/member_delete 400, /user/info may answer 200 with an empty user_info on 1.80.
// A 404 counts only in one of LiteLLM's error shapes: an ingress's page or FastAPI's unknown-route
// answer is not the object's absence. A delete treats this as success.
func IsNotFound(err error) bool { return hasReason(err, ReasonNotFound) }

// IsAlreadyExists reports that a create found its object already there: duplicate key alias (400),
// duplicate user (409, or 400 "already exists" before 1.81), duplicate team id (400), or a member
// already in the team (team_member_already_in_team).
func IsAlreadyExists(err error) bool { return hasReason(err, ReasonAlreadyExists) }

// IsUnauthorized reports a refused caller key: with the operator that means the master key is wrong
// (re-read the connection Secret). Not-found answers that LiteLLM sends as 401 are not included.
func IsUnauthorized(err error) bool { return hasReason(err, ReasonUnauthorized) }

// IsForbidden reports a valid key without the right to make the call.
func IsForbidden(err error) bool { return hasReason(err, ReasonForbidden) }

// IsEnterpriseOnly reports a refusal because the proxy has no Enterprise licence. EnterpriseField
// names the field when LiteLLM does.
func IsEnterpriseOnly(err error) bool { return hasReason(err, ReasonEnterpriseOnly) }

// EnterpriseField returns the field LiteLLM named in an Enterprise-only refusal, or "".
func EnterpriseField(err error) string {
	if e, ok := AsError(err); ok && e.Reason == ReasonEnterpriseOnly {
		return e.Field
	}
	return ""
}

// IsBudgetExceeded reports an exhausted budget (any status; decided by `type` or the budget
// message, compat: Request-time checks). Never transient.
func IsBudgetExceeded(err error) bool { return hasReason(err, ReasonBudgetExceeded) }

// IsCustomKeyRefused reports that the proxy refuses chosen key values (disable_custom_api_keys):
// generate the key without one and read the raw key from the answer.
func IsCustomKeyRefused(err error) bool { return hasReason(err, ReasonCustomKeyRefused) }

// IsUnknownBudget reports a /key/generate that failed because its budget_id does not exist in
// LiteLLM: a problem of the spec, not of the proxy.
func IsUnknownBudget(err error) bool { return hasReason(err, ReasonUnknownBudget) }

// IsInvalidRequest reports a request LiteLLM rejected as malformed or invalid (400, 422, or 500
// with a validation message). Retrying the same request cannot succeed.
func IsInvalidRequest(err error) bool { return hasReason(err, ReasonInvalidRequest) }

// IsTransient reports a failure that may succeed later: connection errors, a lost response, 429
// (not budget), and 5xx without a permanent cause (compat: Retryable and permanent errors). A context error is not.
func IsTransient(err error) bool {
	e, ok := AsError(err)
	return ok && e.Retryable
}

// IsResponseLost reports that the request was sent and the response lost: the call may have been
// applied. Observe (e.g. /key/info by hash) before creating again.
func IsResponseLost(err error) bool { return errors.Is(err, ErrResponseLost) }

// IsConnectionRefused reports that nothing accepted the connection: the call was not applied.
func IsConnectionRefused(err error) bool { return hasReason(err, ReasonConnectionRefused) }

// RetryAfter returns the wait LiteLLM asked for, or 0.
func RetryAfter(err error) time.Duration {
	if e, ok := AsError(err); ok {
		return e.RetryAfter
	}
	return 0
}

// newCanceledError reports that the caller's context ended, keeping the last failure for context.
func newCanceledError(method, route string, ctxErr error, last *Error) *Error {
	msg := "context ended: " + ctxErr.Error()
	if last != nil {
		msg += "; last attempt: " + last.Message
	}
	return &Error{Method: method, Endpoint: route, Reason: ReasonCanceled, Message: msg, cause: ctxErr}
}

// isContextError reports an error caused by the caller's context.
func isContextError(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
