package managed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Event reasons; they reuse the conditions' vocabulary where one fits.
const (
	EventCreated        = "Created"
	EventUpdated        = "Updated"
	EventDriftRepaired  = "DriftRepaired"
	EventDeleted        = "Deleted"
	EventOrphaned       = "Orphaned"
	EventConnectionGone = "ConnectionGone"
	EventAdopted        = "Adopted"
	// EventNotDeleted: the LiteLLM object belongs to someone else and is left in place.
	EventNotDeleted = "NotDeleted"
	// EventFieldIgnored: LiteLLM accepted a spec field but does not apply or keep it.
	EventFieldIgnored = "FieldIgnored"
)

// Timing defaults.
const (
	// defaultReconcileTimeout bounds one reconcile when Config.ReconcileTimeout is zero.
	defaultReconcileTimeout = 2 * time.Minute
	// statusWriteTimeout bounds the status write, which runs even after the reconcile's deadline.
	statusWriteTimeout = 10 * time.Second
	// raceRetry is how soon an object is read again after another writer won a race for it.
	raceRetry = time.Second
	// finalizeRetry is how soon deletion looks again while Kubernetes-side cleanup is under way.
	finalizeRetry = 2 * time.Second
	// maxRetryAfter caps a proxy's Retry-After when there is no resync period to cap it with.
	maxRetryAfter = 5 * time.Minute
)

// Config is what every kind's reconciler shares.
type Config struct {
	Client    client.Client
	Resolver  *connection.Resolver
	Recorder  events.EventRecorder
	Transport http.RoundTripper
	// ResyncPeriod is how often a healthy object is observed again; each wait is jittered by ±10%
	// so a thousand objects created together do not all resync in the same second. It also caps
	// the wait a proxy can ask for with Retry-After.
	ResyncPeriod time.Duration
	// LiteLLMTimeout bounds one HTTP attempt of a LiteLLM call (a call may retry).
	LiteLLMTimeout time.Duration
	// ReconcileTimeout bounds one reconcile, all of its calls and retries included; the status
	// write that records the outcome gets a short time of its own after it.
	ReconcileTimeout time.Duration
	// Retry overrides the client's retry policy (tests shorten it).
	Retry litellm.RetryPolicy
	// Observer, when set, is shown what each reconcile saw (metrics, budget Events), so nothing
	// has to ask LiteLLM a second time.
	Observer Observer
	// Adopter, when set, takes objects over from the controller this operator replaces.
	Adopter Adopter
	// Hold, when set, holds secretRef connection Secrets while objects use them.
	Hold ConnectionHold
}

// Observer is told the outcome of every reconcile. Observe gets the object as this reconcile read
// it (before) and as its status was written (after), once the status write succeeded; Forget gets
// an object that is gone or has let go of its finalizer, with only its kind (Go type), namespace
// and name set. Both run on the reconcile's goroutine: they must be quick, must not modify the
// objects, and must not call LiteLLM or the API server.
type Observer interface {
	Observe(before, after client.Object)
	Forget(obj client.Object)
}

// Reconciler runs the shared loop for one kind.
type Reconciler[T Object] struct {
	Config
	newObject func() T
	connector Connector[T]
}

// NewReconciler returns the loop for the kind that newObject creates.
func NewReconciler[T Object](cfg Config, newObject func() T, connector Connector[T]) *Reconciler[T] {
	return &Reconciler[T]{Config: cfg, newObject: newObject, connector: connector}
}

// run is one reconcile of one object.
type run[T Object] struct {
	*Reconciler[T]
	obj T
	// snapshot is the object as read, with the metadata this reconcile patched since: the status
	// write is the difference between it and obj.
	snapshot T
	ext      External[T]
	conn     connection.Connection
	writes   *writeTracker
	// owned reports that the object carried this operator's finalizer when the reconcile began:
	// an earlier reconcile may have written it to LiteLLM. The finalizer always goes on before the
	// first write, so an object without it has never reached LiteLLM.
	owned bool
	// addedFinalizer reports that this reconcile put the finalizer on.
	addedFinalizer bool
	// exists reports that an observation of this reconcile found the object in LiteLLM.
	exists bool
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, reterr error) {
	obj := r.newObject()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) && r.Observer != nil {
			gone := r.newObject()
			gone.SetNamespace(req.Namespace)
			gone.SetName(req.Name)
			r.Observer.Forget(gone)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	// The loop owns the conditions: any other type (e.g. left by another controller) is dropped.
	obj.SetConditions(slices.DeleteFunc(obj.GetConditions(), func(c metav1.Condition) bool {
		return c.Type != v1alpha1.ConditionTypeReady && c.Type != v1alpha1.ConditionTypeSynced
	}))
	s := &run[T]{Reconciler: r, obj: obj, snapshot: obj.DeepCopyObject().(T)}

	// The only status write of this reconcile happens here, after everything else, and only when
	// the status changed: an unchanged resync writes nothing to the API server. It runs even when
	// the reconcile ran out of time, so the outcome is recorded.
	defer func() {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
		defer cancel()
		err := s.patchStatus(wctx)
		if err != nil {
			reterr = errors.Join(reterr, err)
		}
		s.observe(err)
	}()

	work, cancel := context.WithTimeout(ctx, r.reconcileTimeout())
	defer cancel()
	s.owned = controllerutil.ContainsFinalizer(obj, v1alpha1.FinalizerName)
	if !obj.GetDeletionTimestamp().IsZero() {
		return s.reconcileDelete(work)
	}
	return s.reconcileNormal(work)
}

func (s *run[T]) reconcileNormal(ctx context.Context) (ctrl.Result, error) {
	if err := s.connectAndCheck(ctx); err != nil {
		return s.fail(ctx, err, false)
	}
	obs, err := s.observeLiteLLM(ctx)
	if err != nil {
		return s.fail(ctx, err, false)
	}
	refused := s.refusedForThisGeneration()
	if obs.Exists || !refused {
		// Before the first write to LiteLLM, and whenever LiteLLM holds the object, the finalizer
		// makes sure it is cleaned up.
		if err := s.ensureFinalizer(ctx); err != nil {
			return s.fail(ctx, err, false)
		}
		if err := s.holdConnection(ctx); err != nil {
			return s.fail(ctx, err, false)
		}
	}
	s.reportTakeOver(obs)
	if (!obs.Exists || !obs.UpToDate) && refused {
		// LiteLLM refused this very spec for a reason a retry cannot change (no Enterprise licence,
		// an invalid value): it was reported once; wait for a new spec instead of re-sending.
		return ctrl.Result{RequeueAfter: jitter(s.ResyncPeriod)}, nil
	}
	if !obs.Exists {
		if obs, err = s.create(ctx, obs); err != nil {
			return s.fail(ctx, err, false)
		}
	}
	if !obs.UpToDate {
		if err := s.ext.Update(ctx, s.obj, obs); err != nil {
			return s.fail(ctx, err, false)
		}
		if len(obs.Diff) > 0 {
			reason, what := EventDriftRepaired, "reverted changes made outside the operator to"
			if s.obj.GetGeneration() != s.snapshot.GetObservedGeneration() {
				reason, what = EventUpdated, "applied the spec to"
			}
			s.event(corev1.EventTypeNormal, reason, "Update", fmt.Sprintf("%s %s in LiteLLM", what, strings.Join(obs.Diff, ", ")))
		}
	}

	if f, ok := s.ext.(Finisher[T]); ok {
		if err := f.Finish(ctx, s.obj); err != nil {
			return s.fail(ctx, err, false)
		}
	}
	if obs.Unavailable != "" {
		setReady(s.obj, metav1.ConditionFalse, v1alpha1.ReasonUnavailable, boundedMessage(obs.Unavailable))
	} else {
		setReady(s.obj, metav1.ConditionTrue, v1alpha1.ReasonAvailable, "the object exists in LiteLLM and can be used")
	}
	s.reportSynced(obs.Ignored)
	s.obj.SetObservedGeneration(s.obj.GetGeneration())
	after := jitter(s.ResyncPeriod)
	if sc, ok := s.ext.(Scheduler[T]); ok {
		if d := sc.NextReconcile(s.obj); d > 0 && d < after {
			after = d
		}
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// connectAndCheck starts the reconcile of a live object and refuses, before any LiteLLM call, what
// its grant does not allow: an unreadable grant policy, or what the External's Check refuses.
func (s *run[T]) connectAndCheck(ctx context.Context) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	if g := s.conn.Grant; g != nil && g.PolicyError != nil {
		return Terminal(v1alpha1.ReasonNotPermitted, g.PolicyError)
	}
	if c, ok := s.ext.(Checker[T]); ok {
		return c.Check(ctx, s.obj)
	}
	return nil
}

// reportSynced records a successful reconcile, naming what LiteLLM ignores; a Warning Event says
// so when that list changes, not at every resync.
func (s *run[T]) reportSynced(ignored []string) {
	msg := "LiteLLM is in line with the spec"
	if len(ignored) > 0 {
		msg = boundedMessage(msg + ", except what LiteLLM ignores: " + strings.Join(ignored, "; "))
		if prev := meta.FindStatusCondition(s.snapshot.GetConditions(), v1alpha1.ConditionTypeSynced); prev == nil || prev.Message != msg {
			s.event(corev1.EventTypeWarning, EventFieldIgnored, "Update", strings.Join(ignored, "; "))
		}
	}
	setSynced(s.obj, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess, msg)
}

// create creates the object in LiteLLM. When LiteLLM answers that it exists already (a create of
// ours whose answer was lost, a key alias held by another key), the object is observed again at
// once, so the reconcile goes on from what is really there or reports the true reason. What the
// observation before it found about the spec (Unavailable, Ignored) holds for the new object.
func (s *run[T]) create(ctx context.Context, before Observation) (Observation, error) {
	setReady(s.obj, metav1.ConditionFalse, v1alpha1.ReasonCreating, "creating the object in LiteLLM")
	err := s.ext.Create(ctx, s.obj)
	if err == nil {
		s.exists = true
		s.event(corev1.EventTypeNormal, EventCreated, "Create", "created in LiteLLM")
		return Observation{Exists: true, UpToDate: true, Unavailable: before.Unavailable, Ignored: before.Ignored}, nil
	}
	if !litellm.IsAlreadyExists(err) {
		return Observation{}, err
	}
	obs, oerr := s.observeLiteLLM(ctx)
	switch {
	case oerr != nil:
		return Observation{}, oerr
	case !obs.Exists:
		return Observation{}, err
	}
	s.reportTakeOver(obs)
	return obs, nil
}

// observeLiteLLM observes the object; one that belongs to someone else is a failure to report.
func (s *run[T]) observeLiteLLM(ctx context.Context) (Observation, error) {
	obs, err := s.ext.Observe(ctx, s.obj)
	if err != nil {
		return Observation{}, err
	}
	if obs.NotOurs != nil {
		return Observation{}, obs.NotOurs
	}
	s.exists = s.exists || obs.Exists
	return obs, nil
}

// reportTakeOver says, once, that the operator took over an object that existed in LiteLLM before
// it ever wrote to it: an object it had never written carries no finalizer of its own.
func (s *run[T]) reportTakeOver(obs Observation) {
	if obs.Exists && !s.owned && s.addedFinalizer {
		s.owned = true
		s.event(corev1.EventTypeNormal, EventAdopted, "Adopt",
			"the object already existed in LiteLLM: it is now managed by this object, and the spec is applied to it")
	}
}

func (s *run[T]) reconcileDelete(ctx context.Context) (ctrl.Result, error) {
	held := s.owned || (s.Adopter != nil && controllerutil.ContainsFinalizer(s.obj, s.Adopter.Finalizer()))
	if !held {
		return ctrl.Result{}, nil
	}
	setReady(s.obj, metav1.ConditionFalse, v1alpha1.ReasonDeleting, "deleting")
	if f, ok := s.connector.(Finalizer[T]); ok {
		done, err := f.Finalize(ctx, s.obj)
		if err != nil {
			return s.fail(ctx, err, true)
		}
		if !done {
			return ctrl.Result{RequeueAfter: finalizeRetry}, nil
		}
	}

	if s.obj.GetDeletionPolicy() == v1alpha1.DeletionPolicyOrphan {
		s.event(corev1.EventTypeNormal, EventOrphaned, "Delete", "deletionPolicy is Orphan: the object is kept in LiteLLM")
		return s.letGo(ctx)
	}
	if err := s.connect(ctx); err != nil {
		if connectionGone(err) {
			// Without a connection nothing can be deleted, and waiting would keep the object (and a
			// namespace being deleted around it) forever. Say what may be left behind and let go.
			s.event(corev1.EventTypeWarning, EventConnectionGone, "Delete", "the LiteLLM object may be left behind: "+err.Error())
			return s.letGo(ctx)
		}
		return s.fail(ctx, err, true)
	}
	// Delete only what an observation finds, and only what is ours.
	obs, err := s.ext.Observe(ctx, s.obj)
	switch {
	case err != nil:
		return s.fail(ctx, err, true)
	case obs.NotOurs != nil:
		s.event(corev1.EventTypeWarning, EventNotDeleted, "Delete", "left in LiteLLM: "+obs.NotOurs.Error())
		return s.letGo(ctx)
	case !obs.Exists:
		return s.letGo(ctx)
	}
	if err := s.ext.Delete(ctx, s.obj); err != nil {
		return s.fail(ctx, err, true)
	}
	s.event(corev1.EventTypeNormal, EventDeleted, "Delete", "deleted from LiteLLM")
	return s.letGo(ctx)
}

// refusedForThisGeneration reports that the last reconcile of this generation failed for good: a
// feature the proxy is not licensed for, an invalid value, an email that belongs to another user.
// Changing the spec tries again.
func (s *run[T]) refusedForThisGeneration() bool {
	c := meta.FindStatusCondition(s.obj.GetConditions(), v1alpha1.ConditionTypeSynced)
	return c != nil && c.Status == metav1.ConditionFalse && c.ObservedGeneration == s.obj.GetGeneration() &&
		slices.Contains(refusedForGeneration, c.Reason)
}

// ForPredicates filters the events of the reconciled kind: a spec change (generation) or an
// annotation change (e.g. a rotation request) starts a reconcile; the operator's own status and
// finalizer writes do not, so they cannot race the next reconcile against a stale cache.
func ForPredicates() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// Errors of connections that cannot work: while the object is being deleted they count as gone.
var (
	errInvalidConnectionRef = errors.New("invalid connectionRef")
	errUnusableConnection   = errors.New("unusable connection")
)

// connectionGone reports connection failures that cannot heal while the object is being deleted:
// the Secret is gone (often deleted with the namespace), incomplete, no longer grants access, or
// names what cannot be reached (an invalid reference, a malformed URL).
func connectionGone(err error) bool {
	for _, target := range []error{connection.ErrSecretNotFound, connection.ErrIncomplete, connection.ErrNotPermitted,
		errInvalidConnectionRef, errUnusableConnection} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// connect resolves the object's proxy, lets the Adopter take the object over, and starts this
// reconcile's External.
func (s *run[T]) connect(ctx context.Context) error {
	if err := validateConnectionRef(s.obj.GetConnectionRef()); err != nil {
		return Terminal(v1alpha1.ReasonInvalidSpec, fmt.Errorf("%w: %w", errInvalidConnectionRef, err))
	}
	conn, err := s.Resolver.Resolve(ctx, s.obj.GetNamespace(), s.obj.GetConnectionRef())
	if err != nil {
		return err
	}
	s.conn = conn
	if s.Adopter != nil {
		if err := s.adopt(ctx); err != nil {
			return err
		}
	}
	s.writes = newWriteTracker(s.Transport)
	lc, err := litellm.New(litellm.Config{
		BaseURL: conn.URL, MasterKey: conn.MasterKey, Timeout: s.LiteLLMTimeout,
		Transport: s.writes, Retry: s.Retry, ChangedBy: s.changedBy(),
	})
	if err != nil {
		return Terminal(v1alpha1.ReasonConnectionError, fmt.Errorf("connection Secret %s: %w: %w", conn.Secret, errUnusableConnection, err))
	}
	ext, err := s.connector.Connect(ctx, Proxy{Client: lc, Grant: conn.Grant, Enterprise: conn.Enterprise}, s.obj)
	if err != nil {
		return err
	}
	s.ext = ext
	return nil
}

// changedBy names the object in LiteLLM's audit log: "litellm-operator:<namespace>/<Kind>/<name>".
func (s *run[T]) changedBy() string {
	kind := "object"
	if gvk, err := apiutil.GVKForObject(s.obj, s.Client.Scheme()); err == nil {
		kind = gvk.Kind
	}
	return "litellm-operator:" + s.obj.GetNamespace() + "/" + kind + "/" + s.obj.GetName()
}

// fail records a failed reconcile in the Synced condition and decides when to come back. Ready is
// left as it was (an outage does not make existing keys unusable), except before the first
// success, when it says the object is still being created.
func (s *run[T]) fail(ctx context.Context, err error, deleting bool) (ctrl.Result, error) {
	if isKubernetesRace(err) {
		// Another writer won: nothing is wrong, so nothing is reported. Read again shortly.
		s.obj.SetConditions(s.snapshot.GetConditions())
		s.obj.SetObservedGeneration(s.snapshot.GetObservedGeneration())
		log.FromContext(ctx).V(1).Info("lost a race for a Kubernetes object; reading it again", "error", err.Error())
		return ctrl.Result{RequeueAfter: jitter(raceRetry)}, nil
	}
	if !deleting {
		s.releaseUnwritten(ctx)
	}
	if litellm.IsUnauthorized(err) && s.conn.Secret.Name != "" {
		// Most likely a rotated master key: the retry reads the connection Secret again.
		s.Resolver.Forget(s.conn.Secret)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("the reconcile did not finish within %s: %w", s.reconcileTimeout(), err)
	}
	c := classify(err)
	msg := err.Error()
	if c.reason == v1alpha1.ReasonEnterpriseFeature {
		msg = enterpriseMessage(err)
	}
	if deleting {
		msg = "cannot delete yet: " + msg + "; to keep the LiteLLM object and finish deleting, set spec.deletionPolicy to Orphan"
	} else if meta.FindStatusCondition(s.obj.GetConditions(), v1alpha1.ConditionTypeReady) == nil {
		setReady(s.obj, metav1.ConditionFalse, v1alpha1.ReasonCreating, "waiting for the first successful reconcile")
	}
	msg = boundedMessage(msg)
	setSynced(s.obj, metav1.ConditionFalse, c.reason, msg)

	// One Event per distinct failure, not one per retry.
	if prev := meta.FindStatusCondition(s.snapshot.GetConditions(), v1alpha1.ConditionTypeSynced); prev == nil ||
		prev.Reason != c.reason || prev.Message != msg {
		s.event(corev1.EventTypeWarning, c.reason, "Reconcile", msg)
	}
	switch {
	case c.retryAfter > 0:
		after := min(c.retryAfter, s.maxRetryAfter())
		log.FromContext(ctx).V(1).Info("retrying later", "reason", c.reason, "after", after, "error", msg)
		return ctrl.Result{RequeueAfter: after}, nil
	case c.terminal:
		// Retrying the same spec cannot help: look again at the next resync, or when the object changes.
		log.FromContext(ctx).Info("reconcile failed; not retrying until the spec changes or the next resync",
			"reason", c.reason, "error", msg)
		return ctrl.Result{RequeueAfter: jitter(s.ResyncPeriod)}, nil
	default:
		// Transient: the controller's rate limiter retries with exponential backoff.
		return ctrl.Result{}, err
	}
}

// releaseUnwritten takes the finalizer off again when this reconcile put it on and then failed
// before anything of the object could reach LiteLLM (e.g. the proxy refused the connection): the
// object still has nothing in LiteLLM, so deleting it needs no call. On any doubt it stays.
func (s *run[T]) releaseUnwritten(ctx context.Context) {
	if !s.addedFinalizer || s.exists || s.writes == nil || s.writes.mayHaveWritten() {
		return
	}
	if err := s.patchFinalizers(ctx, func(o client.Object) bool {
		return controllerutil.RemoveFinalizer(o, v1alpha1.FinalizerName)
	}); err != nil {
		log.FromContext(ctx).V(1).Info("could not take the unused finalizer off; it stays", "error", err.Error())
		return
	}
	s.addedFinalizer = false
}

// ensureFinalizer puts the finalizer on before the first write to LiteLLM.
func (s *run[T]) ensureFinalizer(ctx context.Context) error {
	if s.owned || controllerutil.ContainsFinalizer(s.obj, v1alpha1.FinalizerName) {
		return nil
	}
	if err := s.patchFinalizers(ctx, func(o client.Object) bool {
		return controllerutil.AddFinalizer(o, v1alpha1.FinalizerName)
	}); err != nil {
		return err
	}
	s.addedFinalizer = true
	return nil
}

// holdConnection marks the object's secretRef Secret as in use, unless it is marked already.
func (s *run[T]) holdConnection(ctx context.Context) error {
	if s.Hold == nil || !s.conn.OwnSecret || s.conn.Held {
		return nil
	}
	if err := s.Hold.Hold(ctx, s.conn.Secret); err != nil {
		return fmt.Errorf("holding connection Secret %s while this object uses it: %w", s.conn.Secret, err)
	}
	s.Resolver.Forget(s.conn.Secret) // the next read sees the mark
	return nil
}

// letGo removes the finalizer, and the adopted controller's, so Kubernetes deletes the object; the
// object's connection Secret is released first if no other object uses it.
func (s *run[T]) letGo(ctx context.Context) (ctrl.Result, error) {
	if ref := s.obj.GetConnectionRef().SecretRef; s.Hold != nil && ref != nil {
		secret := types.NamespacedName{Namespace: s.obj.GetNamespace(), Name: ref.Name}
		if err := s.Hold.Release(ctx, s.obj, secret); err != nil {
			return s.fail(ctx, fmt.Errorf("releasing connection Secret %s: %w", secret, err), true)
		}
	}
	err := s.patchFinalizers(ctx, func(o client.Object) bool {
		removed := controllerutil.RemoveFinalizer(o, v1alpha1.FinalizerName)
		if s.Adopter != nil && controllerutil.RemoveFinalizer(o, s.Adopter.Finalizer()) {
			removed = true
		}
		return removed
	})
	if err != nil {
		return s.fail(ctx, err, true)
	}
	return ctrl.Result{}, nil
}

// patchFinalizers applies change to the object's finalizers with a metadata patch made on a copy:
// the patch answer carries the stored status, which must not replace the status this reconcile is
// building. The optimistic lock keeps another controller's finalizer change from being lost.
func (s *run[T]) patchFinalizers(ctx context.Context, change func(client.Object) bool) error {
	patched := s.obj.DeepCopyObject().(T)
	before := patched.DeepCopyObject().(T)
	if !change(patched) {
		return nil
	}
	err := s.Client.Patch(ctx, patched, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.syncMetadata(patched)
	return nil
}

// adopt lets the Adopter take the object over; what it patched is kept on obj and snapshot alike.
func (s *run[T]) adopt(ctx context.Context) error {
	adopted := s.obj.DeepCopyObject().(T)
	if err := s.Adopter.Adopt(ctx, adopted); err != nil {
		return err
	}
	s.syncMetadata(adopted)
	return nil
}

// syncMetadata copies the metadata of a patched copy of the object into obj and snapshot, so the
// status write sends status changes only.
func (s *run[T]) syncMetadata(patched T) {
	for _, o := range []T{s.obj, s.snapshot} {
		o.SetFinalizers(patched.GetFinalizers())
		o.SetAnnotations(patched.GetAnnotations())
		o.SetLabels(patched.GetLabels())
		o.SetOwnerReferences(patched.GetOwnerReferences())
		o.SetResourceVersion(patched.GetResourceVersion())
	}
}

// observe tells the Observer what this reconcile saw. An object without the finalizer while being
// deleted is gone from the Observer's point of view; a status that could not be written is not
// shown, so the Observer never gets ahead of what the API server holds.
func (s *run[T]) observe(patchErr error) {
	switch {
	case s.Observer == nil:
	case s.letGoOf():
		s.Observer.Forget(s.obj)
	case patchErr == nil:
		s.Observer.Observe(s.snapshot, s.obj)
	}
}

// letGoOf reports an object being deleted that no finalizer of this operator holds any more.
func (s *run[T]) letGoOf() bool {
	return !s.obj.GetDeletionTimestamp().IsZero() && !controllerutil.ContainsFinalizer(s.obj, v1alpha1.FinalizerName) &&
		(s.Adopter == nil || !controllerutil.ContainsFinalizer(s.obj, s.Adopter.Finalizer()))
}

func (s *run[T]) patchStatus(ctx context.Context) error {
	if s.letGoOf() || equality.Semantic.DeepEqual(s.snapshot, s.obj) {
		return nil // the object is gone or about to be, or nothing changed
	}
	err := s.Client.Status().Patch(ctx, s.obj, client.MergeFrom(s.snapshot))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// event records an Event about the object, its note bounded as the API server requires.
func (s *run[T]) event(eventType, reason, action, note string) {
	s.Recorder.Eventf(s.obj, nil, eventType, reason, action, "%s", boundedMessage(note))
}

func (r *Reconciler[T]) reconcileTimeout() time.Duration {
	if r.ReconcileTimeout > 0 {
		return r.ReconcileTimeout
	}
	return defaultReconcileTimeout
}

// maxRetryAfter caps the wait a proxy asks for: never longer than a resync.
func (r *Reconciler[T]) maxRetryAfter() time.Duration {
	if r.ResyncPeriod > 0 {
		return r.ResyncPeriod
	}
	return maxRetryAfter
}

func setReady(obj Object, status metav1.ConditionStatus, reason, message string) {
	setCondition(obj, v1alpha1.ConditionTypeReady, status, reason, message)
}

func setSynced(obj Object, status metav1.ConditionStatus, reason, message string) {
	setCondition(obj, v1alpha1.ConditionTypeSynced, status, reason, message)
}

// setCondition stamps observedGeneration in one place; the transition time moves only when the
// status flips (meta.SetStatusCondition).
func setCondition(obj Object, condType string, status metav1.ConditionStatus, reason, message string) {
	conditions := obj.GetConditions()
	meta.SetStatusCondition(&conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message, ObservedGeneration: obj.GetGeneration(),
	})
	obj.SetConditions(conditions)
}

// jitter spreads a period by ±10%.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	spread := float64(d) * 0.1
	return d + time.Duration((rand.Float64()*2-1)*spread) //nolint:gosec // timing jitter, not security
}
