package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TeamSpec defines the desired state of Team.
//
// A field left unset is not managed: LiteLLM's default applies and the operator never changes it.
// +kubebuilder:validation:XValidation:rule="has(self.teamID) == has(oldSelf.teamID) && (!has(self.teamID) || self.teamID == oldSelf.teamID)",fieldPath=".teamID",message="spec.teamID is immutable: it cannot be added, changed or removed after creation; delete and re-create the Team to use another ID"
type TeamSpec struct {
	// ConnectionRef defines how to connect to the LiteLLM instance. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.connectionRef is immutable: delete and re-create the Team to move it to another LiteLLM instance"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Connection"
	ConnectionRef ConnectionRef `json:"connectionRef"`

	// Blocked is a flag indicating if the team is blocked or not - will stop all calls from keys
	// with this team_id.
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

	// Guardrails are guardrails for the team. Requires a LiteLLM Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Guardrails",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Guardrails []string `json:"guardrails,omitzero"`

	// MaxBudget is the maximum budget for the team in US dollars, as a decimal string, e.g. "100".
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^(0|[1-9][0-9]*)([.][0-9]+)?$')",message="spec.maxBudget must be a non-negative decimal number of US dollars written as a string, e.g. '10', '0.5' or '250.00'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	MaxBudget *string `json:"maxBudget,omitempty"`

	// Metadata is free-form metadata stored with the team in LiteLLM. Values are sent as JSON:
	// "true"/"false" become booleans, numbers become numbers, other values stay strings.
	// Keys of the prefix auth.litellm.ai/ are reserved for the operator (its owner stamp).
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('auth.litellm.ai/'))",message="spec.metadata cannot set keys of the auth.litellm.ai/ prefix: the operator keeps its owner stamp there"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Metadata",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Metadata map[string]string `json:"metadata,omitzero"`

	// ModelAliases are model aliases for the team: model alias to model name.
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Model Aliases",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ModelAliases map[string]string `json:"modelAliases,omitzero"`

	// Models is the list of models that are associated with the team. All keys for this team_id
	// will have at most, these models. If empty, assumes all models are allowed.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Models"
	Models []string `json:"models,omitzero"`

	// OrganizationID is the ID of the organization that the team belongs to. If not set, the team
	// will be created with no organization.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Organization ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	OrganizationID string `json:"organizationID,omitempty"`

	// RPMLimit is the maximum requests per minute limit for the team - all keys associated with
	// this team_id will have at max this RPM limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="RPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// Tags for tracking spend and/or doing tag-based routing. Requires Enterprise license.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Tags",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	Tags []string `json:"tags,omitzero"`

	// TeamAlias is the alias of the team: its display name. LiteLLM does not require it to be
	// unique, but TeamMemberAssociations find the team by it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Team Alias",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	TeamAlias string `json:"teamAlias"`

	// TeamID is the ID of the team. If not set, a stable ID is derived from the Team's namespace
	// and name. Immutable: it cannot be added, changed or removed after creation.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Team ID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	TeamID string `json:"teamID,omitempty"`

	// TeamMemberPermissions is the list of routes that non-admin team members can access.
	// Example: ["/key/generate", "/key/update", "/key/delete"]
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Team Member Permissions",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	TeamMemberPermissions []string `json:"teamMemberPermissions,omitzero"`

	// TPMLimit is the maximum tokens per minute limit for the team - all keys with this team_id
	// will have at max this TPM limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="TPM Limit",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number"}
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// DeletionPolicy says what happens to the team in LiteLLM when the Team is deleted: Delete
	// (default) deletes it (LiteLLM then also deletes the team's keys), Orphan keeps it.
	// +optional
	// +kubebuilder:default=Delete
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Deletion Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:Delete","urn:alm:descriptor:com.tectonic.ui:select:Orphan"}
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// TeamMemberWithRole is a member of a team as LiteLLM reports it.
type TeamMemberWithRole struct {
	// UserID is the ID of the user.
	// +optional
	UserID string `json:"userID,omitempty"`

	// UserEmail is the email of the user.
	// +optional
	UserEmail string `json:"userEmail,omitempty"`

	// Role is the role of the user - one of "admin" or "user".
	// +optional
	Role string `json:"role,omitempty"`
}

// TeamStatus defines the observed state of Team.
type TeamStatus struct {
	// Conditions: Ready (the team exists in LiteLLM) and Synced (the last reconcile succeeded).
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

	// Blocked is a flag indicating if the team is blocked or not.
	// +optional
	Blocked bool `json:"blocked,omitempty"`

	// BudgetDuration - Budget is reset at the end of specified duration. If not set, budget is never
	// reset.
	// +optional
	BudgetDuration string `json:"budgetDuration,omitempty"`

	// BudgetResetAt is the date and time when the budget will be reset (RFC 3339).
	// +optional
	BudgetResetAt string `json:"budgetResetAt,omitempty"`

	// CreatedAt is the date and time when the team was created (RFC 3339).
	// +optional
	CreatedAt string `json:"createdAt,omitempty"`

	// LiteLLMModelTable is the model table for the team (its model aliases), as JSON.
	// +optional
	LiteLLMModelTable string `json:"liteLLMModelTable,omitempty"`

	// MaxBudget is the maximum budget for the team in US dollars, as read from LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Max Budget (USD)",xDescriptors={"urn:alm:descriptor:text"}
	MaxBudget string `json:"maxBudget,omitempty"`

	// MaxParallelRequests is the maximum number of parallel requests allowed.
	// +optional
	MaxParallelRequests *int `json:"maxParallelRequests,omitempty"`

	// MembersWithRole is the list of members with role.
	// +optional
	MembersWithRole []TeamMemberWithRole `json:"membersWithRole,omitempty"`

	// ModelID is the ID of the model.
	// +optional
	ModelID string `json:"modelID,omitempty"`

	// Models is the list of models that are associated with the team. All keys for this team_id
	// will have at most, these models.
	// +optional
	Models []string `json:"models,omitempty"`

	// OrganizationID is the ID of the organization that the team belongs to.
	// +optional
	OrganizationID string `json:"organizationID,omitempty"`

	// RPMLimit is the maximum requests per minute limit for the team - all keys associated with
	// this team_id will have at max this RPM limit.
	// +optional
	RPMLimit *int `json:"rpmLimit,omitempty"`

	// Spend is the current spend of the team in US dollars.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Spend (USD)",xDescriptors={"urn:alm:descriptor:text"}
	Spend string `json:"spend,omitempty"`

	// Tags for tracking spend and/or doing tag-based routing. Requires Enterprise license.
	// +optional
	Tags []string `json:"tags,omitempty"`

	// TeamAlias is the alias of the team.
	// +optional
	TeamAlias string `json:"teamAlias,omitempty"`

	// TeamID is the ID of the team in LiteLLM.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Team ID",xDescriptors={"urn:alm:descriptor:text"}
	TeamID string `json:"teamID,omitempty"`

	// TeamMemberPermissions is the list of routes that non-admin team members can access.
	// +optional
	TeamMemberPermissions []string `json:"teamMemberPermissions,omitempty"`

	// TPMLimit is the maximum tokens per minute limit for the team - all keys with this team_id
	// will have at max this TPM limit.
	// +optional
	TPMLimit *int `json:"tpmLimit,omitempty"`

	// UpdatedAt is the date and time when the team was last updated (RFC 3339).
	// +optional
	UpdatedAt string `json:"updatedAt,omitempty"`
}

// Team is a LiteLLM team: a group of users and keys sharing a budget, models and limits.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=teams,singular=team,scope=Namespaced,shortName=llmteam,categories=litellm
// +kubebuilder:printcolumn:name="Alias",type=string,JSONPath=`.spec.teamAlias`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].reason`
// +kubebuilder:printcolumn:name="Spend",type=string,JSONPath=`.status.spend`
// +kubebuilder:printcolumn:name="Budget",type=string,JSONPath=`.spec.maxBudget`
// +kubebuilder:printcolumn:name="Team ID",type=string,JSONPath=`.status.teamID`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.secretRef) || self.spec.connectionRef.secretRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",fieldPath=".spec.connectionRef.secretRef.name",message="spec.connectionRef.secretRef.name must be the name of a Secret in this namespace: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. 'litellm-connection'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || (size(self.spec.connectionRef.instanceRef.name) <= 63 && self.spec.connectionRef.instanceRef.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'))",fieldPath=".spec.connectionRef.instanceRef.name",message="spec.connectionRef.instanceRef.name must be the name of a LiteLLM instance, which names its Service and Secret: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label), e.g. 'litellm'"
// +kubebuilder:validation:XValidation:rule="has(self.status) || !has(self.spec.connectionRef.instanceRef) || !has(self.spec.connectionRef.instanceRef.__namespace__) || self.spec.connectionRef.instanceRef.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",fieldPath=".spec.connectionRef.instanceRef.namespace",message="spec.connectionRef.instanceRef.namespace must be a namespace name: lowercase letters, digits and '-', starting and ending with a letter or digit (an RFC 1123 label)"
// +operator-sdk:csv:customresourcedefinitions:displayName="Team",resources={{Secret,v1,""}}
type Team struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the team.
	// +required
	Spec TeamSpec `json:"spec"`

	// Status is the observed state of the team.
	// +optional
	Status TeamStatus `json:"status,omitempty"`
}

// TeamList contains a list of Team.
// +kubebuilder:object:root=true
type TeamList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Teams.
	Items []Team `json:"items"`
}

func init() {
	register(&Team{}, &TeamList{})
}
