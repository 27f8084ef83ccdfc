package controllers

// derivedID is the LiteLLM ID of a User or Team whose spec sets none. It depends only on the
// namespace and name (and the operator's prefix), never on the UID, so a GitOps re-create or a
// backup restore finds the same LiteLLM object. Namespaces cannot contain dots, so the first dot
// separates the two parts unambiguously.
func derivedID(prefix, namespace, name string) string {
	return prefix + namespace + "." + name
}

// objectID resolves the LiteLLM ID of a User or Team: the spec's, else the one recorded in an
// annotation (e.g. an ID LiteLLM chose for an object adopted from the operator this one replaces),
// else derived.
func objectID(prefix, explicit, annotated, namespace, name string) string {
	switch {
	case explicit != "":
		return explicit
	case annotated != "":
		return annotated
	}
	return derivedID(prefix, namespace, name)
}
