package v1alpha1

// Condition types. Ready and Synced have separate owners, as in crossplane: Ready describes the
// LiteLLM object, Synced the last reconcile. A LiteLLM outage turns Synced False while Ready stays
// True, so alerts on Ready do not fire for every key at once.
const (
	// ConditionTypeReady says whether the LiteLLM object exists and can be used.
	ConditionTypeReady = "Ready"
	// ConditionTypeSynced says whether the last reconcile succeeded.
	ConditionTypeSynced = "Synced"
)

// Reasons of the Ready condition.
const (
	// ReasonAvailable: the LiteLLM object exists and is usable.
	ReasonAvailable = "Available"
	// ReasonCreating: the LiteLLM object is being created.
	ReasonCreating = "Creating"
	// ReasonDeleting: the object is being deleted.
	ReasonDeleting = "Deleting"
	// ReasonUnavailable: the LiteLLM object is missing or cannot be used (blocked, expired,
	// over budget).
	ReasonUnavailable = "Unavailable"
)

// Reasons of the Synced condition.
const (
	// ReasonReconcileSuccess: the last reconcile succeeded.
	ReasonReconcileSuccess = "ReconcileSuccess"
	// ReasonConnectionError: the LiteLLM proxy could not be reached, or the connection Secret is
	// missing or incomplete.
	ReasonConnectionError = "ConnectionError"
	// ReasonConnectionNotPermitted: an instanceRef points to another namespace whose instance Secret
	// does not allow this namespace (see AnnotationAllowedNamespaces).
	ReasonConnectionNotPermitted = "ConnectionNotPermitted"
	// ReasonInvalidSpec: the spec passed the API server's validation but cannot be applied.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonAliasInUse: the key alias belongs to a LiteLLM key this object does not own.
	ReasonAliasInUse = "AliasInUse"
	// ReasonEmailInUse: the user email belongs to another LiteLLM user.
	ReasonEmailInUse = "EmailInUse"
	// ReasonEnterpriseFeature: the proxy refused a field that needs a LiteLLM Enterprise license.
	ReasonEnterpriseFeature = "EnterpriseFeature"
	// ReasonDependencyMissing: a user or team the object refers to does not exist.
	ReasonDependencyMissing = "DependencyMissing"
	// ReasonLiteLLMError: LiteLLM refused a call for another reason; the message carries its text.
	ReasonLiteLLMError = "LiteLLMError"
	// ReasonSecretConflict: the key Secret's name is taken by a Secret the operator does not own.
	ReasonSecretConflict = "SecretConflict"
	// ReasonWaiting: the object waits for another object (a Team or User) to become Ready.
	ReasonWaiting = "Waiting"
	// ReasonNotPermitted: the grant the object uses a shared instance under does not allow its spec
	// (a role, a budget, a model, a reference to a team or user it does not own, a keyFrom Secret
	// that did not opt in). Nothing was sent to LiteLLM; the message names the rule.
	ReasonNotPermitted = "NotPermitted"
	// ReasonNotOwned: the LiteLLM object exists and is not this object's (it carries another
	// owner's stamp, or none and may not be taken over). Nothing was written to it.
	ReasonNotOwned = "NotOwned"
	// ReasonCustomKeysDisabled: spec.key or spec.keyFrom chooses the key's value and the proxy
	// refuses chosen values (LiteLLM's disable_custom_api_keys); not retried until the spec changes.
	ReasonCustomKeysDisabled = "CustomKeysDisabled"
)

// FinalizerName is set on every object so the LiteLLM object is deleted before the Kubernetes one.
const FinalizerName = "auth.litellm.ai/finalizer"

// FinalizerConnectionInUse is set on a secretRef connection Secret while objects that may hold
// something in LiteLLM use it, so that deleting the namespace deletes their LiteLLM objects before
// the credentials to do so vanish.
const FinalizerConnectionInUse = "auth.litellm.ai/connection-in-use"

// OwnerMetadataKey is the key of the owner stamp in the metadata of every key, user and team the
// operator creates in LiteLLM: "<installation>/<Kind>/<namespace>/<name>". Keys of the prefix
// auth.litellm.ai/ are reserved: spec.metadata cannot set them.
const OwnerMetadataKey = "auth.litellm.ai/owner"

// ReservedMetadataPrefix is the prefix of metadata keys only the operator writes.
const ReservedMetadataPrefix = "auth.litellm.ai/"

// Annotations understood by the operator.
const (
	// AnnotationRotate on a VirtualKey: setting it to a new value rotates the key once per value.
	AnnotationRotate = "auth.litellm.ai/rotate"
	// AnnotationRenew on a VirtualKey: setting it to a new value re-sends spec.duration once, which
	// moves the key's expiry to now + duration (LiteLLM counts it from the time of the call).
	AnnotationRenew = "auth.litellm.ai/renew"
	// AnnotationAllowedNamespaces on an instance Secret: "*" or a comma-separated list of namespaces
	// whose objects may use that instance through a cross-namespace instanceRef.
	AnnotationAllowedNamespaces = "auth.litellm.ai/allowed-namespaces"
	// AnnotationAllowedNamespaceSelector on an instance Secret: a label selector (e.g.
	// "tenant=true,tier in (gold,silver)"); namespaces whose labels match it are granted too.
	AnnotationAllowedNamespaceSelector = "auth.litellm.ai/allowed-namespace-selector"
	// AnnotationGrantPolicy on an instance Secret: what granted namespaces may do, a YAML or JSON
	// document (see docs/multi-tenancy.md). Without it the safe defaults apply.
	AnnotationGrantPolicy = "auth.litellm.ai/grant-policy"
)

// LabelKeySource on a Secret in a VirtualKey's namespace, set to "true", lets VirtualKeys read a
// key from it with spec.keyFrom. Only someone who may write Secrets there can set it: without it a
// VirtualKey could make the operator read a Secret its author may not read.
const LabelKeySource = "auth.litellm.ai/key-source"

// Labels set by the operator.
const (
	// LabelVirtualKey on a key Secret: the name of the VirtualKey that owns it.
	LabelVirtualKey = "auth.litellm.ai/virtualkey"
	// LabelManagedBy marks the objects the operator created (its cache selects on it).
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy on the operator's objects.
	ManagedByValue = "litellm-operator"
)

// The key Secret of a VirtualKey.
const (
	// KeySecretSuffix is appended to the VirtualKey's name to name its key Secret.
	KeySecretSuffix = "-key"
	// KeySecretDataKey is the Secret data key holding the raw key (the guide reads .data.key).
	KeySecretDataKey = "key"
)

// KeySecretName returns the name of the key Secret of the VirtualKey called virtualKeyName.
func KeySecretName(virtualKeyName string) string {
	return virtualKeyName + KeySecretSuffix
}

// Marks of the operator whose API this one implements (release 1.1.2), recognised so its objects
// are adopted without a new key, user or team.
const (
	// LegacyFinalizerName is the other operator's finalizer; it is replaced by FinalizerName.
	LegacyFinalizerName = "litellm-operator.litellm.ai/finalizer"
	// LegacyConnectionInstance names the instance in the other operator's key Secret names when
	// the object uses a secretRef: "<instance>-key-<keyAlias>".
	LegacyConnectionInstance = "litellm"
)

// Annotations the operator writes to keep identities that cannot be derived from the object.
const (
	// AnnotationKeySecret on a VirtualKey: the name of its key Secret when it is not
	// "<name>-key" (an adopted Secret keeps its name: applications mount it by name).
	AnnotationKeySecret = "auth.litellm.ai/key-secret"
	// AnnotationUserID on a User: the LiteLLM user ID when it is neither spec.userID nor derived
	// from namespace and name (e.g. a UUID chosen by LiteLLM for an adopted user).
	AnnotationUserID = "auth.litellm.ai/user-id"
	// AnnotationTeamID on a Team: the LiteLLM team ID, likewise.
	AnnotationTeamID = "auth.litellm.ai/team-id"
	// AnnotationKeyToken on a key Secret: the hash of the key it holds (LiteLLM's token), so the
	// operator knows the key without reading the Secret's data.
	AnnotationKeyToken = "auth.litellm.ai/key-token"
	// AnnotationKeyName on a key Secret: the redacted form of its key ("sk-..." and the last four
	// characters), as LiteLLM shows it.
	AnnotationKeyName = "auth.litellm.ai/key-name"
)

// LegacyKeySecretName is the other operator's name for a key Secret.
func LegacyKeySecretName(ref ConnectionRef, keyAlias string) string {
	instance := LegacyConnectionInstance
	if ref.InstanceRef != nil {
		instance = ref.InstanceRef.Name
	}
	return instance + "-key-" + keyAlias
}
