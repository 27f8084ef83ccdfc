package v1alpha1

// The observedGeneration accessors let the shared reconcile loop stamp status.observedGeneration
// on every kind.

// GetObservedGeneration returns status.observedGeneration.
func (in *VirtualKey) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *VirtualKey) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }

// GetObservedGeneration returns status.observedGeneration.
func (in *User) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *User) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }

// GetObservedGeneration returns status.observedGeneration.
func (in *Team) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *Team) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }

// GetObservedGeneration returns status.observedGeneration.
func (in *TeamMemberAssociation) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *TeamMemberAssociation) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }
