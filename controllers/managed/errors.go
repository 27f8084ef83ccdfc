package managed

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// ReasonKubernetesError is the Synced reason for a failed call to the Kubernetes API server.
const ReasonKubernetesError = "KubernetesAPIError"

// maxMessageLength bounds the text of a condition message and of an Event note, in bytes: the API
// server refuses an Event note above 1 KiB, and a status message that is too long would be refused
// on every retry.
const maxMessageLength = 1024

// Error carries the Synced reason for a failure and how the loop should come back to it.
type Error struct {
	Reason string
	Err    error
	// Terminal errors cannot fix themselves by retrying the same spec: the loop reports them once and
	// comes back only at the next resync (or when the object changes), never in a hot loop.
	Terminal bool
	// RequeueAfter, when set, is when to look again (e.g. waiting for another object).
	RequeueAfter time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Terminal wraps err as a failure that retrying cannot fix.
func Terminal(reason string, err error) error {
	return &Error{Reason: reason, Err: err, Terminal: true}
}

// Terminalf formats a terminal error.
func Terminalf(reason, format string, args ...any) error {
	return Terminal(reason, fmt.Errorf(format, args...))
}

// Waiting reports that the object waits for something else (another object becoming Ready, a
// dependency returning); the loop looks again after the given time or when a watch fires.
func Waiting(reason, message string, after time.Duration) error {
	return &Error{Reason: reason, Err: errors.New(message), RequeueAfter: after}
}

// refusedForGeneration lists the Synced reasons of a spec that LiteLLM refused for good: the loop
// does not send that generation again (it keeps observing at each resync) until the spec changes.
var refusedForGeneration = []string{v1alpha1.ReasonEnterpriseFeature, v1alpha1.ReasonInvalidSpec, v1alpha1.ReasonEmailInUse,
	v1alpha1.ReasonCustomKeysDisabled}

// classification is what the loop does with an error.
type classification struct {
	reason     string
	terminal   bool
	retryAfter time.Duration
}

// classify decides, once, the Synced reason of err and whether retrying can help.
func classify(err error) classification {
	var me *Error
	if errors.As(err, &me) {
		return classification{reason: me.Reason, terminal: me.Terminal, retryAfter: me.RequeueAfter}
	}
	switch {
	case errors.Is(err, connection.ErrNotPermitted):
		return classification{reason: v1alpha1.ReasonConnectionNotPermitted, terminal: true}
	case errors.Is(err, connection.ErrSecretNotFound), errors.Is(err, connection.ErrIncomplete):
		// No watch on connection Secrets: come back soon in case the Secret is being created.
		return classification{reason: v1alpha1.ReasonConnectionError, retryAfter: 30 * time.Second}
	}
	if le, ok := litellm.AsError(err); ok {
		switch {
		case litellm.IsEnterpriseOnly(err):
			return classification{reason: v1alpha1.ReasonEnterpriseFeature, terminal: true}
		case litellm.IsUnauthorized(err):
			// Most likely a rotated master key: the connection Secret is re-read on the retry.
			return classification{reason: v1alpha1.ReasonConnectionError}
		case le.Reason == litellm.ReasonConnectionRefused || le.Reason == litellm.ReasonConnectionFailed:
			return classification{reason: v1alpha1.ReasonConnectionError, retryAfter: le.RetryAfter}
		case le.Retryable || le.Reason == litellm.ReasonCanceled:
			return classification{reason: v1alpha1.ReasonLiteLLMError, retryAfter: le.RetryAfter}
		default:
			return classification{reason: v1alpha1.ReasonLiteLLMError, terminal: true}
		}
	}
	return classification{reason: ReasonKubernetesError}
}

// isKubernetesRace reports a lost race with another writer of a Kubernetes object: an optimistic
// lock conflict, or a create of an object that a stale cache did not show yet. Reading again is
// the whole fix, so it is neither a failure to report nor an error to log.
func isKubernetesRace(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}

// enterpriseMessage says which field needs a licence and that the whole request was refused.
func enterpriseMessage(err error) string {
	field := litellm.EnterpriseField(err)
	if field == "" {
		field = "a field of the spec"
	}
	return fmt.Sprintf("the LiteLLM proxy has no Enterprise licence for %s; it refused the whole request, "+
		"other changes included: remove the field from the spec or license the proxy (%v)", field, err)
}

// boundedMessage makes s fit a condition message and an Event note: one line, at most
// maxMessageLength bytes, cut at a character boundary.
func boundedMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxMessageLength {
		return s
	}
	const ellipsis = "…"
	cut := maxMessageLength - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
