package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
)

// EventFieldNotCleared warns that a field removed from the spec keeps its value in LiteLLM.
const EventFieldNotCleared = "FieldNotCleared"

// warnNotCleared reports the fields removed from the spec that LiteLLM cannot clear (see package
// fields). It runs once per removal: the update that reports them also stops managing them.
func warnNotCleared(recorder events.EventRecorder, obj runtime.Object, names []string) {
	for _, name := range names {
		recorder.Eventf(obj, nil, corev1.EventTypeWarning, EventFieldNotCleared, "Update",
			"%s was removed from the spec, but LiteLLM cannot clear it: it keeps its value in LiteLLM and is no longer managed", name)
	}
}
