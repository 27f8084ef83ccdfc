package v1alpha1

// Kubernetes names in a spec (connectionRef.secretRef.name, connectionRef.instanceRef.name and
// namespace, keyFrom.secretKeyRef.name) are checked by rules on each kind, written so they work
// on Kubernetes 1.29 (the bundle's minKubeVersion), where the API server does not ratchet
// validation yet: they apply while the object has no status, that is when it is created (status
// is dropped on create), and a changed keyFrom is checked on update. connectionRef cannot change
// after creation, so objects stored before the rules existed stay valid and their finalizer can
// always be removed.

// ConnectionRef defines how to connect to a LiteLLM instance.
// Exactly one of secretRef and instanceRef is set.
// +kubebuilder:validation:XValidation:rule="has(self.secretRef) != has(self.instanceRef)",message="connectionRef must set exactly one of secretRef (a Secret with the proxy URL and master key) or instanceRef (a LiteLLM instance); remove one or add one"
type ConnectionRef struct {
	// SecretRef references a secret containing connection details: a Secret in the object's own
	// namespace with the proxy URL and the master key.
	// +optional
	SecretRef *SecretRef `json:"secretRef,omitempty"`

	// InstanceRef references a LiteLLM instance deployed in the cluster. Its master key is read from
	// the Secret "<name>-secrets" (data key "masterkey") in the instance namespace and its URL is
	// "http://<name>-service.<namespace>.svc" unless that Secret has a "url" data key.
	// +optional
	InstanceRef *InstanceRef `json:"instanceRef,omitempty"`
}

// SecretRef references a secret containing connection details.
type SecretRef struct {
	// Name is the name of the secret, in the same namespace as the object that refers to it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Connection Secret Name",xDescriptors={"urn:alm:descriptor:io.kubernetes:Secret"}
	Name string `json:"name"`

	// Keys defines the keys in the secret that contain connection details. When omitted, the data
	// keys "masterKey" (or "masterkey") and "url" are used.
	// +optional
	Keys *SecretKeys `json:"keys,omitempty"`
}

// SecretKeys defines the keys in a secret for connection details.
type SecretKeys struct {
	// MasterKey is the key in the secret containing the master key. Defaults to "masterKey", and
	// "masterkey" is accepted too.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[-._a-zA-Z0-9]+$')",message="connectionRef.secretRef.keys.masterKey must be a Secret data key: letters, digits, '-', '_' or '.'"
	MasterKey string `json:"masterKey,omitempty"`

	// URL is the key in the secret containing the LiteLLM URL. Defaults to "url".
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[-._a-zA-Z0-9]+$')",message="connectionRef.secretRef.keys.url must be a Secret data key: letters, digits, '-', '_' or '.'"
	URL string `json:"url,omitempty"`
}

// InstanceRef references a LiteLLM instance.
type InstanceRef struct {
	// Name is the name of the LiteLLM instance.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Namespace is the namespace of the LiteLLM instance (defaults to the object's own namespace).
	// Another namespace is used only when its instance Secret grants this object's namespace (the
	// annotation auth.litellm.ai/allowed-namespaces with "*" or a list that includes it, or
	// auth.litellm.ai/allowed-namespace-selector matching its labels), and then only within that
	// grant's policy (auth.litellm.ai/grant-policy; see docs/multi-tenancy.md).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
}

// DeletionPolicy says what happens to the LiteLLM object when the Kubernetes object is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the LiteLLM object with the Kubernetes object (the default).
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan keeps the LiteLLM object when the Kubernetes object is deleted.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// deletionPolicyOrDefault treats an unset policy as Delete, for objects stored before the
// API server defaulted the field.
func deletionPolicyOrDefault(p DeletionPolicy) DeletionPolicy {
	if p == "" {
		return DeletionPolicyDelete
	}
	return p
}

// Map values get their own string types so the schema can bound their length: the API server
// accepts CEL rules over map values only when their size is bounded.

// ModelBudgetString is one model's budget in US dollars: "<budget>" or "<budget>/<budgetDuration>",
// e.g. "10" or "10/30d" (10 dollars per 30 days).
// +kubebuilder:validation:MaxLength=48
type ModelBudgetString string

// IntString is a non-negative integer written as a string, e.g. "10".
// +kubebuilder:validation:MaxLength=10
type IntString string
