// Package managed is the reconcile loop every kind shares, modelled on crossplane-runtime's managed
// reconciler: resolve the connection, check the spec, observe the LiteLLM object with one read,
// create it when absent, update only what differs, delete it by policy after observing it, and
// write status once at the end. Each kind plugs in a Connector and an External that map between
// its Kubernetes object and LiteLLM; the loop decides what to call, classifies errors, sets the
// Ready and Synced conditions, records Events and schedules the jittered resync.
//
// The finalizer says that LiteLLM may hold something of the object. It goes on before the first
// write to LiteLLM (and as soon as an observation finds the object there), and comes off again if
// that reconcile fails before any write could reach the proxy. So an object that never reached
// LiteLLM (its connection is missing or invalid, its spec was refused, the proxy was down) carries
// no finalizer, and deleting it needs no LiteLLM call. Deletion observes the object first and
// deletes only what it finds.
//
// Each reconcile has a deadline (Config.ReconcileTimeout); the status write that records its
// outcome runs after it with a few seconds of its own. A lost race for a Kubernetes object (an
// optimistic-lock conflict, a create that a stale cache did not foresee) is retried quietly: no
// condition changes, no Event, no error log.
package managed
