package erlterm

import "reflect"

// reflectValue encodes what the type switch in value does not know: named
// types, typed slices and maps, structs, pointers, arrays.
func (e *encodeState) reflectValue(v reflect.Value) error {
	if !v.IsValid() {
		return e.value(nil)
	}
	return encoderFor(v.Type())(e, v)
}
