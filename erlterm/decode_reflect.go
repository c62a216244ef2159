package erlterm

import (
	"math/big"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// into decodes one term into v, which must be settable, with the decoder
// compiled for v's type.
func (d *decodeState) into(v reflect.Value) error {
	if d.off >= len(d.data) {
		return d.fail(d.off, ErrTruncated, "term")
	}
	return decoderFor(v.Type())(d, v)
}

// skipUndefined consumes the next term if it is the atom undefined, in
// any of its spellings (ATOM_EXT from OTP ≤ 25 and ErlPort, the UTF-8 forms
// from OTP 26+), and reports whether it did.
func (d *decodeState) skipUndefined() bool {
	rest := d.data[d.off:]
	var n int
	switch {
	case len(rest) >= 12 && (rest[0] == tagAtom || rest[0] == tagAtomUTF8) && rest[1] == 0 && rest[2] == 9:
		n = 12
	case len(rest) >= 11 && (rest[0] == tagSmallAtom || rest[0] == tagSmallAtomUTF8) && rest[1] == 9:
		n = 11
	default:
		return false
	}
	if string(rest[n-9:n]) != "undefined" {
		return false
	}
	d.off += n
	return true
}

// undefinedTerm is the atom undefined as ATOM_EXT.
const undefinedTerm = "\x64\x00\x09undefined"

func (d *decodeState) unmarshaler(u Unmarshaler) error {
	start := d.off
	if _, err := d.value(); err != nil {
		return err
	}
	if err := u.UnmarshalETF(d.data[start:d.off]); err != nil {
		return &UnmarshalTypeError{Offset: start, Term: "term rejected by UnmarshalETF: " + err.Error(),
			Type: reflect.TypeOf(u)}
	}
	return nil
}

func (d *decodeState) typeError(start int, t reflect.Type) error {
	return &UnmarshalTypeError{Offset: start, Term: describeTag(d.data[start]), Type: t}
}

// describeTag names a term kind for error messages.
func describeTag(tag byte) string {
	switch tag {
	case tagSmallInteger, tagInteger, tagSmallBig, tagLargeBig:
		return "integer"
	case tagNewFloat, tagFloat:
		return "float"
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		return "atom"
	case tagNil, tagString, tagList:
		return "list"
	case tagSmallTuple, tagLargeTuple:
		return "tuple"
	case tagMap:
		return "map"
	case tagBinary:
		return "binary"
	case tagBitBinary:
		return "bitstring"
	case tagPid, tagNewPid:
		return "pid"
	case tagPort, tagNewPort, tagV4Port:
		return "port"
	case tagReference, tagNewReference, tagNewerReference:
		return "reference"
	case tagExport, tagNewFun:
		return "fun"
	}
	return "tag " + strconv.Itoa(int(tag))
}

// atomInto decodes an atom into an Atom target; true, false and undefined
// stay atoms here.
func (d *decodeState) atomInto(v reflect.Value) error {
	start := d.off
	tag := d.data[start]
	switch tag {
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		d.off++
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return err
		}
		v.SetString(atomText(raw, latin1))
		return nil
	}
	return d.typeError(start, v.Type())
}

// termInto decodes into the erlterm types (other than Atom) and big.Int.
func (d *decodeState) termInto(v reflect.Value) error {
	t := v.Type()
	start := d.off
	tag := d.data[start]
	switch t {
	case rawTermType:
		if _, err := d.value(); err != nil {
			return err
		}
		raw := d.data[start:d.off]
		if !d.zeroCopy {
			raw = append([]byte(nil), raw...)
		}
		v.SetBytes(raw)
		return nil
	case bigIntType:
		target := new(big.Int)
		if v.CanAddr() {
			target = v.Addr().Interface().(*big.Int)
		}
		ok, err := d.bigInto(target)
		if err != nil {
			return err
		}
		if !ok {
			return d.typeError(start, t)
		}
		if !v.CanAddr() {
			v.Set(reflect.ValueOf(target).Elem())
		}
		return nil
	case tupleType:
		if tag != tagSmallTuple && tag != tagLargeTuple {
			return d.typeError(start, t)
		}
		x, err := d.value()
		if err != nil {
			return err
		}
		if o, ok := x.(Opaque); ok {
			x = Tuple{Atom(opaqueTag), o.Language, string(o.Data)}
		}
		v.Set(reflect.ValueOf(x))
		return nil
	case orderedMapType:
		if tag != tagMap {
			return d.typeError(start, t)
		}
		saved := d.orderedMaps
		d.orderedMaps = true
		x, err := d.value()
		d.orderedMaps = saved
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(x))
		return nil
	case reflect.TypeFor[BitString]():
		x, err := d.value()
		if err != nil {
			return err
		}
		switch b := x.(type) {
		case BitString:
			v.Set(reflect.ValueOf(b))
			return nil
		case []byte:
			bits := uint8(8)
			if len(b) == 0 {
				bits = 0
			}
			v.Set(reflect.ValueOf(BitString{Bytes: b, Bits: bits}))
			return nil
		case string:
			bits := uint8(8)
			if len(b) == 0 {
				bits = 0
			}
			v.Set(reflect.ValueOf(BitString{Bytes: []byte(b), Bits: bits}))
			return nil
		}
		return d.typeError(start, t)
	}
	x, err := d.value()
	if err != nil {
		return err
	}
	if x == nil || reflect.TypeOf(x) != t {
		return d.typeError(start, t)
	}
	v.Set(reflect.ValueOf(x))
	return nil
}

// integer reads an integer term if one is next. ok is false, and nothing
// is consumed, when the next term is not an integer.
func (d *decodeState) integer() (i int64, b *big.Int, ok bool, err error) {
	tag := d.data[d.off]
	switch tag {
	case tagSmallInteger:
		if err := d.need(2, "small integer"); err != nil {
			return 0, nil, false, err
		}
		i = int64(d.data[d.off+1])
		d.off += 2
		return i, nil, true, nil
	case tagInteger:
		if err := d.need(5, "integer"); err != nil {
			return 0, nil, false, err
		}
		d.off++
		return int64(int32(d.u32())), nil, true, nil
	case tagSmallBig, tagLargeBig:
		d.off++
		i, b, err = d.bigInteger(tag)
		return i, b, err == nil, err
	}
	return 0, nil, false, nil
}

// bigInto reads an integer term of any size into b; ok is false, and
// nothing is consumed, when the next term is not an integer.
func (d *decodeState) bigInto(b *big.Int) (ok bool, err error) {
	tag := d.data[d.off]
	if tag != tagSmallBig && tag != tagLargeBig {
		i, _, ok, err := d.integer()
		if ok {
			b.SetInt64(i)
		}
		return ok, err
	}
	d.off++
	digits, negative, err := d.bigDigits(tag)
	if err != nil {
		return false, err
	}
	setLittleEndian(b, digits, negative)
	return true, nil
}

// text reads a term that has a natural Go string form: a binary, a
// whole-byte bitstring, an atom, or a list of character codes (STRING_EXT
// holds latin-1 characters, a LIST holds code points).
func (d *decodeState) text() (string, bool, error) {
	start := d.off
	tag := d.data[start]
	d.off++
	switch tag {
	case tagBinary:
		n, err := d.count(1, "binary")
		if err != nil {
			return "", false, err
		}
		return d.stringOf(n), true, nil
	case tagBitBinary:
		n, bits, err := d.bitBinaryHeader(start)
		if err != nil {
			return "", false, err
		}
		if n > 0 && bits != 8 {
			d.off = start
			return "", false, nil
		}
		return d.stringOf(n), true, nil
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return "", false, err
		}
		return atomText(raw, latin1), true, nil
	case tagNil:
		return "", true, nil
	case tagString:
		if err := d.need(2, "string length"); err != nil {
			return "", false, err
		}
		n := d.u16()
		if err := d.need(n, "string bytes"); err != nil {
			return "", false, err
		}
		raw := d.data[d.off : d.off+n]
		d.off += n
		return atomText(raw, true), true, nil
	case tagList:
		d.off = start
		x, err := d.value()
		if err != nil {
			return "", false, err
		}
		l, ok := x.([]any)
		if !ok {
			d.off = start
			return "", false, nil
		}
		out := make([]byte, 0, len(l))
		for _, c := range l {
			r, ok := c.(int64)
			if !ok || r < 0 || r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
				d.off = start
				return "", false, nil
			}
			out = utf8.AppendRune(out, rune(r))
		}
		return string(out), true, nil
	}
	d.off = start
	return "", false, nil
}

// elements reads the header of a list or tuple into a Go slice or array:
// how many elements follow and whether a list tail follows them.
func (d *decodeState) elements(t reflect.Type) (n int, isList bool, err error) {
	start := d.off
	tag := d.data[start]
	d.off++
	switch tag {
	case tagNil:
		return 0, false, nil
	case tagList:
		n, err = d.count(1, "list")
		return n, true, err
	case tagSmallTuple, tagLargeTuple:
		n, err = d.tupleArity(tag)
		return n, false, err
	}
	d.off = start
	return 0, false, d.typeError(start, t)
}

// listTail consumes the tail of a list decoded into a Go slice or array:
// the empty list, or, for a slice, lists whose elements continue it
// ([1 | [2]] is [1, 2]), read in a loop; each such tail counts as a level
// of nesting, as when decoding into `any` (see list).
func (d *decodeState) listTail(v reflect.Value, start int, elem decoderFunc) error {
	t := v.Type()
	levels := 0 // undone on success only: an error ends the decoding
	for {
		if d.off >= len(d.data) {
			return d.fail(d.off, ErrTruncated, "list tail")
		}
		tag := d.data[d.off]
		switch {
		case tag == tagNil:
			d.off++
			d.depth -= levels
			return nil
		case tag == tagList && v.Kind() == reflect.Slice:
			if err := d.enter(d.off); err != nil {
				return err
			}
			levels++
			d.off++
			m, err := d.count(1, "list")
			if err != nil {
				return err
			}
			old := v.Len()
			v.Grow(m)
			v.SetLen(old + m)
			for i := old; i < old+m; i++ {
				if err := d.into1(v.Index(i), elem); err != nil {
					return err
				}
			}
		case tag == tagString && v.Kind() == reflect.Slice:
			d.off++
			chars, err := d.stringBytes()
			if err != nil {
				return err
			}
			old := v.Len()
			v.Grow(len(chars))
			v.SetLen(old + len(chars))
			d.depth -= levels
			return d.setChars(v, old, chars, start) // a string ends the chain
		default:
			return &UnmarshalTypeError{Offset: start, Term: "improper list", Type: t}
		}
	}
}

// elemFast names the element types whose slices are filled without a
// reflect call per element.
type elemFast int

const (
	elemGeneric elemFast = iota
	elemInt
	elemInt64
	elemAny
)

func fastKind(t reflect.Type) elemFast {
	switch t {
	case reflect.TypeFor[[]int]():
		return elemInt
	case reflect.TypeFor[[]int64]():
		return elemInt64
	case anySliceType:
		return elemAny
	}
	return elemGeneric
}

func sliceDecoder(t reflect.Type) decoderFunc {
	elem := decoderFor(t.Elem())
	fast := fastKind(t)
	isBytes := t.Elem().Kind() == reflect.Uint8
	return undefinedClears(func(d *decodeState, v reflect.Value) error {
		return d.sliceInto(v, elem, fast, isBytes)
	})
}

func (d *decodeState) sliceInto(v reflect.Value, elem decoderFunc, fast elemFast, isBytes bool) error {
	t := v.Type()
	start := d.off
	tag := d.data[start]
	if isBytes {
		switch tag {
		case tagBinary, tagBitBinary:
			zc := d.zeroCopy
			d.zeroCopy = true // a view; copied below unless zero-copy was asked for
			s, ok, err := d.bytesTerm()
			d.zeroCopy = zc
			if err != nil {
				return err
			}
			if !ok {
				return d.typeError(start, t)
			}
			if !zc {
				// Reuse the target's array when it is big enough, as
				// encoding/json does.
				if old := v.Bytes(); cap(old) >= len(s) && old != nil {
					s = append(old[:0], s...)
				} else {
					s = append([]byte(nil), s...)
				}
			}
			v.SetBytes(s)
			return nil
		case tagString:
			d.off++
			if err := d.need(2, "string length"); err != nil {
				return err
			}
			n := d.u16()
			if err := d.need(n, "string bytes"); err != nil {
				return err
			}
			v.SetBytes(d.bytesOf(n))
			return nil
		}
	}
	if tag == tagString {
		return d.charsInto(v, t)
	}
	n, isList, err := d.elements(t)
	if err != nil {
		return err
	}
	if err := d.enter(start); err != nil {
		return err
	}
	if hint := d.capHint(n, int(t.Elem().Size())); hint < n {
		// Big elements and a count the input cannot back: grow as they
		// really decode instead of trusting the count.
		resize(v, 0)
		for i := 0; i < n; i++ {
			if i == v.Cap() {
				v.Grow(min(n, max(2*i, hint)) - i)
			}
			v.SetLen(i + 1)
			if err := d.into1(v.Index(i), elem); err != nil {
				return err
			}
		}
	} else {
		if fast == elemGeneric || !v.CanAddr() {
			resize(v, n)
		}
		if err := d.elemsInto(v, n, elem, fast); err != nil {
			return err
		}
	}
	if isList {
		if err := d.listTail(v, start, elem); err != nil {
			return err
		}
	}
	d.depth--
	return nil
}

// elemsInto decodes n elements into v[0:n].
func (d *decodeState) elemsInto(v reflect.Value, n int, elem decoderFunc, fast elemFast) error {
	if fast != elemGeneric && v.CanAddr() {
		switch fast {
		case elemInt, elemInt64:
			var ints []int
			var int64s []int64
			if fast == elemInt {
				ints = resizeAs[int](v, n)
			} else {
				int64s = resizeAs[int64](v, n)
			}
			for i := 0; i < n; i++ {
				at := d.off
				if at >= len(d.data) {
					return d.fail(at, ErrTruncated, "list element")
				}
				x, b, ok, err := d.integer()
				if err != nil {
					return err
				}
				if !ok || b != nil || (fast == elemInt && int64(int(x)) != x) {
					return d.typeError(at, v.Type().Elem())
				}
				if fast == elemInt {
					ints[i] = int(x)
				} else {
					int64s[i] = x
				}
			}
			return nil
		case elemAny:
			s := resizeAs[any](v, n)
			for i := 0; i < n; i++ {
				x, err := d.value()
				if err != nil {
					return err
				}
				s[i] = x
			}
			return nil
		}
	}
	for i := 0; i < n; i++ {
		if d.off >= len(d.data) {
			return d.fail(d.off, ErrTruncated, "element")
		}
		if err := elem(d, v.Index(i)); err != nil {
			return err
		}
	}
	return nil
}

// charsInto decodes STRING_EXT (a list of small integers) into a slice or
// array of numbers or of interfaces.
func (d *decodeState) charsInto(v reflect.Value, t reflect.Type) error {
	start := d.off
	d.off++
	chars, err := d.stringBytes()
	if err != nil {
		return err
	}
	n := len(chars)
	switch t.Elem().Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface:
	default:
		return d.typeError(start, t)
	}
	if v.Kind() == reflect.Slice {
		if t.Elem() == reflect.TypeFor[int]() && v.CanAddr() {
			s := resizeAs[int](v, n)
			for i, c := range chars {
				s[i] = int(c)
			}
			return nil
		}
		resize(v, n)
	} else if v.Len() != n {
		return &UnmarshalTypeError{Offset: start, Term: "list of " + strconv.Itoa(n) + " elements", Type: t}
	}
	return d.setChars(v, 0, chars, start)
}

// setChars stores small integers in v[from:from+len(chars)].
func (d *decodeState) setChars(v reflect.Value, from int, chars []byte, start int) error {
	t := v.Type()
	for i, c := range chars {
		e := v.Index(from + i)
		switch e.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if e.OverflowInt(int64(c)) {
				return d.typeError(start, t)
			}
			e.SetInt(int64(c))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			e.SetUint(uint64(c))
		case reflect.Float32, reflect.Float64:
			e.SetFloat(float64(c))
		case reflect.Interface:
			if e.NumMethod() != 0 {
				return d.typeError(start, t)
			}
			e.Set(reflect.ValueOf(int64(c)))
		default:
			return d.typeError(start, t)
		}
	}
	return nil
}

// bytesTerm reads a binary or whole-byte bitstring as []byte.
func (d *decodeState) bytesTerm() ([]byte, bool, error) {
	start := d.off
	tag := d.data[start]
	d.off++
	var n int
	var err error
	if tag == tagBinary {
		n, err = d.count(1, "binary")
	} else {
		var bits byte
		n, bits, err = d.bitBinaryHeader(start)
		if err == nil && n > 0 && bits != 8 {
			d.off = start
			return nil, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return d.bytesOf(n), true, nil
}

func arrayDecoder(t reflect.Type) decoderFunc {
	elem := decoderFor(t.Elem())
	return func(d *decodeState, v reflect.Value) error { return d.arrayInto(v, elem) }
}

func (d *decodeState) arrayInto(v reflect.Value, elem decoderFunc) error {
	t := v.Type()
	start := d.off
	tag := d.data[start]
	if t.Elem().Kind() == reflect.Uint8 && (tag == tagBinary || tag == tagBitBinary) {
		zc := d.zeroCopy
		d.zeroCopy = true // copied into the array right away
		b, ok, err := d.bytesTerm()
		d.zeroCopy = zc
		if err != nil {
			return err
		}
		if !ok || len(b) != v.Len() {
			d.off = start
			return d.typeError(start, t)
		}
		reflect.Copy(v, reflect.ValueOf(b))
		return nil
	}
	if tag == tagString {
		return d.charsInto(v, t)
	}
	n, isList, err := d.elements(t)
	if err != nil {
		return err
	}
	if n != v.Len() {
		return &UnmarshalTypeError{Offset: start, Term: describeTag(tag) + " of " + strconv.Itoa(n) + " elements", Type: t}
	}
	if err := d.enter(start); err != nil {
		return err
	}
	if err := d.elemsInto(v, n, elem, elemGeneric); err != nil {
		return err
	}
	if isList {
		if err := d.listTail(v, start, elem); err != nil {
			return err
		}
	}
	d.depth--
	return nil
}

func mapDecoder(t reflect.Type) decoderFunc {
	key, elem := decoderFor(t.Key()), decoderFor(t.Elem())
	return undefinedClears(func(d *decodeState, v reflect.Value) error { return d.mapInto(v, key, elem) })
}

func (d *decodeState) mapInto(v reflect.Value, keyDec, elemDec decoderFunc) error {
	t := v.Type()
	start := d.off
	if d.data[start] != tagMap {
		return d.typeError(start, t)
	}
	d.off++
	n, err := d.count(2, "map")
	if err != nil {
		return err
	}
	if err := d.enter(start); err != nil {
		return err
	}
	fresh := v.IsNil()
	if fresh {
		v.Set(reflect.MakeMapWithSize(t, d.capHint(n, int(t.Key().Size()+t.Elem().Size()))))
	}
	kt, et := t.Key(), t.Elem()
	key := reflect.New(kt).Elem()
	elem := reflect.New(et).Elem()
	for i := 0; i < n; i++ {
		keyAt := d.off
		key.SetZero()
		if err := d.into1(key, keyDec); err != nil {
			return err
		}
		if !key.Comparable() {
			return &UnmarshalTypeError{Offset: keyAt, Term: "map key that Go cannot hash", Type: t}
		}
		elem.SetZero()
		if err := d.into1(elem, elemDec); err != nil {
			return err
		}
		before := v.Len()
		v.SetMapIndex(key, elem)
		if fresh && v.Len() == before {
			return d.fail(keyAt, ErrInvalid, "duplicate map key")
		}
	}
	d.depth--
	return nil
}

// keyBytes reads a map key that can name a struct field (a binary, an atom
// or a byte string) and returns its text; ok is false, and nothing is
// consumed, for any other key.
func (d *decodeState) keyBytes() (key []byte, ok bool, err error) {
	start := d.off
	tag := d.data[start]
	switch tag {
	case tagBinary:
		d.off++
		n, err := d.count(1, "binary")
		if err != nil {
			return nil, false, err
		}
		key = d.data[d.off : d.off+n]
		d.off += n
		return key, true, nil
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		d.off++
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return nil, false, err
		}
		if latin1 {
			for _, c := range raw {
				if c >= utf8.RuneSelf {
					return []byte(latin1ToUTF8(raw)), true, nil
				}
			}
		}
		return raw, true, nil
	case tagString:
		d.off++
		if err := d.need(2, "string length"); err != nil {
			return nil, false, err
		}
		n := d.u16()
		if err := d.need(n, "string bytes"); err != nil {
			return nil, false, err
		}
		key = d.data[d.off : d.off+n]
		d.off += n
		return key, true, nil
	}
	return nil, false, nil
}

// into1 runs a compiled decoder after checking that input remains.
func (d *decodeState) into1(v reflect.Value, dec decoderFunc) error {
	if d.off >= len(d.data) {
		return d.fail(d.off, ErrTruncated, "term")
	}
	return dec(d, v)
}

func structDecoder(t reflect.Type) decoderFunc {
	si, err := cachedStructInfo(t)
	if err != nil {
		return func(d *decodeState, v reflect.Value) error { return err }
	}
	decs := make([]decoderFunc, len(si.fields))
	for i, f := range si.fields {
		decs[i] = decoderFor(t.FieldByIndex(f.index).Type)
	}
	return func(d *decodeState, v reflect.Value) error { return d.structInto(v, si, decs) }
}

// structInto decodes a map into a struct, matching keys to fields by name
// (exactly, then ignoring case). Unknown keys are skipped unless
// DisallowUnknownFields is set.
func (d *decodeState) structInto(v reflect.Value, si *structInfo, decs []decoderFunc) error {
	t := v.Type()
	start := d.off
	if d.data[start] != tagMap {
		return d.typeError(start, t)
	}
	d.off++
	n, err := d.count(2, "map")
	if err != nil {
		return err
	}
	if err := d.enter(start); err != nil {
		return err
	}
	var seen fieldSet
	for i := 0; i < n; i++ {
		keyAt := d.off
		if keyAt >= len(d.data) {
			return d.fail(keyAt, ErrTruncated, "map key")
		}
		key, ok, err := d.keyBytes()
		if err != nil {
			return err
		}
		fi := -1
		if ok {
			fi = si.field(key)
		} else if _, err := d.value(); err != nil {
			return err
		}
		if fi < 0 {
			if d.strict {
				return &UnmarshalTypeError{Offset: keyAt, Term: "unknown field " + strconv.Quote(string(key)), Type: t}
			}
			if _, err := d.value(); err != nil {
				return err
			}
			continue
		}
		f := &si.fields[fi]
		if !seen.add(fi) {
			return d.fail(keyAt, ErrInvalid, "two keys for field "+f.name)
		}
		var fv reflect.Value
		if len(f.index) == 1 {
			fv = v.Field(f.index[0])
		} else {
			fv = v.FieldByIndex(f.index)
		}
		if err := d.into1(fv, decs[fi]); err != nil {
			return withField(err, f.name)
		}
	}
	d.depth--
	return nil
}

// withField prefixes a type error with the struct field it happened in,
// as the error travels up through nested structs. Only failed decodes pay
// for building the path.
func withField(err error, name string) error {
	if te, ok := err.(*UnmarshalTypeError); ok {
		if te.Field == "" {
			te.Field = name
		} else {
			te.Field = name + "." + te.Field
		}
	}
	return err
}

// resize makes the slice v hold n zero elements, reusing its array when it
// is big enough. Value.Grow extends in place, where reflect.MakeSlice would
// also allocate a slice header.
func resize(v reflect.Value, n int) {
	if v.Cap() >= n {
		v.SetLen(n)
		v.Clear()
		return
	}
	v.SetLen(0)
	v.Grow(n)
	v.SetLen(n)
}

// capHint bounds how many elements of elemSize bytes to allocate up front
// for a count read from the input: each element takes at least one input
// byte, but may need far more memory than that, so never more than 16
// bytes of memory per input byte left.
func (d *decodeState) capHint(n, elemSize int) int {
	if elemSize < 1 {
		elemSize = 1
	}
	return min(n, 16*(len(d.data)-d.off)/elemSize+16)
}

// fieldSet records which struct fields a map has set, to refuse two keys
// for one field.
type fieldSet struct {
	small uint64
	more  map[int]bool
}

// add marks field i and reports whether it was new.
func (s *fieldSet) add(i int) bool {
	if i < 64 {
		bit := uint64(1) << i
		if s.small&bit != 0 {
			return false
		}
		s.small |= bit
		return true
	}
	if s.more == nil {
		s.more = map[int]bool{}
	}
	if s.more[i] {
		return false
	}
	s.more[i] = true
	return true
}

// resizeAs is resize for an addressable slice whose element type is T: it
// works on the slice itself rather than through reflection.
func resizeAs[T any](v reflect.Value, n int) []T {
	p := (*[]T)(v.Addr().UnsafePointer())
	if cap(*p) >= n {
		*p = (*p)[:n]
		clear(*p)
	} else {
		*p = make([]T, n)
	}
	return *p
}
