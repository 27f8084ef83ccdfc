package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// connectionSecret is the Secret every VirtualKey of a phase points at.
const (
	connectionSecret = "litellm"
	kindVirtualKey   = "VirtualKey"
)

// cluster is the benchmark's own view of the API server: a client fast enough (QPS 500 by
// default, creates in parallel) that creating the objects is not the bottleneck being measured.
type cluster struct {
	cfg    *rest.Config
	scheme *runtime.Scheme
	client client.Client
}

func newCluster(cfg *rest.Config, scheme *runtime.Scheme, qps float64) (*cluster, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = float32(qps)
	cfg.Burst = int(2 * qps)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	return &cluster{cfg: cfg, scheme: scheme, client: c}, nil
}

// Data keys of the connection Secret, named in every VirtualKey: the replaced operator's API
// requires them, so the objects are the same for both operators.
const (
	masterKeyDataKey = "masterKey"
	urlDataKey       = "url"
)

// prepareNamespace creates a namespace with the connection Secret to a simulator.
func (k *cluster) prepareNamespace(ctx context.Context, ns, simURL, masterKey string) error {
	if err := k.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	return k.client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: connectionSecret},
		StringData: map[string]string{masterKeyDataKey: masterKey, urlDataKey: simURL},
	})
}

// newVirtualKey is the object every phase creates: a typical key with an alias, models and a budget.
func newVirtualKey(ns, name string) *v1alpha1.VirtualKey {
	return &v1alpha1.VirtualKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.VirtualKeySpec{
			KeyAlias:  ns + "-" + name,
			Models:    []string{"gpt-4o"},
			MaxBudget: ptr.To("10"),
			ConnectionRef: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{
				Name: connectionSecret, Keys: &v1alpha1.SecretKeys{MasterKey: masterKeyDataKey, URL: urlDataKey},
			}},
		},
	}
}

// keyNames names the VirtualKeys from..from+n-1 of a phase.
func keyNames(from, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("vk-%06d", from+i)
	}
	return names
}

// createAll runs create for every index on workers goroutines and stops at the first error.
func createAll(ctx context.Context, n, workers int, create func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := create(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// createKeys creates the named VirtualKeys in parallel; sent is called just before each create.
func (k *cluster) createKeys(ctx context.Context, ns string, names []string, workers int, sent func(name string), created *atomic.Int64) error {
	return createAll(ctx, len(names), workers, func(ctx context.Context, i int) error {
		sent(names[i])
		if err := k.client.Create(ctx, newVirtualKey(ns, names[i])); err != nil {
			return fmt.Errorf("creating VirtualKey %s/%s: %w", ns, names[i], err)
		}
		created.Add(1)
		return nil
	})
}

// createUnrelatedSecrets creates n Secrets without the operator's label, as any cluster has.
func (k *cluster) createUnrelatedSecrets(ctx context.Context, ns string, n, size, workers int, created *atomic.Int64) error {
	return createAll(ctx, n, workers, func(ctx context.Context, i int) error {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("unrelated-%05d", i),
				Labels: map[string]string{"app.kubernetes.io/name": "some-other-app"}},
			Data: map[string][]byte{"tls.key": data},
		}
		if err := k.client.Create(ctx, secret); err != nil {
			return fmt.Errorf("creating Secret %s/%s: %w", ns, secret.Name, err)
		}
		created.Add(1)
		return nil
	})
}

// writeLatency measures the API server's latency for the operator's three writes of a create (the
// finalizer patch, the key Secret, the status patch, each as the operator sends it), one at a time
// on an otherwise idle server, in a namespace no operator watches. It returns the mean over all
// writes.
func (k *cluster) writeLatency(ctx context.Context, ns string, rounds int) (time.Duration, error) {
	if err := k.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return 0, err
	}
	var totalTime time.Duration
	writes := 0
	timed := func(f func() error) error {
		start := time.Now()
		err := f()
		totalTime += time.Since(start)
		writes++
		return err
	}
	for i := range rounds {
		vk := newVirtualKey(ns, fmt.Sprintf("calibrate-%03d", i))
		if err := k.client.Create(ctx, vk); err != nil {
			return 0, err
		}
		before := vk.DeepCopy()
		vk.Finalizers = append(vk.Finalizers, v1alpha1.FinalizerName)
		if err := timed(func() error {
			return k.client.Patch(ctx, vk, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		}); err != nil {
			return 0, err
		}
		if err := timed(func() error { return k.client.Create(ctx, keySecretLike(vk)) }); err != nil {
			return 0, err
		}
		before = vk.DeepCopy()
		readyStatusLike(vk)
		if err := timed(func() error { return k.client.Status().Patch(ctx, vk, client.MergeFrom(before)) }); err != nil {
			return 0, err
		}
	}
	return totalTime / time.Duration(writes), nil
}

// tracker watches the VirtualKeys of one namespace and notes when each first became Ready.
type tracker struct {
	ns    string
	mu    sync.Mutex
	sent  map[string]time.Time
	ready map[string]time.Time
	cache cache.Cache
	stop  context.CancelFunc
	done  chan struct{}
}

func startTracker(ctx context.Context, k *cluster, ns string) (*tracker, error) {
	c, err := cache.New(k.cfg, cache.Options{
		Scheme:            k.scheme,
		DefaultNamespaces: map[string]cache.Config{ns: {}},
		DefaultTransform:  cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, err
	}
	t := &tracker{ns: ns, sent: map[string]time.Time{}, ready: map[string]time.Time{}, cache: c, done: make(chan struct{})}
	informer, err := c.GetInformer(ctx, &v1alpha1.VirtualKey{})
	if err != nil {
		return nil, err
	}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    t.observe,
		UpdateFunc: func(_, obj any) { t.observe(obj) },
	}); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.stop = cancel
	go func() {
		defer close(t.done)
		_ = c.Start(runCtx)
	}()
	if !c.WaitForCacheSync(ctx) {
		t.close()
		return nil, errors.New("the benchmark's VirtualKey watch did not sync")
	}
	return t, nil
}

func (t *tracker) close() {
	t.stop()
	<-t.done
}

func (t *tracker) observe(obj any) {
	vk, ok := obj.(*v1alpha1.VirtualKey)
	if !ok || !isReady(vk) {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.ready[vk.Name]; !seen {
		t.ready[vk.Name] = now
	}
}

func (t *tracker) markSent(name string) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent[name] = now
}

// isReady: the Ready condition is True for the object's current generation. Only Ready: it is
// the condition every operator of these CRDs sets (this repository's sets Synced together with it).
func isReady(vk *v1alpha1.VirtualKey) bool {
	c := meta.FindStatusCondition(vk.Status.Conditions, v1alpha1.ConditionTypeReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == vk.Generation
}

func (t *tracker) countReady(names []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, name := range names {
		if _, ok := t.ready[name]; ok {
			n++
		}
	}
	return n
}

// waitReady waits until every named object was seen Ready, calling tick about twice a second.
func (t *tracker) waitReady(ctx context.Context, names []string, timeout time.Duration, tick func(ready int)) error {
	deadline := time.Now().Add(timeout)
	for {
		ready := t.countReady(names)
		if tick != nil {
			tick(ready)
		}
		if ready == len(names) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d VirtualKeys not Ready after %s: %s", len(names)-ready, len(names), timeout, t.describeNotReady(ctx, names))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// describeNotReady shows the conditions of a few objects that are not Ready, for the error.
func (t *tracker) describeNotReady(ctx context.Context, names []string) string {
	var out []string
	t.mu.Lock()
	var missing []string
	for _, name := range names {
		if _, ok := t.ready[name]; !ok {
			missing = append(missing, name)
		}
	}
	t.mu.Unlock()
	for _, name := range missing[:min(3, len(missing))] {
		vk := &v1alpha1.VirtualKey{}
		if err := t.cache.Get(ctx, client.ObjectKey{Namespace: t.ns, Name: name}, vk); err != nil {
			out = append(out, name+": "+err.Error())
			continue
		}
		conds := make([]string, 0, len(vk.Status.Conditions))
		for _, c := range vk.Status.Conditions {
			conds = append(conds, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
		}
		out = append(out, name+": "+strings.Join(conds, "; "))
	}
	return strings.Join(out, " | ")
}

// latencies returns each object's create-to-Ready time (from just before its create request to
// the watch event that showed it Ready), and the span from the first create to the last Ready.
func (t *tracker) latencies(names []string) ([]time.Duration, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]time.Duration, 0, len(names))
	var first, last time.Time
	for _, name := range names {
		sent, ready := t.sent[name], t.ready[name]
		if sent.IsZero() || ready.IsZero() {
			continue
		}
		out = append(out, ready.Sub(sent))
		if first.IsZero() || sent.Before(first) {
			first = sent
		}
		if ready.After(last) {
			last = ready
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, last.Sub(first)
}
