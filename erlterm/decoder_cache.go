package erlterm

import (
	"math"
	"math/big"
	"reflect"
	"sync"
)

// decoderFunc decodes the next term into v. It is compiled once per Go
// type, so the questions reflection answers slowly (does the type
// implement Unmarshaler? which decoder do its elements need?) are asked
// once, not once per value. d.off < len(d.data) on entry.
type decoderFunc func(d *decodeState, v reflect.Value) error

// decoderCache memoises decoderFunc per reflect.Type: derived from
// immutable types, so sharing it is safe.
var decoderCache sync.Map // reflect.Type → decoderFunc

// decoderFor returns the decoder for t, compiling it on first use. A
// recursive type finds a placeholder for itself in the cache while it is
// being compiled; the placeholder waits for the real decoder.
func decoderFor(t reflect.Type) decoderFunc {
	if f, ok := decoderCache.Load(t); ok {
		return f.(decoderFunc)
	}
	var (
		wg   sync.WaitGroup
		real decoderFunc
	)
	wg.Add(1)
	placeholder := decoderFunc(func(d *decodeState, v reflect.Value) error {
		wg.Wait()
		return real(d, v)
	})
	if f, loaded := decoderCache.LoadOrStore(t, placeholder); loaded {
		return f.(decoderFunc)
	}
	real = compileDecoder(t)
	wg.Done()
	decoderCache.Store(t, real)
	return real
}

func compileDecoder(t reflect.Type) decoderFunc {
	if t.Kind() == reflect.Pointer && t.Implements(unmarshalerType) {
		return decodePointerUnmarshaler
	}
	if t.Kind() != reflect.Interface && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType) {
		return decodeAddrUnmarshaler
	}
	if t == atomType {
		return decodeAtom
	}
	switch t {
	case rawTermType:
		return decodeTermType // undefined is a term like any other here
	case tupleType, orderedMapType:
		return undefinedClears(decodeTermType) // slices, like []any
	}
	if termTypes[t] {
		return undefinedKeeps(decodeTermType)
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return decodeEmptyInterface
		}
		return decodeInterface
	case reflect.Pointer:
		return pointerDecoder(t)
	case reflect.Bool:
		return undefinedKeeps(decodeBool)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return undefinedKeeps(decodeInt)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return undefinedKeeps(decodeUint)
	case reflect.Float32, reflect.Float64:
		return undefinedKeeps(decodeFloat)
	case reflect.String:
		return undefinedKeeps(decodeString)
	case reflect.Slice:
		return sliceDecoder(t)
	case reflect.Array:
		return undefinedKeeps(arrayDecoder(t))
	case reflect.Map:
		return mapDecoder(t)
	case reflect.Struct:
		return undefinedKeeps(structDecoder(t))
	}
	return func(d *decodeState, v reflect.Value) error {
		return d.typeError(d.off, t)
	}
}

// undefinedKeeps makes the atom undefined (Python's None) leave a value
// target as it was, as encoding/json does with null.
func undefinedKeeps(f decoderFunc) decoderFunc {
	return func(d *decodeState, v reflect.Value) error {
		if d.skipUndefined() {
			return nil
		}
		return f(d, v)
	}
}

// undefinedClears makes the atom undefined set a nillable target to nil.
func undefinedClears(f decoderFunc) decoderFunc {
	return func(d *decodeState, v reflect.Value) error {
		if d.skipUndefined() {
			v.SetZero()
			return nil
		}
		return f(d, v)
	}
}

func decodePointerUnmarshaler(d *decodeState, v reflect.Value) error {
	if d.skipUndefined() {
		v.SetZero()
		return nil
	}
	if v.IsNil() {
		v.Set(reflect.New(v.Type().Elem()))
	}
	return d.unmarshaler(v.Interface().(Unmarshaler))
}

func decodeAddrUnmarshaler(d *decodeState, v reflect.Value) error {
	if !v.CanAddr() {
		return d.typeError(d.off, v.Type())
	}
	return d.unmarshaler(v.Addr().Interface().(Unmarshaler))
}

func decodeAtom(d *decodeState, v reflect.Value) error { return d.atomInto(v) }

func decodeTermType(d *decodeState, v reflect.Value) error { return d.termInto(v) }

func decodeEmptyInterface(d *decodeState, v reflect.Value) error {
	x, err := d.value()
	if err != nil {
		return err
	}
	if x == nil {
		v.SetZero()
	} else {
		v.Set(reflect.ValueOf(x))
	}
	return nil
}

// decodeInterface decodes into the value a non-empty interface already
// points to; there is no way to choose a concrete type otherwise.
func decodeInterface(d *decodeState, v reflect.Value) error {
	if d.skipUndefined() {
		v.SetZero()
		return nil
	}
	if !v.IsNil() && v.Elem().Kind() == reflect.Pointer && !v.Elem().IsNil() {
		return d.into(v.Elem().Elem())
	}
	return d.typeError(d.off, v.Type())
}

func pointerDecoder(t reflect.Type) decoderFunc {
	elem := decoderFor(t.Elem())
	et := t.Elem()
	return undefinedClears(func(d *decodeState, v reflect.Value) error {
		if v.IsNil() {
			v.Set(reflect.New(et))
		}
		return elem(d, v.Elem())
	})
}

func decodeBool(d *decodeState, v reflect.Value) error {
	start := d.off
	tag := d.data[start]
	switch tag {
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		d.off++
		raw, _, err := d.atomBytes(tag)
		if err != nil {
			return err
		}
		switch string(raw) {
		case "true":
			v.SetBool(true)
			return nil
		case "false":
			v.SetBool(false)
			return nil
		}
		d.off = start
	}
	return d.typeError(start, v.Type())
}

func decodeInt(d *decodeState, v reflect.Value) error {
	start := d.off
	i, b, ok, err := d.integer()
	if err != nil {
		return err
	}
	if !ok || b != nil || v.OverflowInt(i) {
		d.off = start
		return d.typeError(start, v.Type())
	}
	v.SetInt(i)
	return nil
}

func decodeUint(d *decodeState, v reflect.Value) error {
	start := d.off
	i, b, ok, err := d.integer()
	if err != nil {
		return err
	}
	var u uint64
	switch {
	case ok && b == nil && i >= 0:
		u = uint64(i)
	case ok && b != nil && b.Sign() > 0 && b.IsUint64():
		u = b.Uint64()
	default:
		d.off = start
		return d.typeError(start, v.Type())
	}
	if v.OverflowUint(u) {
		d.off = start
		return d.typeError(start, v.Type())
	}
	v.SetUint(u)
	return nil
}

func decodeFloat(d *decodeState, v reflect.Value) error {
	start := d.off
	tag := d.data[start]
	var f float64
	switch tag {
	case tagNewFloat, tagFloat:
		d.off++
		var err error
		if f, err = d.float(tag); err != nil {
			return err
		}
	default:
		i, b, ok, err := d.integer()
		if err != nil {
			return err
		}
		if !ok {
			return d.typeError(start, v.Type())
		}
		f = float64(i)
		if b != nil {
			f, _ = new(big.Float).SetInt(b).Float64()
		}
	}
	if math.IsInf(f, 0) || v.OverflowFloat(f) {
		d.off = start
		return d.typeError(start, v.Type())
	}
	v.SetFloat(f)
	return nil
}

func decodeString(d *decodeState, v reflect.Value) error {
	start := d.off
	if d.data[start] == tagBinary && !d.zeroCopy && v.Len() > 0 {
		// Decoding into a reused value: a string that did not change
		// costs no allocation.
		d.off++
		n, err := d.count(1, "binary")
		if err != nil {
			return err
		}
		if raw := d.data[d.off : d.off+n]; v.String() == string(raw) {
			d.off += n
			return nil
		}
		v.SetString(d.stringOf(n))
		return nil
	}
	s, ok, err := d.text()
	if err != nil {
		return err
	}
	if !ok {
		return d.typeError(start, v.Type())
	}
	v.SetString(s)
	return nil
}
