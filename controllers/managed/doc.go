// Package managed is the reconcile loop every kind shares, modelled on crossplane-runtime's managed
// reconciler: finalizer first, resolve the connection, observe the LiteLLM object with one read,
// create it when absent, update only what differs, delete it by policy, and write status once at the
// end. Each kind plugs in an Adapter that maps between its Kubernetes object and LiteLLM; the loop
// decides what to call, classifies errors, sets the Ready and Synced conditions, records Events and
// schedules the jittered resync.
package managed
