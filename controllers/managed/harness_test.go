package managed

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// The loop is tested with a Team as its object, a fake External whose behaviour each case
// scripts, controller-runtime's fake client (with the status subresource), and a small HTTP
// server standing in for the proxy where a case needs real calls (the loop watches what the
// External's calls reach).

const (
	testNS     = "ns"
	testName   = "team"
	testResync = time.Minute
)

var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	return s
}()

// fakeExternal is scripted per case; a nil function succeeds.
type fakeExternal struct {
	lc    *litellm.Client
	calls []string
	// observe answers the n-th Observe (0-based) of a reconcile.
	observe func(n int) (Observation, error)
	check   func() error
	create  func(ctx context.Context, e *fakeExternal) error
	update  func() error
	delete  func() error
	finish  func() error
	next    time.Duration
	seen    int
}

func (e *fakeExternal) Observe(context.Context, *v1alpha1.Team) (Observation, error) {
	e.calls = append(e.calls, "observe")
	n := e.seen
	e.seen++
	if e.observe == nil {
		return Observation{}, nil
	}
	return e.observe(n)
}

func (e *fakeExternal) Check(context.Context, *v1alpha1.Team) error {
	e.calls = append(e.calls, "check")
	return call(e.check)
}

func (e *fakeExternal) Create(ctx context.Context, t *v1alpha1.Team) error {
	e.calls = append(e.calls, "create")
	if e.create == nil {
		t.Status.TeamID = "created"
		return nil
	}
	return e.create(ctx, e)
}

func (e *fakeExternal) Update(context.Context, *v1alpha1.Team, Observation) error {
	e.calls = append(e.calls, "update")
	return call(e.update)
}

func (e *fakeExternal) Delete(context.Context, *v1alpha1.Team) error {
	e.calls = append(e.calls, "delete")
	return call(e.delete)
}

func (e *fakeExternal) Finish(context.Context, *v1alpha1.Team) error {
	e.calls = append(e.calls, "finish")
	return call(e.finish)
}

func (e *fakeExternal) NextReconcile(*v1alpha1.Team) time.Duration { return e.next }

func call(f func() error) error {
	if f == nil {
		return nil
	}
	return f()
}

// fakeConnector hands out the case's External, or fails.
type fakeConnector struct {
	ext      *fakeExternal
	err      error
	finalize func() (bool, error)
	connects int
	// proxy is what the last Connect was given.
	proxy Proxy
}

func (c *fakeConnector) Connect(_ context.Context, p Proxy, _ *v1alpha1.Team) (External[*v1alpha1.Team], error) {
	c.connects++
	c.proxy = p
	if c.err != nil {
		return nil, c.err
	}
	c.ext.lc = p.Client
	c.ext.seen = 0
	return c.ext, nil
}

func (c *fakeConnector) Finalize(context.Context, *v1alpha1.Team) (bool, error) {
	if c.finalize == nil {
		return true, nil
	}
	return c.finalize()
}

// event is one recorded Event.
type event struct{ Type, Reason, Note string }

type recorder struct {
	mu     sync.Mutex
	events []event
}

func (r *recorder) Eventf(_ runtime.Object, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{eventtype, reason, fmt.Sprintf(note, args...)})
}

func (r *recorder) reasons() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Reason)
	}
	return out
}

// observer records what the loop shows it.
type observer struct{ observed, forgotten int }

func (o *observer) Observe(_, _ client.Object) { o.observed++ }
func (o *observer) Forget(client.Object)       { o.forgotten++ }

// adopter is an Adopter that swaps a foreign finalizer on live objects.
type adopter struct {
	calls int
	err   error
	k8s   client.Client
}

const foreignFinalizer = "other.example.com/finalizer"

func (a *adopter) Finalizer() string { return foreignFinalizer }

func (a *adopter) Adopt(ctx context.Context, obj client.Object) error {
	a.calls++
	if a.err != nil {
		return a.err
	}
	if !obj.GetDeletionTimestamp().IsZero() || !containsString(obj.GetFinalizers(), foreignFinalizer) {
		return nil
	}
	before := obj.DeepCopyObject().(client.Object)
	obj.SetFinalizers([]string{v1alpha1.FinalizerName})
	return a.k8s.Patch(ctx, obj, client.MergeFrom(before))
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// proxy stands in for LiteLLM: it answers every call with status and body, and counts calls.
type proxy struct {
	mu     sync.Mutex
	status int
	body   string
	header http.Header
	calls  int
	// changedBy is the litellm-changed-by header of each write.
	changedBy []string
	srv       *httptest.Server
}

func newProxy(t *testing.T) *proxy {
	p := &proxy{status: http.StatusOK, body: `{"team_id":"t"}`}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.calls++
		if r.Method == http.MethodPost {
			p.changedBy = append(p.changedBy, r.Header.Get("litellm-changed-by"))
		}
		status, body, header := p.status, p.body, p.header
		p.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) answer(status int, body string, header http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.body, p.header = status, body, header
}

// closedURL is the URL of a port nothing listens on: every call is refused before it is sent.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// harness is one object, its connection Secret, and the loop around them.
type harness struct {
	t         *testing.T
	k8s       client.WithWatch
	rec       *recorder
	ext       *fakeExternal
	connector *fakeConnector
	observer  *observer
	r         *Reconciler[*v1alpha1.Team]
	// statusWrites counts status patches; metaConflicts makes the next metadata patches fail
	// with a conflict.
	statusWrites  int
	metaPatches   int
	metaConflicts int
	secretReads   int
}

type option func(*harness, *harnessConfig)

type harnessConfig struct {
	team    *v1alpha1.Team
	url     string
	secret  bool
	timeout time.Duration
	adopter bool
	hold    ConnectionHold
	objects []client.Object
}

func withURL(url string) option { return func(_ *harness, c *harnessConfig) { c.url = url } }
func withoutSecret() option     { return func(_ *harness, c *harnessConfig) { c.secret = false } }
func withTeam(mutate func(*v1alpha1.Team)) option {
	return func(_ *harness, c *harnessConfig) { mutate(c.team) }
}
func withTimeout(d time.Duration) option { return func(_ *harness, c *harnessConfig) { c.timeout = d } }
func withAdopter() option                { return func(_ *harness, c *harnessConfig) { c.adopter = true } }
func withHold(h ConnectionHold) option   { return func(_ *harness, c *harnessConfig) { c.hold = h } }
func withObjects(objs ...client.Object) option {
	return func(_ *harness, c *harnessConfig) { c.objects = append(c.objects, objs...) }
}

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, rec: &recorder{}, ext: &fakeExternal{}, observer: &observer{}}
	h.connector = &fakeConnector{ext: h.ext}
	cfg := harnessConfig{
		team: &v1alpha1.Team{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: testName, Generation: 1},
			Spec: v1alpha1.TeamSpec{TeamAlias: "a",
				ConnectionRef: v1alpha1.ConnectionRef{SecretRef: &v1alpha1.SecretRef{Name: "litellm"}}},
		},
		url:    "http://127.0.0.1:1",
		secret: true,
	}
	for _, o := range opts {
		o(h, &cfg)
	}
	objs := append([]client.Object{cfg.team}, cfg.objects...)
	if cfg.secret {
		objs = append(objs, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "litellm"},
			Data:       map[string][]byte{"masterKey": []byte("sk-master-0123456789"), "url": []byte(cfg.url)},
		})
	}
	base := fake.NewClientBuilder().WithScheme(testScheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.Team{}).Build()
	h.k8s = interceptor.NewClient(base, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				h.secretReads++
			}
			return c.Get(ctx, key, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			h.metaPatches++
			if h.metaConflicts > 0 {
				h.metaConflicts--
				return apierrors.NewConflict(schema.GroupResource{Group: "auth.litellm.ai", Resource: "teams"}, obj.GetName(), fmt.Errorf("the object has been modified"))
			}
			return c.Patch(ctx, obj, patch, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			h.statusWrites++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
	})
	config := Config{
		Client:           h.k8s,
		Resolver:         connection.NewResolver(h.k8s, connection.DefaultInstanceConvention(), time.Hour),
		Recorder:         h.rec,
		ResyncPeriod:     testResync,
		LiteLLMTimeout:   5 * time.Second,
		ReconcileTimeout: cfg.timeout,
		Retry:            litellm.RetryPolicy{MaxAttempts: 1},
		Observer:         h.observer,
	}
	if cfg.adopter {
		config.Adopter = &adopter{k8s: h.k8s}
	}
	config.Hold = cfg.hold
	h.r = NewReconciler(config, func() *v1alpha1.Team { return &v1alpha1.Team{} }, Connector[*v1alpha1.Team](h.connector))
	return h
}

func (h *harness) reconcile() (ctrl.Result, error) {
	h.t.Helper()
	h.ext.calls = nil
	return h.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: testNS, Name: testName}})
}

// team reads the object as the API server holds it; nil once it is gone.
func (h *harness) team() *v1alpha1.Team {
	h.t.Helper()
	t := &v1alpha1.Team{}
	err := h.k8s.Get(context.Background(), client.ObjectKey{Namespace: testNS, Name: testName}, t)
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(h.t, err)
	return t
}

// update changes the stored object as a user would (spec changes bump the generation).
func (h *harness) update(mutate func(*v1alpha1.Team)) {
	h.t.Helper()
	t := h.team()
	mutate(t)
	require.NoError(h.t, h.k8s.Update(context.Background(), t))
}

func (h *harness) setStatus(mutate func(*v1alpha1.Team)) {
	h.t.Helper()
	t := h.team()
	mutate(t)
	require.NoError(h.t, h.k8s.Status().Update(context.Background(), t))
}

// markDeleted deletes the object, which stays while a finalizer holds it.
func (h *harness) markDeleted() {
	h.t.Helper()
	require.NoError(h.t, h.k8s.Delete(context.Background(), h.team()))
}

func condition(t *v1alpha1.Team, condType string) metav1.Condition {
	if c := meta.FindStatusCondition(t.Status.Conditions, condType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

func hasFinalizer(t *v1alpha1.Team, name string) bool {
	return t != nil && containsString(t.Finalizers, name)
}
