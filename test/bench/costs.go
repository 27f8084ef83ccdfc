package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// RequestCost is the CPU the API server and etcd spend on one request of a kind the creation of a
// VirtualKey causes, measured over many requests of that kind alone.
type RequestCost struct {
	Request   string  `json:"request"`
	PerKey    float64 `json:"perKey"`
	APIServer Seconds `json:"apiServerCPU"`
	Etcd      Seconds `json:"etcdCPU"`
}

// costWatchers stand for the watches of a real run while the requests are measured: the
// operator's VirtualKey and labelled-Secret informers and the benchmark's own VirtualKey watch,
// so each write's cost includes sending its watch events.
func (r *runner) costWatchers(ctx context.Context) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var caches []cache.Cache
	stop = func() { cancel() }
	for _, watchSecrets := range []bool{true, false} {
		c, err := cache.New(r.plane.k8s.cfg, cache.Options{
			Scheme: r.plane.k8s.scheme, DefaultTransform: cache.TransformStripManagedFields(),
			ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {
				Label: labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue}),
			}},
		})
		if err != nil {
			return stop, err
		}
		if _, err := c.GetInformer(ctx, &v1alpha1.VirtualKey{}); err != nil {
			return stop, err
		}
		if watchSecrets {
			if _, err := c.GetInformer(ctx, &corev1.Secret{}); err != nil {
				return stop, err
			}
		}
		go func() { _ = c.Start(ctx) }()
		caches = append(caches, c)
	}
	for _, c := range caches {
		if !c.WaitForCacheSync(ctx) {
			return stop, fmt.Errorf("the request-cost watches did not sync")
		}
	}
	return stop, nil
}

// requestCosts creates n VirtualKeys and takes each through the requests one create costs (the
// operator's finalizer patch, its two reads, the key Secret, the status patch, the event), one
// kind of request at a time, 16 in parallel, and divides the CPU the API server and etcd used by n.
// perKey gives how many requests of each kind a create made in the sweep.
func (r *runner) requestCosts(ctx context.Context, n int, readsPerKey float64) ([]RequestCost, error) {
	const ns = "bench-request-costs"
	r.phase = "request costs"
	if err := r.plane.k8s.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return nil, err
	}
	stop, err := r.costWatchers(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	pids := childrenByName()
	cpuOf := func(name string) float64 {
		st, err := readProcStat(pids[name])
		if err != nil {
			return 0
		}
		return st.CPUSecs
	}
	c := r.plane.k8s.client
	vks := make([]*v1alpha1.VirtualKey, n)
	steps := []struct {
		request string
		perKey  float64
		do      func(ctx context.Context, i int) error
	}{
		{"POST virtualkeys (the user's create)", 1, func(ctx context.Context, i int) error {
			vks[i] = newVirtualKey(ns, fmt.Sprintf("vk-%05d", i))
			return c.Create(ctx, vks[i])
		}},
		{"PATCH virtualkeys (finalizer)", 1, func(ctx context.Context, i int) error {
			before := vks[i].DeepCopy()
			vks[i].Finalizers = append(vks[i].Finalizers, v1alpha1.FinalizerName)
			return c.Patch(ctx, vks[i], client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		}},
		{"GET secrets (direct read, not found)", readsPerKey, func(ctx context.Context, i int) error {
			err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: vks[i].Name + "-key"}, &corev1.Secret{})
			return client.IgnoreNotFound(err)
		}},
		{"POST secrets (key Secret)", 1, func(ctx context.Context, i int) error {
			return c.Create(ctx, keySecretLike(vks[i]))
		}},
		{"PATCH virtualkeys/status", 1, func(ctx context.Context, i int) error {
			before := vks[i].DeepCopy()
			readyStatusLike(vks[i])
			return c.Status().Patch(ctx, vks[i], client.MergeFrom(before))
		}},
		{"POST events", 1, func(ctx context.Context, i int) error {
			return c.Create(ctx, eventLike(vks[i]))
		}},
	}
	out := make([]RequestCost, 0, len(steps))
	for _, s := range steps {
		r.progress("request costs: %s", s.request)
		api0, etcd0 := cpuOf("kube-apiserver"), cpuOf("etcd")
		if err := createAll(ctx, n, 16, s.do); err != nil {
			return nil, fmt.Errorf("request costs: %s: %w", s.request, err)
		}
		out = append(out, RequestCost{
			Request: s.request, PerKey: s.perKey,
			APIServer: Seconds(time.Duration((cpuOf("kube-apiserver") - api0) / float64(n) * float64(time.Second))),
			Etcd:      Seconds(time.Duration((cpuOf("etcd") - etcd0) / float64(n) * float64(time.Second))),
		})
	}
	return out, nil
}

// keySecretLike, readyStatusLike and eventLike are what the operator writes for a new key.
func keySecretLike(vk *v1alpha1.VirtualKey) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: vk.Namespace, Name: vk.Name + "-key",
			Labels: map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelVirtualKey: vk.Name},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: v1alpha1.GroupVersion.String(), Kind: kindVirtualKey, Name: vk.Name, UID: vk.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{v1alpha1.KeySecretDataKey: []byte("sk-" + strings.Repeat("x", 43))},
	}
}

func readyStatusLike(vk *v1alpha1.VirtualKey) {
	st := &vk.Status
	for _, t := range []string{v1alpha1.ConditionTypeReady, v1alpha1.ConditionTypeSynced} {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: t, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonAvailable,
			Message: "the object exists in LiteLLM and can be used", ObservedGeneration: vk.Generation,
		})
	}
	token := strings.Repeat("0f", 32)
	now := time.Now().UTC().Format(time.RFC3339)
	st.ObservedGeneration, st.KeySecretRef, st.IsActive = vk.Generation, vk.Name+"-key", true
	st.KeyID, st.Token, st.TokenID, st.KeyName, st.KeyAlias = token, token, token, "sk-...xxxx", vk.Spec.KeyAlias
	st.Spend, st.CurrentSpend, st.MaxBudget, st.Models = "0", "0", "10", vk.Spec.Models
	st.CreatedAt, st.UpdatedAt, st.CreatedBy, st.UpdatedBy = now, now, v1alpha1.ManagedByValue, v1alpha1.ManagedByValue
	st.ManagedFields = []string{"keyAlias", "maxBudget", "models"}
}

func eventLike(vk *v1alpha1.VirtualKey) *eventsv1.Event {
	host, _ := os.Hostname()
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: vk.Namespace, Name: fmt.Sprintf("%s.%x", vk.Name, time.Now().UnixNano())},
		EventTime:           metav1.NowMicro(),
		ReportingController: v1alpha1.ManagedByValue, ReportingInstance: v1alpha1.ManagedByValue + "-" + host,
		Action: "Create", Reason: "Created", Type: corev1.EventTypeNormal, Note: "created in LiteLLM",
		Regarding: corev1.ObjectReference{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: kindVirtualKey, Namespace: vk.Namespace, Name: vk.Name, UID: vk.UID,
		},
	}
}
