// Package ownership is the owner stamp the operator keeps in the metadata of every key, user and
// team it creates in LiteLLM: "<installation>/<Kind>/<namespace>/<name>" under the reserved key
// auth.litellm.ai/owner. It is how the operator knows, from LiteLLM itself and whatever a
// Kubernetes object's status or annotations claim, which object a LiteLLM object belongs to: it
// updates and deletes only what carries the stamp of the object at hand.
package ownership

import (
	"maps"
	"strings"

	"github.com/litellm-operator/litellm-operator/api/v1alpha1"
)

// Key is the metadata key of the stamp.
const Key = v1alpha1.OwnerMetadataKey

// Owner is one Kubernetes object of one installation of the operator.
type Owner struct {
	Installation, Kind, Namespace, Name string
}

// String is the stamp's value.
func (o Owner) String() string {
	return o.Installation + "/" + o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Stamp returns a copy of metadata with the stamp set, whatever the key held before.
func (o Owner) Stamp(metadata map[string]any) map[string]any {
	out := make(map[string]any, len(metadata)+1)
	maps.Copy(out, metadata)
	out[Key] = o.String()
	return out
}

// Claim is what a LiteLLM object's stamp says about an Owner.
type Claim int

const (
	// Unstamped: the object carries no stamp (made outside the operator, by the operator it
	// replaces, or by a release of this operator from before stamps).
	Unstamped Claim = iota
	// Ours: the stamp names exactly this Owner.
	Ours
	// Foreign: the stamp names another object, kind, namespace or installation.
	Foreign
)

// Claim classifies the metadata of a LiteLLM object.
func (o Owner) Claim(metadata map[string]any) Claim {
	v, ok := metadata[Key]
	switch {
	case !ok:
		return Unstamped
	case v == o.String():
		return Ours
	}
	return Foreign
}

// InNamespace reports that the metadata carries the stamp of an object of kind in o's namespace,
// made by o's installation: the LiteLLM object belongs to that namespace.
func (o Owner) InNamespace(metadata map[string]any, kind string) bool {
	v, _ := metadata[Key].(string)
	name, ok := strings.CutPrefix(v, o.Installation+"/"+kind+"/"+o.Namespace+"/")
	return ok && name != "" && !strings.Contains(name, "/")
}

// Installation is the installation ID when none is configured: the --id-prefix without its
// trailing separators (two clusters sharing a proxy need distinct prefixes, or their derived IDs
// collide), else "default". A "/" would make stamps ambiguous and becomes "-".
func Installation(idPrefix string) string {
	id := strings.ReplaceAll(strings.TrimRight(idPrefix, ".-_:/ "), "/", "-")
	if id == "" {
		return "default"
	}
	return id
}
