// Package olm tests the OLM packaging that `make bundle catalog` generates: the ClusterServiceVersion
// in bundle/ (owned CRDs and descriptors, alm-examples, install modes, the Deployment, permissions,
// metadata), the bundle metadata and scorecard configuration, and the file-based catalog in catalog/.
// The tests read the generated files as OLM would and compare them with their sources in config/, so
// a change to the API, the samples, the RBAC markers or the manager's Deployment that is not carried
// into the bundle fails here.
//
// Three tests go further, on the local control plane: the operator runs with exactly the bundle's
// permissions while every authorization check is recorded (the checks and the grants must match);
// every published release in testdata/releases is upgraded to the current CRDs with OLM's own
// pre-upgrade checks and objects users have; and the catalog's upgrade graph is rendered and
// validated with opm.
package olm
