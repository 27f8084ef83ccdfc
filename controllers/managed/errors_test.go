package managed

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

func TestClassify(t *testing.T) {
	le := func(reason litellm.Reason, retryable bool, retryAfter time.Duration) error {
		return fmt.Errorf("wrapped: %w", &litellm.Error{Method: "POST", Endpoint: "/key/generate", Message: "m",
			Reason: reason, Retryable: retryable, RetryAfter: retryAfter})
	}
	cases := []struct {
		name   string
		reason string
		err    error
		want   classification
	}{
		{name: "terminal", reason: "the External decided a retry cannot help",
			err: Terminalf(v1alpha1.ReasonAliasInUse, "taken"), want: classification{reason: v1alpha1.ReasonAliasInUse, terminal: true}},
		{name: "waiting", reason: "the External names when to look again",
			err:  Waiting(v1alpha1.ReasonWaiting, "team not Ready", 30*time.Second),
			want: classification{reason: v1alpha1.ReasonWaiting, retryAfter: 30 * time.Second}},
		{name: "not permitted", reason: "a missing grant only changes when its owner acts",
			err: fmt.Errorf("x: %w", connection.ErrNotPermitted), want: classification{reason: v1alpha1.ReasonConnectionNotPermitted, terminal: true}},
		{name: "Secret missing", reason: "no watch on connection Secrets: poll",
			err: connection.ErrSecretNotFound, want: classification{reason: v1alpha1.ReasonConnectionError, retryAfter: 30 * time.Second}},
		{name: "Secret incomplete", reason: "same as missing",
			err: connection.ErrIncomplete, want: classification{reason: v1alpha1.ReasonConnectionError, retryAfter: 30 * time.Second}},
		{name: "enterprise", reason: "a licence does not appear by retrying",
			err: le(litellm.ReasonEnterpriseOnly, false, 0), want: classification{reason: v1alpha1.ReasonEnterpriseFeature, terminal: true}},
		{name: "unauthorized", reason: "a rotated master key: transient, the Secret is read again",
			err: le(litellm.ReasonUnauthorized, false, 0), want: classification{reason: v1alpha1.ReasonConnectionError}},
		{name: "connection refused", reason: "the proxy is down: transient",
			err: le(litellm.ReasonConnectionRefused, true, 0), want: classification{reason: v1alpha1.ReasonConnectionError}},
		{name: "connection failed", reason: "DNS or dial timeout: transient",
			err: le(litellm.ReasonConnectionFailed, true, 0), want: classification{reason: v1alpha1.ReasonConnectionError}},
		{name: "rate limited", reason: "retry when the proxy asks",
			err: le(litellm.ReasonRateLimited, true, 5*time.Second), want: classification{reason: v1alpha1.ReasonLiteLLMError, retryAfter: 5 * time.Second}},
		{name: "server error", reason: "transient",
			err: le(litellm.ReasonServerError, true, 0), want: classification{reason: v1alpha1.ReasonLiteLLMError}},
		{name: "canceled", reason: "a reconcile out of time is retried",
			err: le(litellm.ReasonCanceled, false, 0), want: classification{reason: v1alpha1.ReasonLiteLLMError}},
		{name: "invalid request", reason: "LiteLLM refused the spec: terminal",
			err: le(litellm.ReasonInvalidRequest, false, 0), want: classification{reason: v1alpha1.ReasonLiteLLMError, terminal: true}},
		{name: "Kubernetes", reason: "anything else is an API server failure, retried by the rate limiter",
			err: errors.New("etcdserver: request timed out"), want: classification{reason: ReasonKubernetesError}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, classify(tc.err), tc.reason)
		})
	}
}

func TestIsKubernetesRace(t *testing.T) {
	gr := schema.GroupResource{Resource: "secrets"}
	cases := []struct {
		name   string
		reason string
		err    error
		want   bool
	}{
		{name: "conflict", reason: "optimistic lock lost", err: fmt.Errorf("writing: %w", apierrors.NewConflict(gr, "x", errors.New("modified"))), want: true},
		{name: "already exists", reason: "a stale cache did not show the object", err: apierrors.NewAlreadyExists(gr, "x"), want: true},
		{name: "forbidden", reason: "RBAC does not heal by reading again", err: apierrors.NewForbidden(gr, "x", errors.New("no")), want: false},
		{name: "LiteLLM already exists", reason: "LiteLLM's answer is handled by observing again, not as a Kubernetes race",
			err: &litellm.Error{Reason: litellm.ReasonAlreadyExists}, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, isKubernetesRace(tc.err), tc.reason) })
	}
}

func TestBoundedMessage(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		in     string
		want   string
	}{
		{name: "short", reason: "left alone", in: "team t does not exist", want: "team t does not exist"},
		{name: "lines", reason: "one line: status and Events are read in tables", in: "a\nb\t c", want: "a b c"},
		{name: "long ASCII", reason: "cut to the limit with an ellipsis", in: strings.Repeat("x", 3000),
			want: strings.Repeat("x", maxMessageLength-len("…")) + "…"},
		{name: "long multibyte", reason: "never cut inside a character", in: strings.Repeat("é", 1000),
			want: strings.Repeat("é", (maxMessageLength-len("…"))/2) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := boundedMessage(tc.in)
			assert.Equal(t, tc.want, got, tc.reason)
			assert.LessOrEqual(t, len(got), maxMessageLength)
		})
	}
}

func TestNeverSent(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		err    error
		want   bool
	}{
		{name: "no error", reason: "an answer came", err: nil, want: false},
		{name: "dial refused", reason: "no connection: nothing was sent", err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}, want: true},
		{name: "read reset", reason: "the request may have been read by the proxy", err: &net.OpError{Op: "read", Err: errors.New("reset")}, want: false},
		{name: "timeout", reason: "a timeout after sending may hide an applied call", err: errors.New("context deadline exceeded"), want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, neverSent(tc.err), tc.reason) })
	}
}

func TestValidateConnectionRef(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		ref    v1alpha1.ConnectionRef
		want   string
	}{
		{name: "secret", reason: "a valid Secret name", ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "litellm.conn-1"}}},
		{name: "secret upper case", reason: "Secret names are lower case",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "LiteLLM"}}, want: "spec.connectionRef.secretRef.name"},
		{name: "secret slash", reason: "a slash would change the API path",
			ref: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "a/b"}}, want: "spec.connectionRef.secretRef.name"},
		{name: "instance", reason: "a label, with a namespace", ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "litellm", Namespace: "ai"}}},
		{name: "instance with a dot", reason: "the instance names a Service: a label, no dots",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "a.b"}}, want: "spec.connectionRef.instanceRef.name"},
		{name: "instance namespace", reason: "a namespace is a label",
			ref: v1alpha1.ConnectionRef{InstanceRef: &v1alpha1.InstanceRef{Name: "x", Namespace: "A_B"}}, want: "spec.connectionRef.instanceRef.namespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validateConnectionRef(tc.ref)
			if tc.want == "" {
				assert.NoError(t, err, tc.reason)
				return
			}
			assert.ErrorContains(t, err, tc.want, tc.reason)
		})
	}
}

func TestJitter(t *testing.T) {
	for range 100 {
		d := jitter(time.Minute)
		assert.GreaterOrEqual(t, d, 54*time.Second, "at most 10% earlier")
		assert.LessOrEqual(t, d, 66*time.Second, "at most 10% later")
	}
	assert.Zero(t, jitter(0), "no period, no wait")
}
