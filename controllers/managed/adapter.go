package managed

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
	"github.com/litellm-operator/litellm-operator/pkg/connection"
	"github.com/litellm-operator/litellm-operator/pkg/litellm"
)

// Object is what the loop needs of a kind.
type Object interface {
	client.Object
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
	GetObservedGeneration() int64
	SetObservedGeneration(int64)
	GetConnectionRef() v1alpha1.ConnectionRef
	GetDeletionPolicy() v1alpha1.DeletionPolicy
}

// Observation is what Observe learned. Observe only reads: it never writes to LiteLLM or to
// Kubernetes, but it copies LiteLLM's view of the object into the object's status.
type Observation struct {
	// Exists reports that the LiteLLM object exists.
	Exists bool
	// UpToDate reports that LiteLLM matches the spec and nothing else is due; when false, Diff
	// names the fields an update sends (it may be empty for work that is not a spec change, such
	// as a renewal asked for by annotation, or fields the spec no longer sets that LiteLLM
	// cannot clear).
	UpToDate bool
	Diff     []string
	// Unavailable explains why an existing object cannot be used now (blocked, expired, over
	// budget); empty when it can. It sets Ready=False without failing the reconcile.
	Unavailable string
	// Ignored lists what LiteLLM accepts but does not apply or keep, one sentence per spec field,
	// naming it. It is not a failure: the Synced condition's message lists it, and one Warning
	// Event reports it each time the list changes, so a resync does not repeat it.
	Ignored []string
	// NotOurs, when set, says that the LiteLLM object exists but belongs to someone else: the loop
	// writes nothing to it, neither an update nor a delete, and reports NotOurs (use an *Error to
	// choose the reason). While the object is being deleted, it lets go and leaves it in LiteLLM.
	NotOurs error
}

// ConnectionHold keeps a secretRef connection Secret from disappearing while objects that may hold
// something in LiteLLM use it: deleting a namespace deletes the Secret and the objects together,
// and without the Secret the objects could not delete their LiteLLM objects.
type ConnectionHold interface {
	// Hold marks the Secret as in use; the loop calls it before the object's first LiteLLM write
	// and whenever a reconcile finds the mark missing.
	Hold(ctx context.Context, secret types.NamespacedName) error
	// Release removes the mark unless another object still uses the Secret. The loop calls it
	// before it lets go of obj, so a failure is retried.
	Release(ctx context.Context, obj client.Object, secret types.NamespacedName) error
}

// Proxy is the object's LiteLLM proxy as one reconcile resolved it.
type Proxy struct {
	// Client calls the proxy; LiteLLM's audit log attributes its writes to the object.
	Client *litellm.Client
	// Grant is set when the object uses an instance of another namespace: the policy its spec must
	// keep to, and whose teams and users it may reference. nil means full rights.
	Grant *connection.Grant
	// Enterprise reports that the connection declares the proxy licensed for LiteLLM Enterprise.
	Enterprise bool
}

// Connector starts one reconcile of one object: given the object's proxy, it returns the External
// that the loop calls. It may do Kubernetes-side work first (make sure a key Secret exists,
// resolve a Team by alias) and keep what it learned for the calls that follow, since an External
// lives for a single reconcile only. It makes no LiteLLM call that writes. While the object is
// being deleted it must not create anything.
type Connector[T Object] interface {
	Connect(ctx context.Context, p Proxy, obj T) (External[T], error)
}

// External maps one object to LiteLLM for one reconcile. Every call must be idempotent. Create and
// Update copy what LiteLLM answered into the status; Delete is called only after an Observe that
// found the object, and deleting an object that is already gone is success.
type External[T Object] interface {
	Observe(ctx context.Context, obj T) (Observation, error)
	Create(ctx context.Context, obj T) error
	Update(ctx context.Context, obj T, obs Observation) error
	Delete(ctx context.Context, obj T) error
}

// Checker is implemented by Externals that can refuse a spec before any LiteLLM call (e.g. a
// policy of the proxy's owner). Check runs after Connect and before Observe, in every reconcile
// of a live object; a refusal (usually a Terminal error) reaches no LiteLLM endpoint, and an object
// refused from its first reconcile never gets a finalizer.
type Checker[T Object] interface {
	Check(ctx context.Context, obj T) error
}

// Finalizer is implemented by connectors that must clean up Kubernetes-side state before the
// finalizer is removed, whatever the deletion policy (e.g. delete a child VirtualKey first).
// done=false makes the loop come back shortly.
type Finalizer[T Object] interface {
	Finalize(ctx context.Context, obj T) (done bool, err error)
}

// Finisher is implemented by Externals with Kubernetes-side work that needs the LiteLLM object to
// exist (e.g. a User's own VirtualKey). Finish runs after every successful observe, create or
// update; an error fails the reconcile like any other.
type Finisher[T Object] interface {
	Finish(ctx context.Context, obj T) error
}

// Scheduler is implemented by Externals with work due at a known time (e.g. deleting a replaced
// key when its grace period ends, a scheduled rotation). After a successful reconcile the loop
// comes back after NextReconcile when that is sooner than the resync; zero means nothing is due.
type Scheduler[T Object] interface {
	NextReconcile(obj T) time.Duration
}

// Adopter takes objects over from a controller that managed them before this operator. The loop
// knows nothing of that controller: it calls Adopt in every reconcile once the object's connection
// resolves (there is nothing to manage before), ahead of the Connector, and honours the
// controller's finalizer like its own while an object that still carries it is being deleted.
type Adopter interface {
	// Adopt makes obj this operator's on the Kubernetes side (it may patch obj: replace the
	// finalizer, record identities that only the other controller's status held). It must return
	// quickly for objects that carry nothing of that controller. On an object being deleted it
	// must not add finalizers (the API server refuses them).
	Adopt(ctx context.Context, obj client.Object) error
	// Finalizer is the other controller's finalizer.
	Finalizer() string
}
