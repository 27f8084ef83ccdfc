package controllers

// derivedID is the LiteLLM ID of a User or Team whose spec sets none. It depends only on the
// namespace and name (and the operator's prefix), never on the UID, so a GitOps re-create or a
// backup restore finds the same LiteLLM object. Namespaces cannot contain dots, so the first dot
// separates the two parts unambiguously.
func derivedID(prefix, explicit, namespace, name string) string {
	if explicit != "" {
		return explicit
	}
	return prefix + namespace + "." + name
}

// diff collects the LiteLLM fields an update sends, for the Event that reports it.
type diff []string

func (d *diff) add(name string, differs bool) bool {
	if differs {
		*d = append(*d, name)
	}
	return differs
}
