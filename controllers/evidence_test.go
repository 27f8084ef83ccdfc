package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/test/harness"
)

// Positive evidence for tests that check that nothing happens: instead of sleeping and hoping a
// reconcile ran meanwhile, they wait until the object under test has finished a number of further
// reconciles, counted from controller-runtime's own per-reconcile log lines.

// reconcileCounter counts finished reconciles per object, keyed "controller/namespace/name".
type reconcileCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *reconcileCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[key]++
}

func (c *reconcileCounter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// reconcileLogLevel is the verbosity of controller-runtime's "Reconcile successful" and "Reconcile
// done, requeueing" lines; the operator's own logs are kept up to operatorLogLevel.
const (
	reconcileLogLevel = 5
	operatorLogLevel  = 1
)

// countingSink passes the operator's logs (up to operatorLogLevel) to out and counts the end of
// every reconcile, which controller-runtime logs with the object's controller, namespace and name.
type countingSink struct {
	out     logr.LogSink
	counter *reconcileCounter
	values  []any
}

func newCountingLogger(out logr.LogSink, counter *reconcileCounter) logr.Logger {
	return logr.New(&countingSink{out: out, counter: counter})
}

func (s *countingSink) Init(info logr.RuntimeInfo) { s.out.Init(info) }
func (s *countingSink) Enabled(level int) bool     { return level <= reconcileLogLevel }

func (s *countingSink) Info(level int, msg string, kv ...any) {
	if level <= operatorLogLevel {
		s.out.Info(level, msg, kv...)
	}
	if msg == "Reconcile successful" || strings.HasPrefix(msg, "Reconcile done") {
		s.countReconcile(kv)
	}
}

func (s *countingSink) Error(err error, msg string, kv ...any) {
	s.out.Error(err, msg, kv...)
	if msg == "Reconciler error" {
		s.countReconcile(kv)
	}
}

func (s *countingSink) countReconcile(kv []any) {
	all := append(slices.Clone(s.values), kv...)
	value := func(key string) string {
		for i := 0; i+1 < len(all); i += 2 {
			if all[i] == key {
				return fmt.Sprint(all[i+1])
			}
		}
		return ""
	}
	s.counter.add(value("controller") + "/" + value("namespace") + "/" + value("name"))
}

func (s *countingSink) WithValues(kv ...any) logr.LogSink {
	return &countingSink{out: s.out.WithValues(kv...), counter: s.counter, values: append(slices.Clone(s.values), kv...)}
}

func (s *countingSink) WithName(name string) logr.LogSink {
	return &countingSink{out: s.out.WithName(name), counter: s.counter, values: s.values}
}

// controllerOf names the controller of an object's kind (as controllers.Setup names them).
func controllerOf(obj client.Object) string {
	switch obj.(type) {
	case *v1alpha1.VirtualKey:
		return "virtualkey"
	case *v1alpha1.User:
		return "user"
	case *v1alpha1.Team:
		return "team"
	case *v1alpha1.TeamMemberAssociation:
		return "teammemberassociation"
	}
	panic(fmt.Sprintf("no controller for %T", obj))
}

// reconciles is how many reconciles of obj have finished so far.
func reconciles(obj client.Object) int {
	return env.reconciles.get(controllerOf(obj) + "/" + obj.GetNamespace() + "/" + obj.GetName())
}

// waitForReconciles waits until obj has finished n more reconciles than from (a value of
// reconciles(obj)): proof that the operator looked at it again, e.g. at its periodic resync.
func waitForReconciles(t *testing.T, obj client.Object, from, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return reconciles(obj) >= from+n }, waitTimeout, 50*time.Millisecond,
		"%d more reconciles of %s %s/%s (finished so far: %d)", n, controllerOf(obj), obj.GetNamespace(), obj.GetName(), reconciles(obj)-from)
}

// newLogSink formats the operator's logs into buf.
func newLogSink(buf *harness.Lines) logr.LogSink {
	return funcr.New(func(prefix, args string) { buf.WriteLine(prefix + " " + args) }, funcr.Options{Verbosity: operatorLogLevel}).GetSink()
}

// Secrets never leave their Secret: neither the master keys nor a raw key a test read may appear in
// the operator's logs, in Events, or in the status of any object of the four kinds.

// seenRawKeys collects every raw key a test read or made (rawKey, and tests that make their own).
var seenRawKeys sync.Map

// secondMasterKey is the master key of the second proxy of TestConnections.
const secondMasterKey = "sk-second-proxy-master"

// secretsToFind lists the master keys and every raw key seen so far.
func secretsToFind() []string {
	secrets := []string{masterKey, secondMasterKey}
	seenRawKeys.Range(func(k, _ any) bool {
		secrets = append(secrets, k.(string))
		return true
	})
	return secrets
}

// secretLeaks scans the operator's logs written since logOffset, and the Events and the status of
// every VirtualKey, User, Team and TeamMemberAssociation in namespace ("" = all), for secrets.
func secretLeaks(ctx context.Context, namespace string, logOffset int) ([]string, error) {
	haystacks := map[string]string{"operator logs": env.logs.From(logOffset)}
	events := &eventsv1.EventList{}
	if err := env.k8s.List(ctx, events, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	lists := map[string]client.ObjectList{
		"Events": events, "VirtualKey status": &v1alpha1.VirtualKeyList{}, "User status": &v1alpha1.UserList{},
		"Team status": &v1alpha1.TeamList{}, "TeamMemberAssociation status": &v1alpha1.TeamMemberAssociationList{},
	}
	for where, list := range lists {
		if list != events {
			if err := env.k8s.List(ctx, list, client.InNamespace(namespace)); err != nil {
				return nil, err
			}
		}
		text, err := statusesOf(list)
		if err != nil {
			return nil, err
		}
		haystacks[where] = text
	}
	var leaks []string
	for where, text := range haystacks {
		for _, secret := range secretsToFind() {
			if strings.Contains(text, secret) {
				leaks = append(leaks, fmt.Sprintf("a secret (%s...) appears in %s", secret[:6], where))
			}
		}
	}
	slices.Sort(leaks)
	return leaks, nil
}

// statusesOf renders the status of every object in list (whole Events, which have no status).
func statusesOf(list client.ObjectList) (string, error) {
	var v any = list
	switch l := list.(type) {
	case *v1alpha1.VirtualKeyList:
		v = mapItems(l.Items, func(o v1alpha1.VirtualKey) any { return o.Status })
	case *v1alpha1.UserList:
		v = mapItems(l.Items, func(o v1alpha1.User) any { return o.Status })
	case *v1alpha1.TeamList:
		v = mapItems(l.Items, func(o v1alpha1.Team) any { return o.Status })
	case *v1alpha1.TeamMemberAssociationList:
		v = mapItems(l.Items, func(o v1alpha1.TeamMemberAssociation) any { return o.Status })
	}
	data, err := json.Marshal(v)
	return string(data), err
}

func mapItems[T any](items []T, f func(T) any) []any {
	out := make([]any, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// checkNoSecretLeaks fails t when its namespace or the logs written during it hold a secret.
func checkNoSecretLeaks(t *testing.T, namespace string, logOffset int) {
	t.Helper()
	leaks, err := secretLeaks(context.Background(), namespace, logOffset)
	require.NoError(t, err)
	require.Empty(t, leaks, "secrets leaked during %s", t.Name())
}
