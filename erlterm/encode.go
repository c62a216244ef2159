package erlterm

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"slices"
	"sync"
	"unicode/utf8"
)

// Marshal returns the external term format of v, starting with the version
// byte 131. See the package documentation for how Go values map to terms.
func Marshal(v any) ([]byte, error) {
	return EncodeOptions{}.Append(nil, v)
}

// Append appends the external term format of v, version byte included, to
// dst and returns the extended slice. With a dst of enough capacity it does
// not allocate, which makes it the call for hot paths.
func Append(dst []byte, v any) ([]byte, error) {
	return EncodeOptions{}.Append(dst, v)
}

// Marshal is Marshal with these options.
func (o EncodeOptions) Marshal(v any) ([]byte, error) {
	return o.Append(nil, v)
}

// Append is Append with these options. On error dst is returned unchanged
// in length (its spare capacity may have been written).
func (o EncodeOptions) Append(dst []byte, v any) ([]byte, error) {
	start := len(dst)
	e := encodeStatePool.Get().(*encodeState)
	*e = encodeState{
		buf:           append(dst, versionMagic),
		maxDepth:      o.maxDepth(),
		utf8Atoms:     o.UTF8Atoms,
		bytesAsBinary: o.BytesAsBinary,
		deterministic: o.Deterministic,
		refuseOpaque:  o.RefuseOpaque,
	}
	err := e.value(v)
	out := e.buf
	e.buf = nil // the pool must not keep the caller's buffer
	encodeStatePool.Put(e)
	if err != nil {
		return dst[:start], err
	}
	if o.Compression > 0 {
		return compressTerm(out, start, o.Compression)
	}
	return out, nil
}

// encodeStatePool recycles encodeStates: compiled encoders take a pointer
// to one through indirect calls, which would otherwise move every state to
// the heap. It holds no data between uses.
var encodeStatePool = sync.Pool{New: func() any { return new(encodeState) }}

// encodeState is one encoding in progress. It lives on the caller's stack;
// everything it writes goes to buf.
type encodeState struct {
	buf           []byte
	depth         int
	maxDepth      int
	utf8Atoms     bool
	bytesAsBinary bool
	deterministic bool
	refuseOpaque  []Atom // EncodeOptions.RefuseOpaque (refuse_opaque.go)
}

// value encodes v. The type switch covers the types that real programs
// pass most (the `any` trees that decoding produces, and the basic Go
// types) without reflection; everything else goes through reflectValue.
func (e *encodeState) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.undefined()
	case bool:
		e.bool(x)
	case int:
		e.int64(int64(x))
	case int64:
		e.int64(x)
	case int32:
		e.int64(int64(x))
	case int16:
		e.int64(int64(x))
	case int8:
		e.int64(int64(x))
	case uint:
		e.uint64(uint64(x))
	case uint64:
		e.uint64(x)
	case uint32:
		e.int64(int64(x))
	case uint16:
		e.int64(int64(x))
	case uint8:
		e.int64(int64(x))
	case uintptr:
		e.uint64(uint64(x))
	case float64:
		return e.float(x)
	case float32:
		return e.float(float64(x))
	case string:
		return e.binary(x)
	case []byte:
		return e.bytes(x)
	case Atom:
		return e.atom(string(x))
	case Tuple:
		return e.tuple(x)
	case []any:
		return e.list(x)
	case map[string]any:
		return e.stringMap(x)
	case map[any]any:
		return e.anyMap(x)
	case Map:
		return e.orderedMap(x)
	case ImproperList:
		return e.improperList(x)
	case *big.Int:
		if x == nil {
			return e.value(nil)
		}
		e.bigInt(x)
	case big.Int:
		e.bigInt(&x)
	case BitString:
		return e.bitString(x)
	case Pid:
		return e.pid(x)
	case Port:
		return e.port(x)
	case Ref:
		return e.ref(x)
	case Export:
		return e.export(x)
	case Fun:
		return e.fun(x)
	case Opaque:
		return e.opaque(x)
	case RawTerm:
		return e.raw(x)
	case Marshaler:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			e.undefined()
			return nil
		}
		return e.marshaler(x)
	default:
		return e.reflectValue(reflect.ValueOf(v))
	}
	return nil
}

func (e *encodeState) enter(t func() reflect.Type) error {
	e.depth++
	if e.depth > e.maxDepth {
		return &EncodeError{Type: t(), Err: ErrTooDeep}
	}
	return nil
}

func (e *encodeState) bool(b bool) {
	switch {
	case e.utf8Atoms && b:
		e.buf = append(e.buf, tagSmallAtomUTF8, 4, 't', 'r', 'u', 'e')
	case e.utf8Atoms:
		e.buf = append(e.buf, tagSmallAtomUTF8, 5, 'f', 'a', 'l', 's', 'e')
	case b:
		e.buf = append(e.buf, tagAtom, 0, 4, 't', 'r', 'u', 'e')
	default:
		e.buf = append(e.buf, tagAtom, 0, 5, 'f', 'a', 'l', 's', 'e')
	}
}

// undefined writes the atom undefined, Go's nil.
func (e *encodeState) undefined() {
	if e.utf8Atoms {
		e.buf = append(e.buf, tagSmallAtomUTF8, 9, 'u', 'n', 'd', 'e', 'f', 'i', 'n', 'e', 'd')
		return
	}
	e.buf = append(e.buf, undefinedTerm...)
}

// int64 writes the shortest form Erlang itself would use, so that integers
// round-trip byte for byte.
func (e *encodeState) int64(i int64) {
	switch {
	case i >= 0 && i <= math.MaxUint8:
		e.buf = append(e.buf, tagSmallInteger, byte(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		e.buf = append(e.buf, tagInteger)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(int32(i)))
	case i < 0:
		e.smallBig(uint64(-i), 1) // -MinInt64 wraps to 1<<63, which is right
	default:
		e.smallBig(uint64(i), 0)
	}
}

func (e *encodeState) uint64(u uint64) {
	if u <= math.MaxInt64 {
		e.int64(int64(u))
		return
	}
	e.smallBig(u, 0)
}

// smallBig writes a magnitude of up to 8 bytes as SMALL_BIG_EXT.
func (e *encodeState) smallBig(mag uint64, sign byte) {
	n := (bits.Len64(mag) + 7) / 8
	e.buf = append(e.buf, tagSmallBig, byte(n), sign)
	for ; n > 0; n-- {
		e.buf = append(e.buf, byte(mag))
		mag >>= 8
	}
}

func (e *encodeState) bigInt(x *big.Int) {
	if x.IsInt64() {
		e.int64(x.Int64())
		return
	}
	var sign byte
	if x.Sign() < 0 {
		sign = 1
	}
	n := (x.BitLen() + 7) / 8
	if n <= math.MaxUint8 {
		e.buf = append(e.buf, tagSmallBig, byte(n), sign)
	} else {
		e.buf = append(e.buf, tagLargeBig)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
		e.buf = append(e.buf, sign)
	}
	// The magnitude goes out least significant byte first, straight from
	// the words, so no temporary slice is needed.
	for _, w := range x.Bits() {
		for b := 0; b < bits.UintSize/8 && n > 0; b++ {
			e.buf = append(e.buf, byte(w))
			w >>= 8
			n--
		}
	}
}

func (e *encodeState) float(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &EncodeError{Type: reflect.TypeOf(f), Err: errNonFinite}
	}
	e.buf = append(e.buf, tagNewFloat)
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(f))
	return nil
}

func (e *encodeState) length32(n int, t reflect.Type) error {
	if uint64(n) > math.MaxUint32 {
		return &EncodeError{Type: t, Err: ErrTooLarge}
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	return nil
}

func (e *encodeState) binary(s string) error {
	e.buf = append(e.buf, tagBinary)
	if err := e.length32(len(s), stringType); err != nil {
		return err
	}
	e.buf = append(e.buf, s...)
	return nil
}

func (e *encodeState) bytes(b []byte) error {
	if e.bytesAsBinary {
		e.buf = append(e.buf, tagBinary)
		if err := e.length32(len(b), bytesType); err != nil {
			return err
		}
		e.buf = append(e.buf, b...)
		return nil
	}
	e.buf = append(e.buf, tagBitBinary)
	if err := e.length32(len(b), bytesType); err != nil {
		return err
	}
	// Erlang accepts an empty bitstring only with 0 bits in its last byte.
	if len(b) == 0 {
		e.buf = append(e.buf, 0)
		return nil
	}
	e.buf = append(e.buf, 8)
	e.buf = append(e.buf, b...)
	return nil
}

func (e *encodeState) bitString(b BitString) error {
	valid := (len(b.Bytes) == 0 && b.Bits == 0) || (len(b.Bytes) > 0 && b.Bits >= 1 && b.Bits <= 8)
	if !valid {
		return &EncodeError{Type: reflect.TypeOf(b), Err: errBitCount}
	}
	e.buf = append(e.buf, tagBitBinary)
	if err := e.length32(len(b.Bytes), reflect.TypeOf(b)); err != nil {
		return err
	}
	e.buf = append(e.buf, b.Bits)
	e.buf = append(e.buf, b.Bytes...)
	return nil
}

// atom writes a latin-1 atom as ATOM_EXT (readable by every peer, ErlPort
// included) and any other as SMALL_ATOM_UTF8_EXT or ATOM_UTF8_EXT.
func (e *encodeState) atom(a string) error {
	ascii := true
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		if len(a) > maxAtomChars {
			return &EncodeError{Type: atomType, Err: errAtomTooLong}
		}
		if e.utf8Atoms {
			e.buf = append(e.buf, tagSmallAtomUTF8, byte(len(a)))
		} else {
			e.buf = append(e.buf, tagAtom, 0, byte(len(a)))
		}
		e.buf = append(e.buf, a...)
		return nil
	}
	if !utf8.ValidString(a) {
		return &EncodeError{Type: atomType, Err: errAtomUTF8}
	}
	chars, latin1 := 0, true
	for _, r := range a {
		chars++
		if r > 0xFF {
			latin1 = false
		}
	}
	if chars > maxAtomChars {
		return &EncodeError{Type: atomType, Err: errAtomTooLong}
	}
	if latin1 && !e.utf8Atoms {
		e.buf = append(e.buf, tagAtom, 0, byte(chars))
		for _, r := range a {
			e.buf = append(e.buf, byte(r))
		}
		return nil
	}
	if len(a) <= math.MaxUint8 {
		e.buf = append(e.buf, tagSmallAtomUTF8, byte(len(a)))
	} else {
		e.buf = append(e.buf, tagAtomUTF8)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(a)))
	}
	e.buf = append(e.buf, a...)
	return nil
}

// tupleHeader writes the tag and arity of a tuple of n elements.
func (e *encodeState) tupleHeader(n int) error {
	if n <= math.MaxUint8 {
		e.buf = append(e.buf, tagSmallTuple, byte(n))
		return nil
	}
	e.buf = append(e.buf, tagLargeTuple)
	return e.length32(n, tupleType)
}

func (e *encodeState) tuple(t Tuple) error {
	if err := e.enter(func() reflect.Type { return tupleType }); err != nil {
		return err
	}
	if err := e.tupleHeader(len(t)); err != nil {
		return err
	}
	start := len(e.buf)
	for _, x := range t {
		if err := e.value(x); err != nil {
			return err
		}
	}
	if len(t) == 3 && e.refuseOpaque != nil {
		// The elements as written: an Atom, a RawTerm or a Marshaler
		// may have made the opaque tag.
		if err := e.checkOpaqueTuple(e.buf[start:]); err != nil {
			return &EncodeError{Type: tupleType, Err: err}
		}
	}
	e.depth--
	return nil
}

// listHeader writes the start of a proper list of n > 0 elements; the
// caller writes the elements and then tagNil.
func (e *encodeState) listHeader(n int, t reflect.Type) error {
	e.buf = append(e.buf, tagList)
	return e.length32(n, t)
}

func (e *encodeState) list(l []any) error {
	// [] and byte strings hold no nested terms: they count no depth, as
	// in the decoder.
	if len(l) == 0 {
		e.buf = append(e.buf, tagNil)
		return nil
	}
	if e.byteString(l) {
		return nil
	}
	if err := e.enter(func() reflect.Type { return anySliceType }); err != nil {
		return err
	}
	if err := e.listHeader(len(l), anySliceType); err != nil {
		return err
	}
	for _, x := range l {
		if err := e.value(x); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, tagNil)
	e.depth--
	return nil
}

func (e *encodeState) improperList(l ImproperList) error {
	t := reflect.TypeOf(l)
	if len(l.Elems) == 0 {
		return &EncodeError{Type: t, Err: errImproperEmpty}
	}
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	e.buf = append(e.buf, tagList)
	if err := e.length32(len(l.Elems), t); err != nil {
		return err
	}
	for _, x := range l.Elems {
		if err := e.value(x); err != nil {
			return err
		}
	}
	if err := e.value(l.Tail); err != nil {
		return err
	}
	e.depth--
	return nil
}

func (e *encodeState) mapHeader(n int, t reflect.Type) error {
	e.buf = append(e.buf, tagMap)
	return e.length32(n, t)
}

func (e *encodeState) stringMap(m map[string]any) error {
	if err := e.enter(func() reflect.Type { return stringMapType }); err != nil {
		return err
	}
	if e.deterministic {
		err := e.sortedMap(entriesOf(m), stringMapType)
		e.depth--
		return err
	}
	if err := e.mapHeader(len(m), stringMapType); err != nil {
		return err
	}
	for k, v := range m {
		if err := e.binary(k); err != nil {
			return err
		}
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

func (e *encodeState) anyMap(m map[any]any) error {
	if err := e.enter(func() reflect.Type { return anyMapType }); err != nil {
		return err
	}
	if e.deterministic {
		err := e.sortedMap(entriesOf(m), anyMapType)
		e.depth--
		return err
	}
	if len(m) > 1 {
		keys := make([]any, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		if err := distinctTerms(keys, anyMapType); err != nil {
			return err
		}
	}
	if err := e.mapHeader(len(m), anyMapType); err != nil {
		return err
	}
	for k, v := range m {
		if err := e.value(k); err != nil {
			return err
		}
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

func (e *encodeState) orderedMap(m Map) error {
	t := reflect.TypeOf(m)
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	if e.deterministic {
		err := e.sortedMap(m, t)
		e.depth--
		return err
	}
	if err := e.mapHeader(len(m), t); err != nil {
		return err
	}
	for _, kv := range m {
		if err := e.value(kv.Key); err != nil {
			return err
		}
		if err := e.value(kv.Value); err != nil {
			return err
		}
	}
	e.depth--
	return nil
}

func (e *encodeState) u32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }

func (e *encodeState) pid(p Pid) error {
	e.buf = append(e.buf, tagNewPid)
	if err := e.atom(string(p.Node)); err != nil {
		return err
	}
	e.u32(p.ID)
	e.u32(p.Serial)
	e.u32(p.Creation)
	return nil
}

func (e *encodeState) port(p Port) error {
	if p.ID <= math.MaxUint32 {
		e.buf = append(e.buf, tagNewPort)
	} else {
		e.buf = append(e.buf, tagV4Port)
	}
	if err := e.atom(string(p.Node)); err != nil {
		return err
	}
	if p.ID <= math.MaxUint32 {
		e.u32(uint32(p.ID))
	} else {
		e.buf = binary.BigEndian.AppendUint64(e.buf, p.ID)
	}
	e.u32(p.Creation)
	return nil
}

func (e *encodeState) ref(r Ref) error {
	if len(r.ID) < 1 || len(r.ID) > maxRefWords {
		return &EncodeError{Type: reflect.TypeOf(r), Err: errRefWords}
	}
	e.buf = append(e.buf, tagNewerReference, 0, byte(len(r.ID)))
	if err := e.atom(string(r.Node)); err != nil {
		return err
	}
	e.u32(r.Creation)
	for _, w := range r.ID {
		e.u32(w)
	}
	return nil
}

func (e *encodeState) export(x Export) error {
	e.buf = append(e.buf, tagExport)
	if err := e.atom(string(x.Module)); err != nil {
		return err
	}
	if err := e.atom(string(x.Function)); err != nil {
		return err
	}
	e.buf = append(e.buf, tagSmallInteger, x.Arity)
	return nil
}

func (e *encodeState) fun(f Fun) error {
	t := reflect.TypeOf(f)
	if err := e.enter(func() reflect.Type { return t }); err != nil {
		return err
	}
	e.buf = append(e.buf, tagNewFun)
	sizeAt := len(e.buf)
	e.buf = append(e.buf, 0, 0, 0, 0, f.Arity)
	e.buf = append(e.buf, f.Uniq[:]...)
	e.u32(f.Index)
	e.u32(uint32(len(f.FreeVars)))
	if err := e.atom(string(f.Module)); err != nil {
		return err
	}
	e.int64(f.OldIndex)
	e.int64(f.OldUniq)
	if err := e.pid(f.Pid); err != nil {
		return err
	}
	for _, v := range f.FreeVars {
		if err := e.value(v); err != nil {
			return err
		}
	}
	size := len(e.buf) - sizeAt
	if uint64(size) > math.MaxUint32 {
		return &EncodeError{Type: t, Err: ErrTooLarge}
	}
	binary.BigEndian.PutUint32(e.buf[sizeAt:], uint32(size))
	e.depth--
	return nil
}

func (e *encodeState) opaque(o Opaque) error {
	if e.refuseOpaque != nil && e.opaqueRefused(o.Language) {
		return &EncodeError{Type: opaqueType, Err: &OpaqueRefusedError{Language: o.Language}}
	}
	e.buf = append(e.buf, tagSmallTuple, 3)
	if err := e.atom(string(opaqueTag)); err != nil {
		return err
	}
	if err := e.atom(string(o.Language)); err != nil {
		return err
	}
	e.buf = append(e.buf, tagBinary)
	if err := e.length32(len(o.Data), reflect.TypeOf(o)); err != nil {
		return err
	}
	e.buf = append(e.buf, o.Data...)
	return nil
}

// raw splices a pre-encoded term after checking that it is exactly one
// well-formed term, so that a bad RawTerm cannot corrupt the output.
func (e *encodeState) raw(r RawTerm) error {
	if r == nil {
		e.undefined() // as json.RawMessage(nil) is null: a field never filled still encodes
		return nil
	}
	if err := checkTerm(r, e.maxDepth-e.depth); err != nil {
		return &EncodeError{Type: rawTermType, Err: err}
	}
	if err := e.checkOpaqueInside(r); err != nil {
		return &EncodeError{Type: rawTermType, Err: err}
	}
	e.buf = append(e.buf, r...)
	return nil
}

func (e *encodeState) marshaler(m Marshaler) error {
	start := len(e.buf)
	out, err := m.AppendETF(e.buf)
	if err != nil {
		e.buf = e.buf[:start]
		return &EncodeError{Type: reflect.TypeOf(m), Err: err}
	}
	if len(out) < start {
		return &EncodeError{Type: reflect.TypeOf(m), Err: errMarshalerShrank}
	}
	if err := checkTerm(out[start:], e.maxDepth-e.depth); err != nil {
		e.buf = e.buf[:start]
		return &EncodeError{Type: reflect.TypeOf(m), Err: err}
	}
	if err := e.checkOpaqueInside(out[start:]); err != nil {
		e.buf = e.buf[:start]
		return &EncodeError{Type: reflect.TypeOf(m), Err: err}
	}
	e.buf = out
	return nil
}

// byteString writes l as STRING_EXT when Erlang would: 1 to 65535
// integers from 0 to 255, so that round trips stay byte-exact. It checks
// and writes in one pass, and takes the bytes back if l does not qualify.
func (e *encodeState) byteString(l []any) bool {
	n := len(l)
	if n == 0 || n > math.MaxUint16 {
		return false
	}
	mark := len(e.buf)
	e.buf = slices.Grow(e.buf, 3+n)[:mark+3+n]
	e.buf[mark], e.buf[mark+1], e.buf[mark+2] = tagString, byte(n>>8), byte(n)
	out := e.buf[mark+3 : mark+3+n]
	for i, x := range l {
		// One type check per element on the common path: decoded lists
		// hold int64.
		c, ok := x.(int64)
		if !ok {
			v, isInt := x.(int)
			if !isInt {
				e.buf = e.buf[:mark]
				return false
			}
			c = int64(v)
		}
		if uint64(c) > math.MaxUint8 {
			e.buf = e.buf[:mark]
			return false
		}
		out[i] = byte(c)
	}
	return true
}
