package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UserSpec defines the desired state of User.
//
// A field left unset is not managed: LiteLLM's default applies and the operator never changes it.
// +kubebuilder:validation:XValidation:rule="has(self.userID) == has(oldSelf.userID) && (!has(self.userID) || self.userID == oldSelf.userID)",fieldPath=".userID",message="spec.userID is immutable: it cannot be added, changed or removed after creation; delete and re-create the User to use another ID"
// +kubebuilder:validation:XValidation:rule="has(self.keyAlias) == has(oldSelf.keyAlias) && (!has(self.keyAlias) || self.keyAlias == oldSelf.keyAlias)",fieldPath=".keyAlias",message="spec.keyAlias is immutable: it cannot be added, changed or removed after creation, because the auto-created key is found by its alias; delete and re-create the User to change it"
type UserSpec struct {
	// ConnectionRef defines how to connect to the LiteLLM instance. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.connectionRef is immutable: delete and re-create the User to move it to another LiteLLM instance"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Connection"
	ConnectionRef ConnectionRef `json:"connectionRef"`

	// Aliases is the model aliases for the user: model alias to model name.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model Aliases",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Aliases map[string]string `json:"aliases,omitzero"`

	// AllowedCacheControls is the list of allowed cache control values.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Allowed Cache Controls",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	AllowedCacheControls []string `json:"allowedCacheControls,omitzero"`

	// AutoCreateKey is whether to automatically create a key for the user. When true the operator
	// creates a child VirtualKey (alias from keyAlias, same models, budget, durations and
	// connection) whose Secret is named in status.keySecretRef. Default false.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Auto-create Key",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch"}
	AutoCreateKey *bool `json:"autoCreateKey,omitempty"`

	// Blocked is whether the user is blocked.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Blocked",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch"}
	Blocked *bool `json:"blocked,omitempty"`

	// BudgetDuration - Budget is reset at the end of specified duration. If not set, budget is never
	// reset. You can set duration as seconds ("30s"), minutes ("30m"), hours ("30h"), days ("30d"),
	// weeks ("1w"), months ("1mo", the only month form).
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(s|m|h|d|w)|1mo)$')",message="spec.budgetDuration must be a number followed by s, m (minutes), h, d or w, e.g. '1h' or '30d', or '1mo' (LiteLLM resets monthly budgets only every 1 month)"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Budget Duration",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	BudgetDuration string `json:"budgetDuration,omitempty"`

	// Duration is the duration for the auto-created key: a number and a unit s, m (minutes), h, d,
	// w or mo, e.g. "30d". If not set, the key never expires.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+(s|m|h|d|w|mo)$')",message="spec.duration must be a number followed by s, m (minutes), h, d, w or mo, e.g. '1h' or '30d'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Key Duration",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	Duration string `json:"duration,omitempty"`

	// Guardrails is the list of active guardrails for the user.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Guardrails",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Guardrails []string `json:"guardrails,omitzero"`

	// KeyAlias is the optional alias of the key if autoCreateKey is true. If not set, an alias is
	// derived from the User's namespace and name. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Key Alias",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	KeyAlias string `json:"keyAlias,omitempty"`

	// MaxBudget is the maximum budget for the user in US dollars, as a decimal string, e.g. "10".
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.maxBudget must be a non-negative decimal number of US dollars written as a string, e.g. '10', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	MaxBudget *string `json:"maxBudget,omitempty"`

	// MaxParallelRequests is the maximum number of parallel requests for the user.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Parallel Requests",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	MaxParallelRequests *int `json:"maxParallelRequests,omitempty"`

	// Metadata is free-form metadata stored with the user in LiteLLM. Values are sent as JSON:
	// "true"/"false" become booleans, numbers become numbers, other values stay strings.
	// Keys of the prefix auth.litellm.ai/ are reserved for the operator (its owner stamp).
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('auth.litellm.ai/'))",message="spec.metadata cannot set keys of the auth.litellm.ai/ prefix: the operator keeps its owner stamp there"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Metadata",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Metadata map[string]string `json:"metadata,omitzero"`

	// ModelMaxBudget is the model specific maximum budget: model name to "<budget>" or
	// "<budget>/<budgetDuration>", e.g. "10" or "10/30d". Requires a LiteLLM Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].matches('^(0|[1-9][0-9]*)([.][0-9]+)?(/([0-9]+(s|m|h|d|w)|1mo))?$'))",message="spec.modelMaxBudget values must be '<budget>' or '<budget>/<budgetDuration>' with a non-negative decimal budget in US dollars, e.g. '10', '0.5' or '10/30d'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model Max Budget",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelMaxBudget map[string]ModelBudgetString `json:"modelMaxBudget,omitzero"`

	// ModelRPMLimit is the model specific maximum requests per minute, as integer strings, e.g.
	// {"gpt-4o": "10"}.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].matches('^(0|[1-9][0-9]{0,9})$'))",message="spec.modelRPMLimit values must be non-negative integers written as strings, e.g. '10'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model RPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelRPMLimit map[string]IntString `json:"modelRPMLimit,omitzero"`

	// ModelTPMLimit is the model specific maximum tokens per minute, as integer strings, e.g.
	// {"gpt-4o": "10000"}.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].matches('^(0|[1-9][0-9]{0,9})$'))",message="spec.modelTPMLimit values must be non-negative integers written as strings, e.g. '10000'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model TPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelTPMLimit map[string]IntString `json:"modelTPMLimit,omitzero"`

	// Models is the list of models that the user is allowed to use. Unset or empty allows all;
	// ["no-default-models"] allows only the models of the user's teams.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Models"
	Models []string `json:"models,omitzero"`

	// Permissions is the user-specific permissions. Values are sent as JSON: "true"/"false" become
	// booleans, numbers become numbers, other values stay strings.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Permissions",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Permissions map[string]string `json:"permissions,omitzero"`

	// RPMLimit is the maximum requests per minute for the user.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="RPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// SendInviteEmail is whether to send an invite email to the user - NOTE: the user endpoint will
	// return an error if email alerting is not configured and this is enabled, but the user will
	// still be created.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Send Invite Email",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:advanced"}
	SendInviteEmail *bool `json:"sendInviteEmail,omitempty"`

	// SoftBudget - alert when user exceeds this budget, doesn't block requests. US dollars, as a
	// decimal string.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.softBudget must be a non-negative decimal number of US dollars written as a string, e.g. '10', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Soft Budget (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	SoftBudget *string `json:"softBudget,omitempty"`

	// Spend is the amount spent by user: the opening spend in US dollars, as a decimal string,
	// applied only when the user is created. The live value is in status.spend.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.spend must be a non-negative decimal number of US dollars written as a string, e.g. '0' or '1.25'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Opening Spend (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	Spend *string `json:"spend,omitempty"`

	// SSOUserID is the id of the user in the SSO provider.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="SSO User ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	SSOUserID string `json:"ssoUserID,omitempty"`

	// Teams is the list of teams that the user is a member of (LiteLLM team IDs). LiteLLM ignores
	// failures to join these teams; prefer TeamMemberAssociation, which reports them.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Teams",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Teams []string `json:"teams,omitzero"`

	// TPMLimit is the maximum tokens per minute for the user.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="TPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// UserAlias is the alias of the user (a display name).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User Alias",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	UserAlias string `json:"userAlias,omitempty"`

	// UserEmail is the email of the user, unique (case-insensitively) in the LiteLLM proxy.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s]+@[^@\\\\s]+$')",message="spec.userEmail must be an email address such as 'jane@example.com'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User Email",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	UserEmail string `json:"userEmail"`

	// UserID is the ID of the user. If not set, a stable ID is derived from the User's namespace
	// and name. Immutable: it cannot be added, changed or removed after creation.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	UserID string `json:"userID,omitempty"`

	// UserRole is the role of the user - one of "proxy_admin", "proxy_admin_viewer",
	// "internal_user", "internal_user_viewer".
	// +optional
	// +kubebuilder:validation:Enum=proxy_admin;proxy_admin_viewer;internal_user;internal_user_viewer
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="User Role",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:proxy_admin","urn:alm:descriptor:com.tectonic.ui:select:proxy_admin_viewer","urn:alm:descriptor:com.tectonic.ui:select:internal_user","urn:alm:descriptor:com.tectonic.ui:select:internal_user_viewer"}
	UserRole string `json:"userRole,omitempty"`

	// DeletionPolicy says what happens to the user in LiteLLM when the User is deleted: Delete
	// (default) deletes it (LiteLLM then also deletes the user's keys), Orphan keeps it.
	// +optional
	// +kubebuilder:default=Delete
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Deletion Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:Delete","urn:alm:descriptor:com.tectonic.ui:select:Orphan"}
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// UserStatus defines the observed state of User.
type UserStatus struct {
	// Conditions: Ready (the user exists in LiteLLM) and Synced (the last reconcile succeeded).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the metadata.generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ManagedFields are the LiteLLM fields the spec set when it was last applied. A field that
	// leaves the spec is cleared in LiteLLM once where LiteLLM can clear it, or reported with a
	// FieldNotCleared Event where it cannot, and then no longer managed.
	// +optional
	// +listType=set
	ManagedFields []string `json:"managedFields,omitempty"`

	// AllowedCacheControls is the list of allowed cache control values.
	// +optional
	AllowedCacheControls []string `json:"allowedCacheControls,omitempty"`

	// AllowedRoutes is the list of allowed routes.
	// +optional
	AllowedRoutes []string `json:"allowedRoutes,omitempty"`

	// Aliases is the model aliases for the user.
	// +optional
	Aliases map[string]string `json:"aliases,omitempty"`

	// Blocked is whether the user is blocked.
	// +optional
	Blocked bool `json:"blocked,omitempty"`

	// BudgetDuration - Budget is reset at the end of specified duration.
	// +optional
	BudgetDuration string `json:"budgetDuration,omitempty"`

	// BudgetID is the ID of the budget.
	// +optional
	BudgetID string `json:"budgetID,omitempty"`

	// BudgetResetAt is the date and time when the user's budget will be reset (RFC 3339).
	// +optional
	BudgetResetAt string `json:"budgetResetAt,omitempty"`

	// Config is the user-specific config, as strings.
	// +optional
	Config map[string]string `json:"config,omitempty"`

	// CreatedAt is the date and time when the user was created (RFC 3339).
	// +optional
	CreatedAt string `json:"createdAt,omitempty"`

	// CreatedBy is the user who created this user (a LiteLLM user ID).
	// +optional
	CreatedBy string `json:"createdBy,omitempty"`

	// Duration is the duration for the key: the spec.duration of the auto-created key.
	// +optional
	Duration string `json:"duration,omitempty"`

	// EnforcedParams is the list of enforced parameters.
	// +optional
	EnforcedParams []string `json:"enforcedParams,omitempty"`

	// Expires is the date and time when the user's auto-created key will expire (RFC 3339).
	// +optional
	Expires string `json:"expires,omitempty"`

	// Guardrails is the list of active guardrails.
	// +optional
	Guardrails []string `json:"guardrails,omitempty"`

	// KeyAlias is the alias of the auto-created key.
	// +optional
	KeyAlias string `json:"keyAlias,omitempty"`

	// KeyName is the name of the key: the redacted form of the auto-created key, e.g. "sk-...abcd".
	// +optional
	KeyName string `json:"keyName,omitempty"`

	// KeySecretRef is the reference to the secret containing the user key: the name of the Secret
	// (data key "key") of the auto-created key.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Key Secret",xDescriptors={"urn:alm:descriptor:io.kubernetes:Secret"}
	KeySecretRef string `json:"keySecretRef,omitempty"`

	// LiteLLMBudgetTable is the budget table name.
	// +optional
	LiteLLMBudgetTable string `json:"litellmBudgetTable,omitempty"`

	// MaxBudget is the maximum budget for the user in US dollars, as read from LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:text"}
	MaxBudget string `json:"maxBudget,omitempty"`

	// MaxParallelRequests is the maximum number of parallel requests.
	// +optional
	MaxParallelRequests *int `json:"maxParallelRequests,omitempty"`

	// ModelMaxBudget is the model specific maximum budget.
	// +optional
	ModelMaxBudget map[string]string `json:"modelMaxBudget,omitempty"`

	// ModelRPMLimit is the model specific maximum requests per minute.
	// +optional
	ModelRPMLimit map[string]string `json:"modelRPMLimit,omitempty"`

	// ModelTPMLimit is the model specific maximum tokens per minute.
	// +optional
	ModelTPMLimit map[string]string `json:"modelTPMLimit,omitempty"`

	// Models is the list of models that the user is allowed to use.
	// +optional
	Models []string `json:"models,omitempty"`

	// Permissions is the user-specific permissions, as strings.
	// +optional
	Permissions map[string]string `json:"permissions,omitempty"`

	// RPMLimit is the maximum requests per minute.
	// +optional
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// SoftBudget is the spec.softBudget last sent to LiteLLM.
	// +optional
	SoftBudget string `json:"softBudget,omitempty"`

	// Spend is the amount spent by user in US dollars, as read from LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Spend (USD)",xDescriptors={"urn:alm:descriptor:text"}
	Spend string `json:"spend,omitempty"`

	// Tags for tracking spend and/or doing tag-based routing. Requires Enterprise license.
	// +optional
	Tags []string `json:"tags,omitempty"`

	// Teams is the list of teams that the user is a member of.
	// +optional
	Teams []string `json:"teams,omitempty"`

	// Token is the user's token: the hashed token of the auto-created key, never the raw key.
	// +optional
	Token string `json:"token,omitempty"`

	// TPMLimit is the maximum tokens per minute.
	// +optional
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// UpdatedAt is the date and time when the user was last updated (RFC 3339).
	// +optional
	UpdatedAt string `json:"updatedAt,omitempty"`

	// UpdatedBy is the user who last updated this user.
	// +optional
	UpdatedBy string `json:"updatedBy,omitempty"`

	// UserAlias is the alias of the user.
	// +optional
	UserAlias string `json:"userAlias,omitempty"`

	// UserEmail is the email of the user.
	// +optional
	UserEmail string `json:"userEmail,omitempty"`

	// UserID is the unique user id in LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="User ID",xDescriptors={"urn:alm:descriptor:text"}
	UserID string `json:"userID,omitempty"`

	// UserRole is the role of the user.
	// +optional
	UserRole string `json:"userRole,omitempty"`
}

// User is a LiteLLM internal user: a person or service with its own budget, models and limits,
// optionally with an auto-created key.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=users,singular=user,scope=Namespaced,shortName=llmuser,categories=litellm
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.userEmail`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.userRole`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].reason`
// +kubebuilder:printcolumn:name="Spend",type=string,JSONPath=`.status.spend`
// +kubebuilder:printcolumn:name="Budget",type=string,JSONPath=`.spec.maxBudget`
// +kubebuilder:printcolumn:name="User ID",type=string,JSONPath=`.status.userID`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.secretRef) || self.spec.connectionRef.secretRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.connectionRef.secretRef.name",message="spec.connectionRef.secretRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. 'litellm-connection'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || (size(self.spec.connectionRef.instanceRef.name) <= 63 && self.spec.connectionRef.instanceRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",fieldPath=".spec.connectionRef.instanceRef.name",message="spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance, which names its Service and Secret: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label), e.g. 'litellm'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || !has(self.spec.connectionRef.instanceRef.__namespace__) || self.spec.connectionRef.instanceRef.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",fieldPath=".spec.connectionRef.instanceRef.namespace",message="spec.connectionRef.instanceRef.namespace must be a namespace name: lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label)"
// +operator-sdk:csv:customresourcedefinitions:displayName="User",resources={{VirtualKey,v1alpha1,""},{Secret,v1,""}}
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the user.
	// +required
	Spec UserSpec `json:"spec"`

	// Status is the observed state of the user.
	// +optional
	Status UserStatus `json:"status,omitempty"`
}

// UserList contains a list of User.
// +kubebuilder:object:root=true
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Users.
	Items []User `json:"items"`
}

func init() {
	register(&User{}, &UserList{})
}
