package monitoring_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
	"github.com/litellm-operator/litellm-operator/test/harness"
	"github.com/litellm-operator/litellm-operator/test/harness/inprocess"
	"github.com/litellm-operator/litellm-operator/test/harness/suite"
	"github.com/litellm-operator/litellm-operator/test/monitoring"
)

const (
	masterKey    = "sk-master-monitoring-0123456789abcdef"
	resyncPeriod = time.Second
	waitTimeout  = 30 * time.Second
	poll         = 100 * time.Millisecond
)

// env is the package's world: a control plane, a simulator and the operator's manager serving
// its metrics over plain HTTP on a loopback port, as Prometheus would scrape it (minus TLS).
var env struct {
	k8s        client.Client
	sim        *litellmsim.Simulator
	metricsURL string
}

// world is started by the first test that needs it (newNamespace), or skips the tests that do when
// the control plane is not built.
var world = suite.New(start)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := world.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the monitoring suite:", err)
		code = 1
	}
	os.Exit(code)
}

func start() (struct{}, func() error, error) {
	ctrl.SetLogger(logr.Discard())
	addrs, err := harness.FreeAddresses(1)
	if err != nil {
		return struct{}{}, nil, err
	}
	started, err := inprocess.Start(inprocess.Options{
		CRDDir:       filepath.Join("..", "..", "config", "crd", "bases"),
		MasterKey:    masterKey,
		ResyncPeriod: resyncPeriod,
		Retry:        litellm.RetryPolicy{MaxAttempts: 2, BaseDelay: 20 * time.Millisecond, MaxDelay: 100 * time.Millisecond, MaxElapsed: time.Second},
		MetricsAddr:  addrs[0],
	})
	if err != nil {
		return struct{}{}, nil, err
	}
	env.k8s, env.sim, env.metricsURL = started.Client, started.Sim, "http://"+addrs[0]+"/metrics"
	return struct{}{}, started.Stop, nil
}

// newNamespace creates a namespace for one test with a connection Secret to the simulator.
// It starts the suite's world on first use.
func newNamespace(t *testing.T) string {
	t.Helper()
	world.Get(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "mon-"}}
	require.NoError(t, env.k8s.Create(context.Background(), ns))
	require.NoError(t, env.k8s.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "litellm"},
		StringData: map[string]string{"masterKey": masterKey, "url": env.sim.URL()},
	}))
	return ns.Name
}

func connectionRef() v1alpha1.ConnectionRef {
	return v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "litellm"}}
}

func newVirtualKey(ns, name string, mutate ...func(*v1alpha1.VirtualKey)) *v1alpha1.VirtualKey {
	vk := &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.VirtualKeySpec{
			KeyAlias: ns + "-" + name, Models: []string{"gpt-4o"},
			MaxBudget: ptr.To("10"), SoftBudget: ptr.To("8"), BudgetDuration: "30d", Duration: "30d",
			ConnectionRef: connectionRef(),
		},
	}
	for _, m := range mutate {
		m(vk)
	}
	return vk
}

func newUser(ns, name string) *v1alpha1.User {
	return &v1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.UserSpec{
			UserEmail: name + "@" + ns + ".example.com", UserRole: "internal_user",
			MaxBudget: ptr.To("20"), Models: []string{"gpt-4o"}, ConnectionRef: connectionRef(),
		},
	}
}

func newTeam(ns, name string) *v1alpha1.Team {
	return &v1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.TeamSpec{TeamAlias: ns + "-" + name, MaxBudget: ptr.To("100"), Models: []string{"gpt-4o"},
			ConnectionRef: connectionRef()},
	}
}

// conditioned is any of the four kinds.
type conditioned interface {
	client.Object
	GetConditions() []metav1.Condition
}

// waitReady waits for Ready=True and Synced=True of the current generation.
func waitReady(t *testing.T, obj conditioned) {
	t.Helper()
	require.Eventually(t, func() bool {
		if err := env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return false
		}
		for _, condType := range []string{v1alpha1.ConditionTypeReady, v1alpha1.ConditionTypeSynced} {
			c := meta.FindStatusCondition(obj.GetConditions(), condType)
			if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != obj.GetGeneration() {
				return false
			}
		}
		return true
	}, waitTimeout, poll, "%s/%s should be Ready and Synced: %+v", obj.GetNamespace(), obj.GetName(), obj.GetConditions())
}

func deleteAndWait(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, client.IgnoreNotFound(env.k8s.Delete(context.Background(), obj)))
	require.Eventually(t, func() bool {
		return apierrors.IsNotFound(env.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}, waitTimeout, poll, "%s/%s should be deleted", obj.GetNamespace(), obj.GetName())
}

// scrape reads the manager's metrics endpoint.
func scrape(t *testing.T) []monitoring.Series {
	t.Helper()
	series, err := monitoring.Scrape(context.Background(), env.metricsURL)
	require.NoError(t, err)
	return series
}

// waitForSeries scrapes until check accepts the series of metric name for the object.
func waitForSeries(t *testing.T, name string, obj client.Object, what string, check func([]monitoring.Series) bool) {
	t.Helper()
	var last []monitoring.Series
	require.Eventually(t, func() bool {
		all, err := monitoring.Scrape(context.Background(), env.metricsURL)
		if err != nil {
			return false
		}
		last = monitoring.Select(all, name, map[string]string{"namespace": obj.GetNamespace(), "name": obj.GetName()})
		return check(last)
	}, waitTimeout, poll, "%s for %s/%s; last scrape: %v", what, obj.GetNamespace(), obj.GetName(), last)
}

// hasValue accepts exactly one series with value v.
func hasValue(v float64) func([]monitoring.Series) bool {
	return func(s []monitoring.Series) bool { return len(s) == 1 && s[0].Value == v }
}

func absent(s []monitoring.Series) bool { return len(s) == 0 }

// budgetEvents lists the Events of one reason about an object.
func budgetEvents(t *testing.T, obj client.Object, reason string) []eventsv1.Event {
	t.Helper()
	list := &eventsv1.EventList{}
	require.NoError(t, env.k8s.List(context.Background(), list, client.InNamespace(obj.GetNamespace())))
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() && e.Regarding.Kind == "VirtualKey" && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// waitForResyncs returns once every VirtualKey had time for n more resyncs: each resync of a
// healthy key reads it once with /key/info, and the keys of the cluster share one period, so n
// reads per key in total mean every key was read again. Counting reads, not time, keeps the
// tests free of timing assumptions.
func waitForResyncs(t *testing.T, n int) {
	t.Helper()
	list := &v1alpha1.VirtualKeyList{}
	require.NoError(t, env.k8s.List(context.Background(), list))
	start := env.sim.Calls("GET", "/key/info")
	want := start + n*(len(list.Items)+1)
	require.Eventually(t, func() bool { return env.sim.Calls("GET", "/key/info") >= want },
		waitTimeout, poll, "%d more /key/info reads", want-start)
}
