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

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Event reasons; they reuse the conditions' vocabulary where one fits.
const (
	EventCreated          = "Created"
	EventUpdated          = "Updated"
	EventDriftRepaired    = "DriftRepaired"
	EventDeleted          = "Deleted"
	EventOrphaned         = "Orphaned"
	EventConnectionGone   = "ConnectionGone"
	EventAdopted          = "Adopted"
	EventReconcileSuccess = v1alpha1.ReasonReconcileSuccess
)

// MessageCreating is the Ready message while the loop creates the object in LiteLLM: an object
// with it has been sent to LiteLLM at least once.
const MessageCreating = "creating the object in LiteLLM"

// Config is what every kind's reconciler shares.
type Config struct {
	Client    client.Client
	Resolver  *connection.Resolver
	Recorder  events.EventRecorder
	Transport http.RoundTripper
	// ResyncPeriod is how often a healthy object is observed again; each wait is jittered by ±10%
	// so a thousand objects created together do not all resync in the same second.
	ResyncPeriod   time.Duration
	LiteLLMTimeout time.Duration
	// Retry overrides the client's retry policy (tests shorten it).
	Retry litellm.RetryPolicy
	// Observer, when set, is shown what each reconcile saw (metrics, budget Events), so nothing
	// has to ask LiteLLM a second time.
	Observer Observer
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

	if err := r.ensureFinalizer(ctx, obj); err != nil {
		return ctrl.Result{}, err
	}
	// Only Ready and Synced are ours; conditions of the operator this one replaces are dropped.
	obj.SetConditions(slices.DeleteFunc(obj.GetConditions(), func(c metav1.Condition) bool {
		return c.Type != v1alpha1.ConditionTypeReady && c.Type != v1alpha1.ConditionTypeSynced
	}))

	// The only status write of this reconcile happens here, after everything else, and only when
	// the status changed: an unchanged resync writes nothing to the API server.
	snapshot := obj.DeepCopyObject().(T)
	defer func() {
		err := r.patchStatus(ctx, snapshot, obj)
		if err != nil {
			reterr = errors.Join(reterr, err)
		}
		r.observe(snapshot, obj, err)
	}()

	if !obj.GetDeletionTimestamp().IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	return r.reconcileNormal(ctx, obj, snapshot)
}

func (r *Reconciler[T]) reconcileNormal(ctx context.Context, obj, snapshot T) (ctrl.Result, error) {
	ext, conn, err := r.connect(ctx, obj)
	if err != nil {
		return r.fail(ctx, obj, snapshot, err)
	}

	obs, err := ext.Observe(ctx, obj)
	if err != nil {
		return r.fail(ctx, obj, snapshot, r.forgetOnUnauthorized(conn, err))
	}
	if (!obs.Exists || !obs.UpToDate) && refusedForThisSpec(obj) {
		// LiteLLM refused this very spec for a reason a retry cannot change (no Enterprise licence,
		// an invalid value): report it once and wait for a new spec instead of re-sending.
		return ctrl.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	}
	switch {
	case !obs.Exists:
		setReady(obj, metav1.ConditionFalse, v1alpha1.ReasonCreating, MessageCreating)
		if err := ext.Create(ctx, obj); err != nil {
			return r.fail(ctx, obj, snapshot, r.forgetOnUnauthorized(conn, err))
		}
		r.Recorder.Eventf(obj, nil, "Normal", EventCreated, "Create", "created in LiteLLM")
	case !obs.UpToDate:
		if err := ext.Update(ctx, obj, obs); err != nil {
			return r.fail(ctx, obj, snapshot, r.forgetOnUnauthorized(conn, err))
		}
		// An Observation without Diff is work that is not a spec change (e.g. an expiry renewal
		// asked for by annotation): the External reports it with its own Events.
		if len(obs.Diff) > 0 {
			reason, what := EventDriftRepaired, "reverted changes made outside the operator to"
			if obj.GetGeneration() != snapshot.GetObservedGeneration() {
				reason, what = EventUpdated, "applied the spec to"
			}
			r.Recorder.Eventf(obj, nil, "Normal", reason, "Update", "%s %s in LiteLLM", what, strings.Join(obs.Diff, ", "))
		}
	}

	if f, ok := ext.(Finisher[T]); ok {
		if err := f.Finish(ctx, obj); err != nil {
			return r.fail(ctx, obj, snapshot, err)
		}
	}
	if obs.Exists && obs.Unavailable != "" {
		setReady(obj, metav1.ConditionFalse, v1alpha1.ReasonUnavailable, obs.Unavailable)
	} else {
		setReady(obj, metav1.ConditionTrue, v1alpha1.ReasonAvailable, "the object exists in LiteLLM and can be used")
	}
	setSynced(obj, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess, "LiteLLM is in line with the spec")
	obj.SetObservedGeneration(obj.GetGeneration())
	after := jitter(r.ResyncPeriod)
	if s, ok := ext.(Scheduler[T]); ok {
		if d := s.NextReconcile(obj); d > 0 && d < after {
			after = d
		}
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

func (r *Reconciler[T]) reconcileDelete(ctx context.Context, obj T) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.FinalizerName) && !controllerutil.ContainsFinalizer(obj, v1alpha1.LegacyFinalizerName) {
		return ctrl.Result{}, nil
	}
	setReady(obj, metav1.ConditionFalse, v1alpha1.ReasonDeleting, "deleting")
	if f, ok := r.connector.(Finalizer[T]); ok {
		done, err := f.Finalize(ctx, obj)
		if err != nil {
			return r.failDeleting(obj, err)
		}
		if !done {
			return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
		}
	}

	if obj.GetDeletionPolicy() == v1alpha1.DeletionPolicyOrphan {
		r.Recorder.Eventf(obj, nil, "Normal", EventOrphaned, "Delete", "deletionPolicy is Orphan: the object is kept in LiteLLM")
		return ctrl.Result{}, r.patchFinalizer(ctx, obj, controllerutil.RemoveFinalizer)
	}

	ext, conn, err := r.connect(ctx, obj)
	if err != nil {
		if connectionGone(err) {
			// Without a connection nothing can be deleted, and waiting would keep the object (and a
			// namespace being deleted around it) forever. Say what may be left behind and let go.
			r.Recorder.Eventf(obj, nil, "Warning", EventConnectionGone, "Delete",
				"the LiteLLM object may be left behind: %v", err)
			return ctrl.Result{}, r.patchFinalizer(ctx, obj, controllerutil.RemoveFinalizer)
		}
		return r.failDeleting(obj, err)
	}
	if err := ext.Delete(ctx, obj); err != nil {
		return r.failDeleting(obj, r.forgetOnUnauthorized(conn, err))
	}
	r.Recorder.Eventf(obj, nil, "Normal", EventDeleted, "Delete", "deleted from LiteLLM")
	return ctrl.Result{}, r.patchFinalizer(ctx, obj, controllerutil.RemoveFinalizer)
}

// refusedForThisSpec reports that the last reconcile of this generation failed permanently: a
// feature the proxy is not licensed for, an invalid value, an email that belongs to another user.
// Changing the spec tries again.
func refusedForThisSpec(obj Object) bool {
	c := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionTypeSynced)
	return c != nil && c.Status == metav1.ConditionFalse && c.ObservedGeneration == obj.GetGeneration() &&
		(c.Reason == v1alpha1.ReasonEnterpriseFeature || c.Reason == v1alpha1.ReasonInvalidSpec || c.Reason == v1alpha1.ReasonEmailInUse)
}

// ForPredicates filters the events of the reconciled kind: a spec change (generation) or an
// annotation change (e.g. a rotation request) starts a reconcile; the operator's own status and
// finalizer writes do not, so they cannot race the next reconcile against a stale cache.
func ForPredicates() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// connectionGone reports connection failures that cannot heal while the object is being deleted:
// the Secret is gone (often deleted with the namespace), incomplete, or no longer grants access.
func connectionGone(err error) bool {
	return errors.Is(err, connection.ErrSecretNotFound) || errors.Is(err, connection.ErrIncomplete) ||
		errors.Is(err, connection.ErrNotPermitted)
}

// connect resolves the object's proxy and starts this reconcile's External.
func (r *Reconciler[T]) connect(ctx context.Context, obj T) (External[T], connection.Connection, error) {
	conn, err := r.Resolver.Resolve(ctx, obj.GetNamespace(), obj.GetConnectionRef())
	if err != nil {
		return nil, conn, err
	}
	lc, err := litellm.New(litellm.Config{
		BaseURL: conn.URL, MasterKey: conn.MasterKey, Timeout: r.LiteLLMTimeout,
		Transport: r.Transport, Retry: r.Retry, ChangedBy: "litellm-operator",
	})
	if err != nil {
		return nil, conn, Terminal(v1alpha1.ReasonConnectionError, fmt.Errorf("connection Secret %s: %w", conn.Secret, err))
	}
	ext, err := r.connector.Connect(ctx, lc, obj)
	return ext, conn, err
}

// forgetOnUnauthorized drops the cached connection Secret after a 401, so the retry reads a
// rotated master key.
func (r *Reconciler[T]) forgetOnUnauthorized(conn connection.Connection, err error) error {
	if litellm.IsUnauthorized(err) {
		r.Resolver.Forget(conn.Secret)
	}
	return err
}

// fail records a failed reconcile in the Synced condition and decides when to come back. Ready is
// left as it was (an outage does not make existing keys unusable), except before the first
// success, when it says the object is still being created.
func (r *Reconciler[T]) fail(ctx context.Context, obj, snapshot T, err error) (ctrl.Result, error) {
	c := classify(err)
	msg := err.Error()
	if c.reason == v1alpha1.ReasonEnterpriseFeature {
		msg = enterpriseMessage(err)
	}
	if meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionTypeReady) == nil {
		setReady(obj, metav1.ConditionFalse, v1alpha1.ReasonCreating, "waiting for the first successful reconcile")
	}
	setSynced(obj, metav1.ConditionFalse, c.reason, msg)

	// One Event per distinct failure, not one per retry.
	if prev := meta.FindStatusCondition(snapshot.GetConditions(), v1alpha1.ConditionTypeSynced); prev == nil ||
		prev.Reason != c.reason || prev.Message != msg {
		r.Recorder.Eventf(obj, nil, "Warning", c.reason, "Reconcile", "%s", msg)
	}
	switch {
	case c.retryAfter > 0:
		log.FromContext(ctx).V(1).Info("retrying later", "reason", c.reason, "after", c.retryAfter, "error", msg)
		return ctrl.Result{RequeueAfter: c.retryAfter}, nil
	case c.terminal:
		// Retrying the same spec cannot help: look again at the next resync, or when the object changes.
		log.FromContext(ctx).Info("reconcile failed; not retrying until the spec changes or the next resync",
			"reason", c.reason, "error", msg)
		return ctrl.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	default:
		// Transient: the controller's rate limiter retries with exponential backoff.
		return ctrl.Result{}, err
	}
}

func (r *Reconciler[T]) failDeleting(obj T, err error) (ctrl.Result, error) {
	c := classify(err)
	setSynced(obj, metav1.ConditionFalse, c.reason, "cannot delete yet: "+err.Error()+
		"; to keep the LiteLLM object and finish deleting, set spec.deletionPolicy to Orphan")
	if c.retryAfter > 0 {
		return ctrl.Result{RequeueAfter: c.retryAfter}, nil
	}
	return ctrl.Result{}, err
}

// ensureFinalizer adds the finalizer first, so the LiteLLM object can never be created without a
// way to clean it up; it replaces the finalizer of the operator this one succeeds, which adopts
// that operator's objects.
func (r *Reconciler[T]) ensureFinalizer(ctx context.Context, obj T) error {
	legacy := controllerutil.ContainsFinalizer(obj, v1alpha1.LegacyFinalizerName)
	if !obj.GetDeletionTimestamp().IsZero() || (!legacy && controllerutil.ContainsFinalizer(obj, v1alpha1.FinalizerName)) {
		return nil
	}
	if err := r.patchFinalizer(ctx, obj, func(o client.Object, name string) bool {
		removed := controllerutil.RemoveFinalizer(o, v1alpha1.LegacyFinalizerName)
		return controllerutil.AddFinalizer(o, name) || removed
	}); err != nil {
		return err
	}
	if legacy {
		r.Recorder.Eventf(obj, nil, "Normal", EventAdopted, "Adopt",
			"adopted from the LiteLLM operator this one replaces: its finalizer was replaced")
	}
	return nil
}

// patchFinalizer applies change for our finalizer; removing it also removes the legacy one.
func (r *Reconciler[T]) patchFinalizer(ctx context.Context, obj T, change func(client.Object, string) bool) error {
	before := obj.DeepCopyObject().(T)
	changed := change(obj, v1alpha1.FinalizerName)
	if !obj.GetDeletionTimestamp().IsZero() && controllerutil.RemoveFinalizer(obj, v1alpha1.LegacyFinalizerName) {
		changed = true
	}
	if !changed {
		return nil
	}
	// The optimistic lock keeps another controller's finalizer change from being overwritten.
	err := r.Client.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// observe tells the Observer what this reconcile saw. An object without the finalizer while being
// deleted is gone from the Observer's point of view; a status that could not be written is not
// shown, so the Observer never gets ahead of what the API server holds.
func (r *Reconciler[T]) observe(before, after T, patchErr error) {
	switch {
	case r.Observer == nil:
	case !after.GetDeletionTimestamp().IsZero() && !controllerutil.ContainsFinalizer(after, v1alpha1.FinalizerName):
		r.Observer.Forget(after)
	case patchErr == nil:
		r.Observer.Observe(before, after)
	}
}

func (r *Reconciler[T]) patchStatus(ctx context.Context, before, after T) error {
	if !after.GetDeletionTimestamp().IsZero() && !controllerutil.ContainsFinalizer(after, v1alpha1.FinalizerName) {
		return nil // the object is gone or about to be
	}
	if equality.Semantic.DeepEqual(before, after) {
		return nil
	}
	err := r.Client.Status().Patch(ctx, after, client.MergeFrom(before))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
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
