package erlterm

import (
	"math"
	"reflect"
	"sync"
	"unsafe"
)

// encoderFunc encodes v. Like decoderFunc it is compiled once per type.
type encoderFunc func(e *encodeState, v reflect.Value) error

// encoderCache memoises encoderFunc per reflect.Type.
var encoderCache sync.Map // reflect.Type → encoderFunc

// encoderFor returns the encoder for t, compiling it on first use; a
// recursive type waits on a placeholder while it compiles.
func encoderFor(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	var (
		wg   sync.WaitGroup
		real encoderFunc
	)
	wg.Add(1)
	placeholder := encoderFunc(func(e *encodeState, v reflect.Value) error {
		wg.Wait()
		return real(e, v)
	})
	if f, loaded := encoderCache.LoadOrStore(t, placeholder); loaded {
		return f.(encoderFunc)
	}
	real = compileEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, real)
	return real
}

func compileEncoder(t reflect.Type, checkMarshaler bool) encoderFunc {
	if checkMarshaler {
		if t.Implements(marshalerType) {
			return encodeMarshaler
		}
		if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType) {
			plain := compileEncoder(t, false)
			return func(e *encodeState, v reflect.Value) error {
				if v.CanAddr() {
					return e.marshaler(v.Addr().Interface().(Marshaler))
				}
				return plain(e, v)
			}
		}
	}
	switch t {
	case atomType:
		return func(e *encodeState, v reflect.Value) error { return e.atom(v.String()) }
	case bigIntType:
		return func(e *encodeState, v reflect.Value) error {
			if v.CanAddr() {
				return e.value(v.Addr().Interface())
			}
			return e.value(v.Interface())
		}
	}
	if termTypes[t] {
		return func(e *encodeState, v reflect.Value) error { return e.value(v.Interface()) }
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(e *encodeState, v reflect.Value) error { e.bool(v.Bool()); return nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *encodeState, v reflect.Value) error { e.int64(v.Int()); return nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(e *encodeState, v reflect.Value) error { e.uint64(v.Uint()); return nil }
	case reflect.Float32, reflect.Float64:
		return func(e *encodeState, v reflect.Value) error { return e.float(v.Float()) }
	case reflect.String:
		return func(e *encodeState, v reflect.Value) error { return e.binary(v.String()) }
	case reflect.Interface:
		return func(e *encodeState, v reflect.Value) error {
			if v.IsNil() {
				return e.value(nil)
			}
			return e.value(v.Interface()) // an interface Value boxes without allocating
		}
	case reflect.Pointer:
		return pointerEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) {
			return func(e *encodeState, v reflect.Value) error { return e.bytes(v.Bytes()) }
		}
		return listEncoder(t)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) {
			return func(e *encodeState, v reflect.Value) error {
				if v.CanAddr() {
					return e.bytes(v.Bytes())
				}
				b := make([]byte, v.Len())
				reflect.Copy(reflect.ValueOf(b), v)
				return e.bytes(b)
			}
		}
		return listEncoder(t)
	case reflect.Map:
		return mapEncoder(t)
	case reflect.Struct:
		return structEncoder(t)
	}
	return func(e *encodeState, v reflect.Value) error { return &UnsupportedTypeError{Type: t} }
}

func encodeMarshaler(e *encodeState, v reflect.Value) error {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return e.value(nil)
	}
	return e.marshaler(v.Interface().(Marshaler))
}

func pointerEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		if v.IsNil() {
			return e.value(nil)
		}
		if err := e.enter(func() reflect.Type { return t }); err != nil {
			return err
		}
		err := elem(e, v.Elem())
		e.depth--
		return err
	}
}

func listEncoder(t reflect.Type) encoderFunc {
	if t.Kind() == reflect.Slice {
		if f := sliceFastEncoder(t); f != nil {
			return f
		}
	}
	elem := encoderFor(t.Elem())
	small := smallIntKind(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		n := v.Len()
		if n == 0 {
			e.buf = append(e.buf, tagNil)
			return nil
		}
		if small && reflectByteValues(v) {
			e.buf = append(e.buf, tagString, byte(n>>8), byte(n))
			for i := 0; i < n; i++ {
				x := v.Index(i)
				if x.CanInt() {
					e.buf = append(e.buf, byte(x.Int()))
				} else {
					e.buf = append(e.buf, byte(x.Uint()))
				}
			}
			return nil
		}
		if err := e.enter(func() reflect.Type { return t }); err != nil {
			return err
		}
		if err := e.listHeader(n, t); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := elem(e, v.Index(i)); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, tagNil)
		e.depth--
		return nil
	}
}

// smallIntKind reports whether t is a plain integer type whose lists may
// travel as STRING_EXT.
func smallIntKind(t reflect.Type) bool {
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) || termTypes[t] {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// reflectByteValues is byteValues for slices and arrays of integer kinds.
func reflectByteValues(v reflect.Value) bool {
	n := v.Len()
	if n == 0 || n > math.MaxUint16 {
		return false
	}
	if v.Type().Elem().Kind() <= reflect.Int64 {
		for i := 0; i < n; i++ {
			if x := v.Index(i).Int(); x < 0 || x > math.MaxUint8 {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if v.Index(i).Uint() > math.MaxUint8 {
			return false
		}
	}
	return true
}

func mapEncoder(t reflect.Type) encoderFunc {
	key, elem := encoderFor(t.Key()), encoderFor(t.Elem())
	return func(e *encodeState, v reflect.Value) error {
		if err := e.enter(func() reflect.Type { return t }); err != nil {
			return err
		}
		if e.deterministic {
			entries := make(Map, 0, v.Len())
			var it reflect.MapIter
			it.Reset(v)
			for it.Next() {
				entries = append(entries, MapEntry{Key: it.Key().Interface(), Value: it.Value().Interface()})
			}
			err := e.sortedMap(entries, t)
			e.depth--
			return err
		}
		if err := e.mapHeader(v.Len(), t); err != nil {
			return err
		}
		if t.Key().Kind() == reflect.Interface && v.Len() > 1 {
			keys := make([]any, 0, v.Len())
			for _, k := range v.MapKeys() {
				keys = append(keys, k.Interface())
			}
			if err := distinctTerms(keys, t); err != nil {
				return err
			}
		}
		var it reflect.MapIter
		it.Reset(v)
		for it.Next() {
			if err := key(e, it.Key()); err != nil {
				return err
			}
			if err := elem(e, it.Value()); err != nil {
				return err
			}
		}
		e.depth--
		return nil
	}
}

// structEncoder writes a struct as a map from field names to values.
func structEncoder(t reflect.Type) encoderFunc {
	si, err := cachedStructInfo(t)
	if err != nil {
		return func(e *encodeState, v reflect.Value) error { return err }
	}
	encs := make([]encoderFunc, len(si.fields))
	omits := false
	for i, f := range si.fields {
		encs[i] = encoderFor(t.FieldByIndex(f.index).Type)
		omits = omits || f.omitEmpty
	}
	return func(e *encodeState, v reflect.Value) error {
		if err := e.enter(func() reflect.Type { return t }); err != nil {
			return err
		}
		n := len(si.fields)
		if omits {
			n = 0
			for i := range si.fields {
				if f := &si.fields[i]; !f.omitEmpty || !isEmptyValue(fieldOf(v, f.index)) {
					n++
				}
			}
		}
		if err := e.mapHeader(n, t); err != nil {
			return err
		}
		for i := range si.fields {
			f := &si.fields[i]
			fv := fieldOf(v, f.index)
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if e.utf8Atoms {
				e.buf = append(e.buf, f.keyUTF8...)
			} else {
				e.buf = append(e.buf, f.key...)
			}
			if err := encs[i](e, fv); err != nil {
				return err
			}
		}
		e.depth--
		return nil
	}
}

func fieldOf(v reflect.Value, index []int) reflect.Value {
	if len(index) == 1 {
		return v.Field(index[0])
	}
	return v.FieldByIndex(index)
}

// isEmptyValue is what omitempty omits: false, 0, "", nil, and empty
// slices, maps and arrays — the same rule as encoding/json.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// sliceFastEncoder returns an encoder for slices of the common element
// types that views the slice's memory directly instead of making a
// reflect call per element. The view is typed by t.Elem(), so it is exact.
func sliceFastEncoder(t reflect.Type) encoderFunc {
	switch t.Elem() {
	case reflect.TypeFor[int]():
		return func(e *encodeState, v reflect.Value) error {
			return encodeInts(e, unsafe.Slice((*int)(v.UnsafePointer()), v.Len()), t)
		}
	case reflect.TypeFor[int64]():
		return func(e *encodeState, v reflect.Value) error {
			return encodeInts(e, unsafe.Slice((*int64)(v.UnsafePointer()), v.Len()), t)
		}
	case reflect.TypeFor[float64]():
		return func(e *encodeState, v reflect.Value) error {
			s := unsafe.Slice((*float64)(v.UnsafePointer()), v.Len())
			return encodeElems(e, s, t, (*encodeState).float)
		}
	case stringType:
		return func(e *encodeState, v reflect.Value) error {
			s := unsafe.Slice((*string)(v.UnsafePointer()), v.Len())
			return encodeElems(e, s, t, (*encodeState).binary)
		}
	case anyType:
		return func(e *encodeState, v reflect.Value) error {
			return e.list(unsafe.Slice((*any)(v.UnsafePointer()), v.Len()))
		}
	}
	return nil
}

// encodeInts writes a slice of integers as STRING_EXT when Erlang would
// (1 to 65535 values in 0..255), else as a list.
func encodeInts[T int | int64](e *encodeState, s []T, t reflect.Type) error {
	if len(s) == 0 {
		e.buf = append(e.buf, tagNil)
		return nil
	}
	if len(s) <= math.MaxUint16 {
		small := true
		for _, x := range s {
			if x < 0 || x > math.MaxUint8 {
				small = false
				break
			}
		}
		if small {
			e.buf = append(e.buf, tagString, byte(len(s)>>8), byte(len(s)))
			for _, x := range s {
				e.buf = append(e.buf, byte(x))
			}
			return nil
		}
	}
	return encodeElems(e, s, t, func(e *encodeState, x T) error { e.int64(int64(x)); return nil })
}

// encodeElems writes a slice as a list, each element with enc.
func encodeElems[T any](e *encodeState, s []T, t reflect.Type, enc func(*encodeState, T) error) error {
	if len(s) == 0 {
		e.buf = append(e.buf, tagNil)
		return nil
	}
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	if err := e.listHeader(len(s), t); err != nil {
		return err
	}
	for _, x := range s {
		if err := enc(e, x); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, tagNil)
	e.depth--
	return nil
}
