package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VirtualKeySpec defines the desired state of VirtualKey.
//
// A field left unset is not managed: LiteLLM's default applies and the operator never changes it.
// +kubebuilder:validation:XValidation:rule="!has(self.rotation) || !has(self.rotation.every) || (!has(self.key) && !has(self.keyFrom))",message="spec.rotation.every cannot be used with spec.key or spec.keyFrom: the key's value is yours, rotate it by changing it"
// +kubebuilder:validation:XValidation:rule="!has(self.keyFrom) || (!has(self.key) && !has(self.secretTemplate))",message="spec.keyFrom cannot be used with spec.key (choose one source for the key's value) nor with spec.secretTemplate (the operator makes no key Secret then)"
type VirtualKeySpec struct {
	// ConnectionRef defines how to connect to the LiteLLM instance. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.connectionRef is immutable: delete and re-create the VirtualKey to move it to another LiteLLM instance"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Connection"
	ConnectionRef ConnectionRef `json:"connectionRef"`

	// Aliases maps additional aliases for the key: model alias to model name.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model Aliases",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Aliases map[string]string `json:"aliases,omitzero"`

	// AllowedCacheControls defines allowed cache control settings.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Allowed Cache Controls",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	AllowedCacheControls []string `json:"allowedCacheControls,omitzero"`

	// AllowedRoutes defines allowed API routes, e.g. "/chat/completions". Empty allows all routes.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Allowed Routes",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	AllowedRoutes []string `json:"allowedRoutes,omitzero"`

	// Blocked indicates if the key is blocked. A blocked key is refused by the proxy but kept.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Blocked",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch"}
	Blocked *bool `json:"blocked,omitempty"`

	// BudgetDuration specifies the duration for budget tracking: spend is reset to 0 at the end of
	// each period. A number and a unit: s, m (minutes), h, d or w, e.g. "30d"; "1mo" for monthly.
	// If not set, the budget is never reset.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(s|m|h|d|w)|1mo)$')",message="spec.budgetDuration must be a number followed by s, m (minutes), h, d or w, e.g. '1h' or '30d', or '1mo' (LiteLLM resets monthly budgets only every 1 month)"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Budget Duration",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	BudgetDuration string `json:"budgetDuration,omitempty"`

	// BudgetID is the identifier for the budget: an existing LiteLLM budget to attach the key to.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Budget ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced","urn:alm:descriptor:com.tectonic.ui:text"}
	BudgetID string `json:"budgetID,omitempty"`

	// Config contains additional configuration settings (deprecated by LiteLLM). Values are sent
	// as JSON: "true"/"false" become booleans, numbers become numbers, other values stay strings.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Config",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Config map[string]string `json:"config,omitzero"`

	// Duration specifies how long the key is valid, counted from creation: a number and a unit
	// s, m (minutes), h, d, w or mo, e.g. "30d". If not set, the key never expires. Changing it
	// sets a new expiry counted from the time of the change.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+(s|m|h|d|w|mo)$')",message="spec.duration must be a number followed by s, m (minutes), h, d, w or mo, e.g. '1h' or '30d'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Duration",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	Duration string `json:"duration,omitempty"`

	// EnforcedParams lists parameters that must be included in requests. Requires a LiteLLM
	// Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Enforced Params",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	EnforcedParams []string `json:"enforcedParams,omitzero"`

	// Guardrails defines guardrail settings: the names of guardrails applied to the key's calls.
	// Requires a LiteLLM Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Guardrails",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Guardrails []string `json:"guardrails,omitzero"`

	// Key is the actual key value: a raw key starting with "sk-" chosen by you. If not set, the
	// operator generates one. Either way the key is stored in the key Secret. Changing it rotates
	// the key. Prefer leaving it unset: a value here is readable by anyone who can read the object.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.matches('^sk-[!-~]+$')",message="spec.key must start with 'sk-' followed by printable characters without spaces, e.g. 'sk-my-service-1234'; or leave it unset to let the operator generate the key"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Key",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced","urn:alm:descriptor:com.tectonic.ui:password"}
	Key string `json:"key,omitempty"`

	// KeyFrom takes the key's value from a Secret of yours instead of generating it: the operator
	// registers that value in LiteLLM (or adopts the LiteLLM key that already has it) and never
	// writes it anywhere else: no key Secret is made, status.keySecretRef names your Secret. Prefer
	// it to spec.key, whose value anyone who can read the VirtualKey can see. Changing the value
	// in the Secret rotates the key (seen on the next resync, or at once with the rotate
	// annotation). Not allowed with spec.key, spec.secretTemplate or spec.rotation.every.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Key From",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	KeyFrom *KeySource `json:"keyFrom,omitempty"`

	// KeyAlias is the user defined key alias, unique in the LiteLLM proxy. The operator finds the
	// key by it, so it is immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.keyAlias is immutable: the operator finds the key by its alias; create a new VirtualKey for a new alias"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Key Alias",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	KeyAlias string `json:"keyAlias"`

	// MaxBudget sets the maximum budget limit in US dollars, as a decimal string, e.g. "10" or
	// "0.5". Calls are refused once spend reaches it. If not set, spend is unlimited.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.maxBudget must be a non-negative decimal number of US dollars written as a string, e.g. '10', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	MaxBudget *string `json:"maxBudget,omitempty"`

	// MaxParallelRequests limits concurrent requests.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Parallel Requests",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	MaxParallelRequests *int `json:"maxParallelRequests,omitempty"`

	// Metadata is free-form metadata stored with the key in LiteLLM. Values are sent as JSON:
	// "true"/"false" become booleans, numbers become numbers, other values stay strings.
	// Keys of the prefix auth.litellm.ai/ are reserved for the operator (its owner stamp).
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('auth.litellm.ai/'))",message="spec.metadata cannot set keys of the auth.litellm.ai/ prefix: the operator keeps its owner stamp there"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Metadata",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Metadata map[string]string `json:"metadata,omitzero"`

	// ModelMaxBudget sets budget limits per model: model name to "<budget>" or
	// "<budget>/<budgetDuration>", e.g. "10" or "10/30d". Requires a LiteLLM Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].matches('^(0|[1-9][0-9]*)([.][0-9]+)?(/([0-9]+(s|m|h|d|w)|1mo))?$'))",message="spec.modelMaxBudget values must be '<budget>' or '<budget>/<budgetDuration>' with a non-negative decimal budget in US dollars, e.g. '10', '0.5' or '10/30d'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model Max Budget",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelMaxBudget map[string]ModelBudgetString `json:"modelMaxBudget,omitzero"`

	// ModelRPMLimit sets RPM (requests per minute) limits per model.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k] >= 0)",message="spec.modelRPMLimit values must be non-negative integers (requests per minute)"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model RPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelRPMLimit map[string]int `json:"modelRPMLimit,omitzero"`

	// ModelTPMLimit sets TPM (tokens per minute) limits per model.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k] >= 0)",message="spec.modelTPMLimit values must be non-negative integers (tokens per minute)"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model TPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelTPMLimit map[string]int `json:"modelTPMLimit,omitzero"`

	// Models specifies which models can be used. Empty or unset allows every model the proxy (or
	// the key's team) allows.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Models"
	Models []string `json:"models,omitzero"`

	// Permissions defines key permissions. Values are sent as JSON: "true"/"false" become booleans,
	// numbers become numbers, other values stay strings.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Permissions",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Permissions map[string]string `json:"permissions,omitzero"`

	// RPMLimit sets global RPM (requests per minute) limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="RPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// SendInviteEmail indicates whether to send an invite email (needs email alerting configured
	// in the proxy).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Send Invite Email",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:advanced"}
	SendInviteEmail *bool `json:"sendInviteEmail,omitempty"`

	// SoftBudget sets a soft budget limit in US dollars, as a decimal string: LiteLLM alerts when
	// spend exceeds it but does not refuse calls.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.softBudget must be a non-negative decimal number of US dollars written as a string, e.g. '10', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Soft Budget (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	SoftBudget *string `json:"softBudget,omitempty"`

	// Spend tracks the current spend amount: the opening spend in US dollars, as a decimal string,
	// applied only when the key is created. The live value is in status.currentSpend.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.spend must be a non-negative decimal number of US dollars written as a string, e.g. '0' or '1.25'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Opening Spend (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	Spend *string `json:"spend,omitempty"`

	// Tags for tracking spend and/or doing tag-based routing. Requires Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Tags",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Tags []string `json:"tags,omitzero"`

	// TeamID identifies the team associated with the key (a LiteLLM team ID, e.g. a Team's
	// status.teamID).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Team ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	TeamID string `json:"teamID,omitempty"`

	// TPMLimit sets global TPM (tokens per minute) limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="TPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// UserID identifies the user associated with the key (a LiteLLM user ID, e.g. a User's
	// status.userID).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	UserID string `json:"userID,omitempty"`

	// Rotation configures how the key is replaced: how long the replaced key stays valid after a
	// rotation (so applications can pick up the new key without an outage), and an optional
	// schedule. Without it, a rotation deletes the replaced key at once and nothing is scheduled.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Rotation",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Rotation *KeyRotation `json:"rotation,omitempty"`

	// SecretTemplate adds labels, annotations and an optional base URL data key to the key
	// Secret, at creation and whenever the template changes. Only what the template set is
	// managed: other labels, annotations and data keys on the Secret are left alone.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Secret Template",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	SecretTemplate *KeySecretTemplate `json:"secretTemplate,omitempty"`

	// DeletionPolicy says what happens to the key in LiteLLM when the VirtualKey is deleted:
	// Delete (default) deletes it, Orphan keeps it.
	// +optional
	// +kubebuilder:default=Delete
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Deletion Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:Delete","urn:alm:descriptor:com.tectonic.ui:select:Orphan"}
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// KeySource is where a key's value comes from.
type KeySource struct {
	// SecretKeyRef selects a data key of a Secret in the VirtualKey's namespace; the value must
	// start with "sk-".
	// +required
	SecretKeyRef SecretKeySelector `json:"secretKeyRef"`
}

// SecretKeySelector selects a data key of a Secret in the object's namespace.
type SecretKeySelector struct {
	// Name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key is the data key holding the value.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// KeyRotation configures key rotation.
// +kubebuilder:validation:XValidation:rule="!has(self.every) || !has(self.gracePeriod) || duration(self.gracePeriod) < duration(self.every)",message="spec.rotation.gracePeriod must be shorter than spec.rotation.every, or two replaced keys would be valid at once"
type KeyRotation struct {
	// GracePeriod is how long the replaced key stays valid after a rotation, as a Go duration
	// such as "1h", "30m" or "90s"; "0s" deletes it at once. Default "1h". During the grace
	// period both keys work; the alias moves to the new key at once.
	// +optional
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(h|m|s|ms))+$') && duration(self) >= duration('0s') && duration(self) <= duration('8760h')",message="spec.rotation.gracePeriod must be a duration such as '1h', '30m' or '0s', at most '8760h' (one year)"
	GracePeriod string `json:"gracePeriod,omitempty"`

	// Every rotates the key on a schedule: when this long has passed since the last rotation
	// (status.lastRotation) or, before the first one, since the VirtualKey was created. A Go
	// duration such as "720h" (30 days); at least "10s". Not allowed with spec.key (the value is
	// yours: rotate by changing it). status.nextRotation shows when the next rotation is due.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(h|m|s|ms))+$') && duration(self) >= duration('10s')",message="spec.rotation.every must be a duration such as '720h' (30 days) or '24h', at least '10s'"
	Every string `json:"every,omitempty"`
}

// KeySecretTemplate is what the operator adds to the key Secret besides the key.
type KeySecretTemplate struct {
	// Labels to put on the key Secret, e.g. for tools that copy Secrets to other namespaces.
	// The operator's own labels cannot be set here.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="!('app.kubernetes.io/managed-by' in self) && !('auth.litellm.ai/virtualkey' in self)",message="spec.secretTemplate.labels cannot set the operator's own labels app.kubernetes.io/managed-by and auth.litellm.ai/virtualkey"
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations to put on the key Secret, e.g. for tools that restart pods when a Secret
	// changes.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('auth.litellm.ai/'))",message="spec.secretTemplate.annotations cannot set annotations of the auth.litellm.ai/ prefix, which the operator uses"
	Annotations map[string]string `json:"annotations,omitempty"`

	// BaseURLKey, when set, is a data key under which the LiteLLM proxy's base URL (from the
	// connection) is written next to the key, so the Secret can be used as-is by OpenAI-compatible
	// clients, e.g. "OPENAI_BASE_URL". It cannot be "key".
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[-._a-zA-Z0-9]+$') && self != 'key'",message="spec.secretTemplate.baseURLKey must be a valid Secret data key (letters, digits, '-', '_', '.') other than 'key'"
	BaseURLKey string `json:"baseURLKey,omitempty"`
}

// RetiringKey is a replaced key that stays valid until its grace period ends.
type RetiringKey struct {
	// TokenID is the replaced key's hashed token, never the raw key.
	TokenID string `json:"tokenID"`
	// KeyName is the replaced key's redacted form, e.g. "sk-...abcd".
	// +optional
	KeyName string `json:"keyName,omitempty"`
	// DeleteAfter is when the operator deletes it from LiteLLM (RFC 3339).
	DeleteAfter string `json:"deleteAfter"`
}

// VirtualKeyStatus defines the observed state of VirtualKey.
//
// The raw key is never in status: read it from the Secret named in keySecretRef (data key "key").
type VirtualKeyStatus struct {
	// Conditions: Ready (the key exists in LiteLLM and can be used) and Synced (the last
	// reconcile succeeded).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the metadata.generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// KeySecretRef is the reference to the secret containing the key: the name of a Secret in the
	// VirtualKey's namespace whose data key "key" holds the raw key.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Key Secret",xDescriptors={"urn:alm:descriptor:io.kubernetes:Secret"}
	KeySecretRef string `json:"keySecretRef"`

	// CurrentSpend is the key's spend in US dollars as last read from LiteLLM (same as spend).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Current Spend (USD)",xDescriptors={"urn:alm:descriptor:text"}
	CurrentSpend string `json:"currentSpend"`

	// IsActive is true when the key can be used now: it exists, is not blocked, has not expired
	// and its spend is below its max budget.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Active",xDescriptors={"urn:alm:descriptor:text"}
	IsActive bool `json:"isActive"`

	// ExpiryDate is when the key expires (RFC 3339, same as expires); empty when it never expires.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Expiry Date",xDescriptors={"urn:alm:descriptor:text"}
	ExpiryDate string `json:"expiryDate"`

	// Aliases maps additional aliases for the key.
	// +optional
	Aliases map[string]string `json:"aliases,omitempty"`

	// AllowedCacheControls defines allowed cache control settings.
	// +optional
	AllowedCacheControls []string `json:"allowedCacheControls,omitempty"`

	// AllowedRoutes defines allowed API routes.
	// +optional
	AllowedRoutes []string `json:"allowedRoutes,omitempty"`

	// Blocked indicates if the key is blocked.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Blocked",xDescriptors={"urn:alm:descriptor:text"}
	Blocked bool `json:"blocked,omitempty"`

	// BudgetDuration is the duration of the budget.
	// +optional
	BudgetDuration string `json:"budgetDuration,omitempty"`

	// BudgetID is the identifier for the budget.
	// +optional
	BudgetID string `json:"budgetID,omitempty"`

	// BudgetResetAt is the date and time when the budget will reset (RFC 3339).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Budget Resets At",xDescriptors={"urn:alm:descriptor:text"}
	BudgetResetAt string `json:"budgetResetAt,omitempty"`

	// Config contains additional configuration settings, as strings.
	// +optional
	Config map[string]string `json:"config,omitempty"`

	// CreatedAt is the date and time when the key was created (RFC 3339).
	// +optional
	CreatedAt string `json:"createdAt,omitempty"`

	// CreatedBy tracks who created the key (a LiteLLM user ID).
	// +optional
	CreatedBy string `json:"createdBy,omitempty"`

	// Duration specifies how long the key is valid: the spec.duration last applied.
	// +optional
	Duration string `json:"duration,omitempty"`

	// EnforcedParams lists parameters that must be included in requests.
	// +optional
	EnforcedParams []string `json:"enforcedParams,omitempty"`

	// Expires is the date and time when the key will expire (RFC 3339); empty when it never expires.
	// +optional
	Expires string `json:"expires,omitempty"`

	// Guardrails defines guardrail settings.
	// +optional
	Guardrails []string `json:"guardrails,omitempty"`

	// KeyAlias is the user defined key alias.
	// +optional
	KeyAlias string `json:"keyAlias,omitempty"`

	// KeyID is the generated ID of the key: LiteLLM's hashed token, never the raw key.
	// +optional
	KeyID string `json:"keyID,omitempty"`

	// KeyName is the redacted secret key, e.g. "sk-...abcd".
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Key Name",xDescriptors={"urn:alm:descriptor:text"}
	KeyName string `json:"keyName,omitempty"`

	// LiteLLMBudgetTable is the budget table reference, as JSON.
	// +optional
	LiteLLMBudgetTable string `json:"liteLLMBudgetTable,omitempty"`

	// MaxBudget is the maximum budget for the key in US dollars, as read from LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:text"}
	MaxBudget string `json:"maxBudget,omitempty"`

	// MaxParallelRequests limits concurrent requests.
	// +optional
	MaxParallelRequests *int `json:"maxParallelRequests,omitempty"`

	// Models specifies which models can be used.
	// +optional
	Models []string `json:"models,omitempty"`

	// Permissions defines key permissions, as strings.
	// +optional
	Permissions map[string]string `json:"permissions,omitempty"`

	// RPMLimit sets global RPM limit.
	// +optional
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// LastRotation is when the key was last replaced by a new one (RFC 3339).
	// +optional
	LastRotation string `json:"lastRotation,omitempty"`

	// ManagedFields are the LiteLLM fields the spec set when it was last applied. A field that
	// leaves the spec is cleared in LiteLLM once where LiteLLM can clear it, or reported with a
	// FieldNotCleared Event where it cannot, and then no longer managed.
	// +optional
	// +listType=set
	ManagedFields []string `json:"managedFields,omitempty"`

	// NextRotation is when the next scheduled rotation is due (RFC 3339); empty without
	// spec.rotation.every.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Next Rotation",xDescriptors={"urn:alm:descriptor:text"}
	NextRotation string `json:"nextRotation,omitempty"`

	// RetiringKeys are replaced keys still valid during their grace period, with the time the
	// operator deletes them. Kept here so that an interrupted rotation is finished after a crash.
	// +optional
	// +listType=map
	// +listMapKey=tokenID
	RetiringKeys []RetiringKey `json:"retiringKeys,omitempty"`

	// RenewRequest is the value of the auth.litellm.ai/renew annotation last honoured: setting the
	// annotation to another value re-sends spec.duration once, which moves the expiry to now +
	// duration.
	// +optional
	RenewRequest string `json:"renewRequest,omitempty"`

	// SecretTemplateKeys records what spec.secretTemplate put on the key Secret ("label:<name>",
	// "annotation:<name>", "data:<name>"), so that an entry removed from the template is removed
	// from the Secret and nothing else is touched.
	// +optional
	// +listType=set
	SecretTemplateKeys []string `json:"secretTemplateKeys,omitempty"`

	// RotationRequest is the value of the auth.litellm.ai/rotate annotation the key was last
	// rotated for; setting the annotation to another value rotates the key once more.
	// +optional
	RotationRequest string `json:"rotationRequest,omitempty"`

	// SoftBudget is the spec.softBudget last sent to LiteLLM. LiteLLM does not report a key's soft
	// budget back, so this is how a change is detected.
	// +optional
	SoftBudget string `json:"softBudget,omitempty"`

	// Spend tracks the current spend amount in US dollars, as read from LiteLLM.
	// +optional
	Spend string `json:"spend,omitempty"`

	// Tags for tracking spend and/or doing tag-based routing. Requires Enterprise license.
	// +optional
	Tags []string `json:"tags,omitempty"`

	// TeamID identifies the team associated with the key.
	// +optional
	TeamID string `json:"teamID,omitempty"`

	// Token is LiteLLM's hashed token of the key (SHA-256), never the raw key.
	// +optional
	Token string `json:"token,omitempty"`

	// TokenID is the unique identifier for the token (the hashed token).
	// +optional
	TokenID string `json:"tokenID,omitempty"`

	// TPMLimit sets global TPM limit.
	// +optional
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// UpdatedAt is the date and time when the key was last updated (RFC 3339).
	// +optional
	UpdatedAt string `json:"updatedAt,omitempty"`

	// UpdatedBy tracks who last updated the key (a LiteLLM user ID).
	// +optional
	UpdatedBy string `json:"updatedBy,omitempty"`

	// UserID identifies the user associated with the key.
	// +optional
	UserID string `json:"userID,omitempty"`
}

// VirtualKey is a LiteLLM virtual key: an API key for the proxy with its own budget, models and
// limits. The raw key is stored in the Secret named in status.keySecretRef.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=virtualkeys,singular=virtualkey,scope=Namespaced,shortName=vk,categories=litellm
// +kubebuilder:printcolumn:name="Alias",type=string,JSONPath=`.spec.keyAlias`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].reason`
// +kubebuilder:printcolumn:name="Spend",type=string,JSONPath=`.status.currentSpend`
// +kubebuilder:printcolumn:name="Budget",type=string,JSONPath=`.spec.maxBudget`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.expiryDate`
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.status.keySecretRef`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 249",message="metadata.name must be at most 249 characters, so that the key Secret name '<name>-key' fits in 253"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.secretRef) || self.spec.connectionRef.secretRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.connectionRef.secretRef.name",message="spec.connectionRef.secretRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. 'litellm-connection'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || (size(self.spec.connectionRef.instanceRef.name) <= 63 && self.spec.connectionRef.instanceRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",fieldPath=".spec.connectionRef.instanceRef.name",message="spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance, which names its Service and Secret: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label), e.g. 'litellm'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || !has(self.spec.connectionRef.instanceRef.__namespace__) || self.spec.connectionRef.instanceRef.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",fieldPath=".spec.connectionRef.instanceRef.namespace",message="spec.connectionRef.instanceRef.namespace must be a namespace name: lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label)"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.keyFrom) || self.spec.keyFrom.secretKeyRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.keyFrom.secretKeyRef.name",message="spec.keyFrom.secretKeyRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain)"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.keyFrom) || (has(oldSelf.spec.keyFrom) && oldSelf.spec.keyFrom.secretKeyRef.name == self.spec.keyFrom.secretKeyRef.name) || self.spec.keyFrom.secretKeyRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.keyFrom.secretKeyRef.name",message="spec.keyFrom.secretKeyRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain)"
// +operator-sdk:csv:customresourcedefinitions:displayName="Virtual Key",resources={{Secret,v1,""}}
type VirtualKey struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the key.
	// +required
	Spec VirtualKeySpec `json:"spec"`

	// Status is the observed state of the key.
	// +optional
	Status VirtualKeyStatus `json:"status,omitempty"`
}

// VirtualKeyList contains a list of VirtualKey.
// +kubebuilder:object:root=true
type VirtualKeyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the VirtualKeys.
	Items []VirtualKey `json:"items"`
}

func init() {
	register(&VirtualKey{}, &VirtualKeyList{})
}
