// Package olm tests the OLM packaging that `make bundle catalog` generates: the ClusterServiceVersion
// in bundle/ (owned CRDs and descriptors, alm-examples, install modes, the Deployment, permissions,
// metadata), the bundle metadata and scorecard configuration, and the file-based catalog in catalog/.
// The tests read the generated files as OLM would and compare them with their sources in config/, so
// a change to the API, the samples, the RBAC markers or the manager's Deployment that is not carried
// into the bundle fails here.
package olm
