package erlterm

import (
	"math"
	"reflect"
)

// reflectValue encodes what the type switch in value does not know: named
// types, typed slices and maps, structs, pointers, arrays.
func (e *encodeState) reflectValue(v reflect.Value) error {
	if !v.IsValid() {
		return e.value(nil)
	}
	t := v.Type()
	if t.Implements(marshalerType) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return e.value(nil)
		}
		return e.marshaler(v.Interface().(Marshaler))
	}
	if v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType) {
		return e.marshaler(v.Addr().Interface().(Marshaler))
	}
	if termTypes[t] {
		if t == bigIntType {
			if v.CanAddr() {
				return e.value(v.Addr().Interface())
			}
		}
		return e.value(v.Interface())
	}
	switch v.Kind() {
	case reflect.Bool:
		e.bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return e.float(v.Float())
	case reflect.String:
		return e.binary(v.String())
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return e.value(nil)
		}
		if err := e.enter(func() reflect.Type { return t }); err != nil {
			return err
		}
		err := e.reflectValue(v.Elem())
		e.depth--
		return err
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) {
			return e.bytes(v.Bytes())
		}
		return e.reflectList(v)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) {
			if v.CanAddr() {
				return e.bytes(v.Bytes())
			}
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return e.bytes(b)
		}
		return e.reflectList(v)
	case reflect.Map:
		return e.reflectMap(v)
	case reflect.Struct:
		return e.reflectStruct(v)
	default:
		return &UnsupportedTypeError{Type: t}
	}
	return nil
}

func (e *encodeState) reflectList(v reflect.Value) error {
	t := v.Type()
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	n := v.Len()
	if e.reflectByteValues(v) {
		e.buf = append(e.buf, tagString, byte(n>>8), byte(n))
		for i := 0; i < n; i++ {
			x := v.Index(i)
			if x.CanInt() {
				e.buf = append(e.buf, byte(x.Int()))
			} else {
				e.buf = append(e.buf, byte(x.Uint()))
			}
		}
		e.depth--
		return nil
	}
	more, err := e.listHeader(n, t)
	if err != nil || !more {
		e.depth--
		return err
	}
	for i := 0; i < n; i++ {
		if err := e.reflectValue(v.Index(i)); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, tagNil)
	e.depth--
	return nil
}

func (e *encodeState) reflectMap(v reflect.Value) error {
	t := v.Type()
	if v.IsNil() {
		return e.value(nil)
	}
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	if err := e.mapHeader(v.Len(), t); err != nil {
		return err
	}
	it := v.MapRange()
	for it.Next() {
		if err := e.reflectValue(it.Key()); err != nil {
			return err
		}
		if err := e.reflectValue(it.Value()); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

// reflectStruct writes a struct as a map from field names to values.
func (e *encodeState) reflectStruct(v reflect.Value) error {
	t := v.Type()
	si, err := cachedStructInfo(t)
	if err != nil {
		return err
	}
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	n := 0
	for i := range si.fields {
		f := &si.fields[i]
		if !f.omitEmpty || !v.FieldByIndex(f.index).IsZero() {
			n++
		}
	}
	if err := e.mapHeader(n, t); err != nil {
		return err
	}
	for i := range si.fields {
		f := &si.fields[i]
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		e.buf = append(e.buf, f.key...)
		if err := e.reflectValue(fv); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

// reflectByteValues is byteValues for slices and arrays of integer kinds.
func (e *encodeState) reflectByteValues(v reflect.Value) bool {
	n := v.Len()
	if n == 0 || n > math.MaxUint16 {
		return false
	}
	et := v.Type().Elem()
	if et.Implements(marshalerType) || termTypes[et] {
		return false
	}
	switch et.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		for i := 0; i < n; i++ {
			if x := v.Index(i).Int(); x < 0 || x > math.MaxUint8 {
				return false
			}
		}
		return true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		for i := 0; i < n; i++ {
			if v.Index(i).Uint() > math.MaxUint8 {
				return false
			}
		}
		return true
	}
	return false
}
