package erlterm

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Unmarshal decodes one term, which must start with the version byte 131
// and fill data exactly, into the value v points to. See the package
// documentation for which Go value each term becomes.
func Unmarshal(data []byte, v any) error {
	return DecodeOptions{}.Unmarshal(data, v)
}

// Unmarshal is Unmarshal with these options.
func (o DecodeOptions) Unmarshal(data []byte, v any) error {
	d := decodeStatePool.Get().(*decodeState)
	defer func() {
		*d = decodeState{} // drop the references to the input
		decodeStatePool.Put(d)
	}()
	var err error
	if *d, err = o.open(data); err != nil {
		return err
	}
	if p, ok := v.(*any); ok && p != nil {
		d.shareCopy()
		x, err := d.value()
		if err != nil {
			return err
		}
		if err := d.finish(); err != nil {
			return err
		}
		*p = x
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	if err := d.into(rv.Elem()); err != nil {
		return err
	}
	return d.finish()
}

// decodeStatePool recycles decodeStates: compiled decoders take a pointer
// to one through indirect calls, which would otherwise move every state to
// the heap. It holds no data between uses.
var decodeStatePool = sync.Pool{New: func() any { return new(decodeState) }}

// decodeState is one decoding in progress: the input and a read offset.
// It never writes to data.
type decodeState struct {
	data        []byte
	off         int
	depth       int
	maxDepth    int
	compressed  bool
	zeroCopy    bool
	orderedMaps bool
	strict      bool // DisallowUnknownFields

	fingerprinted int // bytes encoded to check map keys, see fingerprint
}

// open checks the version byte, inflates a compressed term, and returns a
// decoder positioned on the first tag.
func (o *DecodeOptions) open(data []byte) (decodeState, error) {
	d := decodeState{
		data:        data,
		maxDepth:    o.maxDepth(),
		zeroCopy:    o.ZeroCopy,
		orderedMaps: o.OrderedMaps,
		strict:      o.DisallowUnknownFields,
	}
	if len(data) == 0 {
		return d, d.fail(0, ErrTruncated, "version byte")
	}
	if data[0] != versionMagic {
		return d, d.fail(0, ErrVersion, "found "+strconv.Itoa(int(data[0])))
	}
	d.off = 1
	if len(data) > 1 && data[1] == tagCompressed {
		inflated, err := inflate(data, o.maxDecompressed(), nil)
		if err != nil {
			return d, err
		}
		d.data, d.off, d.compressed = inflated, 0, true
		d.zeroCopy = true // the fresh buffer belongs to the decoded values alone
	}
	return d, nil
}

// shareCopy makes one copy of a small input back every string and []byte
// decoded from it: one allocation instead of one per binary, which pays
// when decoding into `any` (map keys are binaries too). The values never
// overlap, and []byte values are capped at their length, so they cannot
// write into each other.
func (d *decodeState) shareCopy() {
	if !d.zeroCopy && len(d.data) <= sharedCopyLimit {
		d.data = append([]byte(nil), d.data...)
		d.zeroCopy = true
	}
}

// finish rejects bytes after the term.
func (d *decodeState) finish() error {
	if d.off != len(d.data) {
		return d.fail(d.off, ErrTrailingData, strconv.Itoa(len(d.data)-d.off)+" bytes")
	}
	return nil
}

func (d *decodeState) fail(off int, err error, detail string) error {
	return &SyntaxError{Offset: off, Compressed: d.compressed, Err: err, Detail: detail}
}

// need checks that n more bytes remain before anything of size n is read
// or allocated.
func (d *decodeState) need(n int, what string) error {
	if n < 0 || n > len(d.data)-d.off {
		return d.fail(d.off, ErrTruncated, what)
	}
	return nil
}

func (d *decodeState) u8() byte {
	b := d.data[d.off]
	d.off++
	return b
}

func (d *decodeState) u16() int {
	v := binary.BigEndian.Uint16(d.data[d.off:])
	d.off += 2
	return int(v)
}

func (d *decodeState) u32() uint32 {
	v := binary.BigEndian.Uint32(d.data[d.off:])
	d.off += 4
	return v
}

// count reads a 32-bit element count and checks that at least
// minBytes*count bytes remain: every element takes at least that many, so
// a hostile count fails here instead of in an allocation.
func (d *decodeState) count(minBytes int, what string) (int, error) {
	if err := d.need(4, what); err != nil {
		return 0, err
	}
	n := int(d.u32())
	if uint64(n)*uint64(minBytes) > uint64(len(d.data)-d.off) {
		return 0, d.fail(d.off-4, ErrTruncated, what+" of "+strconv.Itoa(n)+" elements")
	}
	return n, nil
}

func (d *decodeState) enter(at int) error {
	d.depth++
	if d.depth > d.maxDepth {
		return d.fail(at, &LimitError{Limit: LimitDepth, Max: d.maxDepth}, "")
	}
	return nil
}

// bytesOf returns n bytes of input, copied unless zero-copy is on.
func (d *decodeState) bytesOf(n int) []byte {
	b := d.data[d.off : d.off+n : d.off+n]
	d.off += n
	if d.zeroCopy {
		return b
	}
	return append([]byte(nil), b...)
}

// stringOf returns n bytes of input as a string, copied unless zero-copy
// is on.
func (d *decodeState) stringOf(n int) string {
	b := d.data[d.off : d.off+n]
	d.off += n
	if d.zeroCopy && n > 0 {
		return unsafe.String(&b[0], n)
	}
	return string(b)
}

// atomBytes reads an atom's header and returns its raw bytes and whether
// they are latin-1 (ATOM_EXT, SMALL_ATOM_EXT) rather than UTF-8.
func (d *decodeState) atomBytes(tag byte) (raw []byte, latin1 bool, err error) {
	at := d.off - 1
	var n int
	switch tag {
	case tagAtom, tagAtomUTF8:
		if err := d.need(2, "atom length"); err != nil {
			return nil, false, err
		}
		n = d.u16()
	default:
		if err := d.need(1, "atom length"); err != nil {
			return nil, false, err
		}
		n = int(d.u8())
	}
	if err := d.need(n, "atom text"); err != nil {
		return nil, false, err
	}
	raw = d.data[d.off : d.off+n]
	d.off += n
	latin1 = tag == tagAtom || tag == tagSmallAtom
	if latin1 {
		if n > maxAtomChars {
			return nil, false, d.fail(at, ErrInvalid, "atom longer than 255 characters")
		}
		return raw, true, nil
	}
	if !utf8.Valid(raw) {
		return nil, false, d.fail(at, ErrInvalid, "atom is not valid UTF-8")
	}
	if n > maxAtomChars && utf8.RuneCount(raw) > maxAtomChars {
		return nil, false, d.fail(at, ErrInvalid, "atom longer than 255 characters")
	}
	return raw, false, nil
}

// atomText turns an atom's bytes into Go text (UTF-8).
func atomText(raw []byte, latin1 bool) string {
	if s, ok := commonAtom(raw); ok {
		return s
	}
	if latin1 {
		for _, c := range raw {
			if c >= utf8.RuneSelf {
				return latin1ToUTF8(raw)
			}
		}
	}
	return string(raw)
}

func latin1ToUTF8(raw []byte) string {
	out := make([]byte, 0, 2*len(raw))
	for _, c := range raw {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}

// commonAtom returns the atoms that appear in nearly every message without
// allocating a new string for them.
func commonAtom(raw []byte) (string, bool) {
	switch string(raw) {
	case "ok":
		return "ok", true
	case "error":
		return "error", true
	case "undefined":
		return "undefined", true
	case "true":
		return "true", true
	case "false":
		return "false", true
	case "nil":
		return "nil", true
	case "python":
		return "python", true
	case "erlang":
		return "erlang", true
	case "nonode@nohost":
		return "nonode@nohost", true
	case "$erlport.opaque":
		return "$erlport.opaque", true
	}
	return "", false
}

// atomValue is an atom as `any`: true, false and undefined become Go's
// bool and nil; the common atoms come out without allocating.
func atomValue(raw []byte, latin1 bool) any {
	switch string(raw) {
	case "true":
		return true
	case "false":
		return false
	case "undefined":
		return nil
	case "ok":
		return AtomOK
	case "error":
		return AtomError
	}
	return Atom(atomText(raw, latin1))
}

// sharedCopyLimit is the largest input whose decoded binaries share one
// copy of it. Above it each binary is copied on its own, so that keeping
// one small string does not keep a large input alive.
const sharedCopyLimit = 16 << 10

// emptyList is the value of [] in `any`: shared, because a zero-length
// slice cannot be written through, and boxing a new one would allocate.
var emptyList any = []any{}

// value decodes one term into the Go value documented for `any`.
func (d *decodeState) value() (any, error) {
	if d.off >= len(d.data) {
		return nil, d.fail(d.off, ErrTruncated, "term")
	}
	start := d.off
	tag := d.data[d.off]
	d.off++
	switch tag {
	case tagSmallInteger:
		if err := d.need(1, "small integer"); err != nil {
			return nil, err
		}
		return int64(d.u8()), nil
	case tagInteger:
		if err := d.need(4, "integer"); err != nil {
			return nil, err
		}
		return int64(int32(d.u32())), nil
	case tagSmallBig, tagLargeBig:
		i, b, err := d.bigInteger(tag)
		if err != nil {
			return nil, err
		}
		if b != nil {
			return b, nil
		}
		return i, nil
	case tagNewFloat, tagFloat:
		return d.float(tag)
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return nil, err
		}
		return atomValue(raw, latin1), nil
	case tagNil:
		return emptyList, nil
	case tagString:
		if err := d.need(2, "string length"); err != nil {
			return nil, err
		}
		n := d.u16()
		if err := d.need(n, "string bytes"); err != nil {
			return nil, err
		}
		l := make([]any, n)
		for i, c := range d.data[d.off : d.off+n] {
			l[i] = int64(c)
		}
		d.off += n
		return l, nil
	case tagList:
		return d.list(start)
	case tagSmallTuple, tagLargeTuple:
		return d.tuple(tag, start)
	case tagMap:
		return d.mapValue(start)
	case tagBinary:
		n, err := d.count(1, "binary")
		if err != nil {
			return nil, err
		}
		return d.stringOf(n), nil
	case tagBitBinary:
		return d.bitBinary(start)
	case tagPid, tagNewPid:
		return d.pid(tag)
	case tagPort, tagNewPort, tagV4Port:
		return d.port(tag)
	case tagReference, tagNewReference, tagNewerReference:
		return d.ref(tag)
	case tagExport:
		return d.export()
	case tagNewFun:
		return d.fun(start)
	case tagAtomCacheRef, tagLocal:
		return nil, d.fail(start, ErrDistributionOnly, "tag "+strconv.Itoa(int(tag)))
	case tagCompressed:
		return nil, d.fail(start, ErrInvalid, "compressed term inside a term")
	default:
		return nil, d.fail(start, ErrUnknownTag, "tag "+strconv.Itoa(int(tag)))
	}
}

// bigInteger reads SMALL_BIG_EXT or LARGE_BIG_EXT. Values that fit int64
// come back as i; others as b.
func (d *decodeState) bigInteger(tag byte) (i int64, b *big.Int, err error) {
	digits, negative, err := d.bigDigits(tag)
	if err != nil {
		return 0, nil, err
	}
	if len(digits) <= 8 {
		var mag uint64
		for k := len(digits) - 1; k >= 0; k-- {
			mag = mag<<8 | uint64(digits[k])
		}
		switch {
		case !negative && mag <= math.MaxInt64:
			return int64(mag), nil, nil
		case negative && mag <= 1<<63:
			return -int64(mag), nil, nil // 1<<63 wraps to MinInt64, which is right
		}
	}
	b = new(big.Int)
	setLittleEndian(b, digits, negative)
	return 0, b, nil
}

// bigDigits reads a big integer's header and returns its magnitude, least
// significant byte first and without high zero bytes, and its sign.
func (d *decodeState) bigDigits(tag byte) (digits []byte, negative bool, err error) {
	var n int
	if tag == tagSmallBig {
		if err := d.need(1, "big integer size"); err != nil {
			return nil, false, err
		}
		n = int(d.u8())
	} else {
		if n, err = d.count(1, "big integer"); err != nil {
			return nil, false, err
		}
	}
	if err := d.need(1+n, "big integer digits"); err != nil {
		return nil, false, err
	}
	negative = d.u8() != 0 // Erlang reads any non-zero sign byte as negative
	digits = d.data[d.off : d.off+n]
	d.off += n
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	return digits, negative, nil
}

// setLittleEndian sets b to the magnitude in digits (least significant
// byte first) with the given sign, building the words directly.
func setLittleEndian(b *big.Int, digits []byte, negative bool) {
	const wordBytes = bits.UintSize / 8
	need := (len(digits) + wordBytes - 1) / wordBytes
	words := b.Bits() // reuse the target's words when there is room
	if cap(words) >= need {
		words = words[:need]
		clear(words)
	} else {
		words = make([]big.Word, need)
	}
	for k, c := range digits {
		words[k/wordBytes] |= big.Word(c) << (8 * (k % wordBytes))
	}
	b.SetBits(words)
	if negative {
		b.Neg(b)
	}
}

func (d *decodeState) float(tag byte) (float64, error) {
	at := d.off - 1
	var f float64
	if tag == tagNewFloat {
		if err := d.need(8, "float"); err != nil {
			return 0, err
		}
		f = math.Float64frombits(binary.BigEndian.Uint64(d.data[d.off:]))
		d.off += 8
	} else {
		if err := d.need(31, "float text"); err != nil {
			return 0, err
		}
		text := d.data[d.off : d.off+31]
		d.off += 31
		end := 0
		for end < len(text) && text[end] != 0 {
			end++
		}
		var err error
		f, err = strconv.ParseFloat(string(text[:end]), 64)
		if err != nil {
			return 0, d.fail(at, ErrInvalid, "float text "+strconv.Quote(string(text[:end])))
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, d.fail(at, ErrInvalid, "NaN or infinity")
	}
	return f, nil
}

func (d *decodeState) list(start int) (any, error) {
	n, err := d.count(1, "list")
	if err != nil {
		return nil, err
	}
	if err := d.enter(start); err != nil {
		return nil, err
	}
	l := make([]any, n)
	for i := range l {
		if l[i], err = d.value(); err != nil {
			return nil, err
		}
	}
	// A tail that is itself a list continues this one: [1 | [2]] is [1, 2]
	// to Erlang, and [1 | [2 | 3]] is [1, 2 | 3]. Such tails are read in a
	// loop (no recursion), but each counts as a level of nesting, as in
	// Python's decoder: both sides then refuse the same chains, and a chain
	// of a million one-element tails is refused at MaxDepth instead of
	// growing a slice link by link.
	levels := 1
	for {
		if d.off >= len(d.data) {
			return nil, d.fail(d.off, ErrTruncated, "list tail")
		}
		switch d.data[d.off] {
		case tagNil:
			d.off++
			d.depth -= levels
			return l, nil
		case tagList:
			if err := d.enter(d.off); err != nil {
				return nil, err
			}
			levels++
			d.off++
			m, err := d.count(1, "list")
			if err != nil {
				return nil, err
			}
			l = slices.Grow(l, m)
			for k := 0; k < m; k++ {
				x, err := d.value()
				if err != nil {
					return nil, err
				}
				l = append(l, x)
			}
			continue
		case tagString:
			d.off++
			chars, err := d.stringBytes()
			if err != nil {
				return nil, err
			}
			l = slices.Grow(l, len(chars))
			for _, c := range chars {
				l = append(l, int64(c))
			}
			d.depth -= levels
			return l, nil // a string is a proper list: it ends the chain
		}
		tail, err := d.value()
		if err != nil {
			return nil, err
		}
		d.depth -= levels
		if len(l) == 0 {
			return tail, nil // [ | T] is just T
		}
		return ImproperList{Elems: l, Tail: tail}, nil
	}
}

// stringBytes reads the body of a STRING_EXT, whose tag has been read.
func (d *decodeState) stringBytes() ([]byte, error) {
	if err := d.need(2, "string length"); err != nil {
		return nil, err
	}
	n := d.u16()
	if err := d.need(n, "string bytes"); err != nil {
		return nil, err
	}
	b := d.data[d.off : d.off+n]
	d.off += n
	return b, nil
}

// tupleArity reads a tuple's header.
func (d *decodeState) tupleArity(tag byte) (int, error) {
	if tag == tagSmallTuple {
		if err := d.need(1, "tuple arity"); err != nil {
			return 0, err
		}
		n := int(d.u8())
		return n, d.need(n, "tuple elements")
	}
	return d.count(1, "tuple")
}

func (d *decodeState) tuple(tag byte, start int) (any, error) {
	n, err := d.tupleArity(tag)
	if err != nil {
		return nil, err
	}
	if err := d.enter(start); err != nil {
		return nil, err
	}
	t := make(Tuple, n)
	for i := range t {
		if t[i], err = d.value(); err != nil {
			return nil, err
		}
	}
	d.depth--
	if n == 3 && t[0] == Atom(opaqueTag) {
		lang, ok1 := t[1].(Atom)
		data, ok2 := t[2].(string)
		if ok1 && ok2 {
			return Opaque{Language: lang, Data: []byte(data)}, nil
		}
	}
	return t, nil
}

// comparableKey reports whether a decoded key can key a Go map with
// Erlang's meaning of equality. *big.Int compares by pointer and slices not
// at all, so maps with such keys are decoded as Map.
func comparableKey(k any) bool {
	switch k.(type) {
	case nil, bool, int64, float64, string, Atom, Pid, Port, Export:
		return true
	}
	return false
}

// mapValue decodes a map as map[string]any while its keys are binaries,
// switches to map[any]any at the first other key, and to Map at the first
// key a Go map cannot hold.
func (d *decodeState) mapValue(start int) (any, error) {
	n, err := d.count(2, "map")
	if err != nil {
		return nil, err
	}
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if d.orderedMaps {
		m := make(Map, 0, n)
		return d.orderedMapEntries(m, n, nil)
	}
	sm := make(map[string]any, n)
	for i := 0; i < n; i++ {
		keyAt := d.off
		var ks string
		if d.off < len(d.data) && d.data[d.off] == tagBinary {
			// The common case, read without boxing the key in an interface.
			d.off++
			kn, err := d.count(1, "binary")
			if err != nil {
				return nil, err
			}
			ks = d.stringOf(kn)
		} else {
			k, err := d.value()
			if err != nil {
				return nil, err
			}
			am := make(map[any]any, n)
			for s, v := range sm {
				am[s] = v
			}
			return d.anyMapEntries(am, i, n, k, keyAt)
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		sm[ks] = v
		if len(sm) != i+1 {
			return nil, d.fail(keyAt, ErrInvalid, "duplicate map key")
		}
	}
	d.depth--
	return sm, nil
}

// anyMapEntries continues a map whose i-th key k is not a binary.
func (d *decodeState) anyMapEntries(am map[any]any, i, n int, k any, keyAt int) (any, error) {
	for {
		if !comparableKey(k) {
			m := make(Map, 0, n)
			for ak, av := range am {
				m = append(m, MapEntry{Key: ak, Value: av})
			}
			return d.orderedMapEntries(m, n-i, &pendingKey{k, keyAt})
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		am[k] = v
		if len(am) != i+1 {
			return nil, d.fail(keyAt, ErrInvalid, "duplicate map key")
		}
		i++
		if i == n {
			d.depth--
			return am, nil
		}
		keyAt = d.off
		if k, err = d.value(); err != nil {
			return nil, err
		}
	}
}

// pendingKey is a key already read whose value is next in the input.
type pendingKey struct {
	key any
	at  int
}

// orderedMapEntries reads the remaining entries of a map into m (the first
// key may already be read: pending), refusing duplicate keys as Erlang
// does. Keys are compared by their deterministic encoding (the same term
// always encodes alike), since they may be of kinds Go cannot compare.
// The entries already in m came from a Go map, so they are distinct.
func (d *decodeState) orderedMapEntries(m Map, remaining int, pending *pendingKey) (any, error) {
	check := len(m)+remaining > 1 // a map of one entry has no duplicates
	var seen map[string]struct{}
	if check {
		seen = make(map[string]struct{}, len(m)+remaining)
		for _, kv := range m {
			fp, err := d.fingerprint(kv.Key)
			if err != nil {
				return nil, err
			}
			seen[fp] = struct{}{}
		}
	}
	for ; remaining > 0; remaining-- {
		var k any
		var keyAt int
		if pending != nil {
			k, keyAt, pending = pending.key, pending.at, nil
		} else {
			keyAt = d.off
			var err error
			if k, err = d.value(); err != nil {
				return nil, err
			}
		}
		if check {
			fp, err := d.fingerprint(k)
			if err != nil {
				return nil, err
			}
			if _, dup := seen[fp]; dup {
				return nil, d.fail(keyAt, ErrInvalid, "duplicate map key")
			}
			seen[fp] = struct{}{}
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m = append(m, MapEntry{Key: k, Value: v})
	}
	d.depth--
	return m, nil
}

// fingerprint is a decoded key's deterministic encoding, with []byte and
// string alike (both are binaries to Erlang). Keys nested in keys are
// encoded again at every level, so the total work is bounded by a budget
// proportional to the input: a term built to make that quadratic fails
// instead of running for minutes.
func (d *decodeState) fingerprint(k any) (string, error) {
	e := encodeState{maxDepth: DefaultMaxDepth * 2, bytesAsBinary: true, deterministic: true}
	if err := e.value(k); err != nil {
		return "", err
	}
	d.fingerprinted += len(e.buf)
	if d.fingerprinted > 8*len(d.data)+1<<20 {
		return "", d.fail(d.off, ErrTooLarge, "map keys too deeply nested to check for duplicates")
	}
	return string(e.buf), nil
}

// bitBinaryHeader reads BIT_BINARY_EXT's length and bit count and checks
// them as Erlang does.
func (d *decodeState) bitBinaryHeader(start int) (n int, bits byte, err error) {
	if n, err = d.count(1, "bit binary"); err != nil {
		return 0, 0, err
	}
	if err := d.need(1+n, "bit binary bytes"); err != nil {
		return 0, 0, err
	}
	bits = d.u8()
	if (n == 0 && bits != 0) || (n > 0 && (bits < 1 || bits > 8)) {
		return 0, 0, d.fail(start, ErrInvalid, "bit count "+strconv.Itoa(int(bits))+" for "+strconv.Itoa(n)+" bytes")
	}
	return n, bits, nil
}

func (d *decodeState) bitBinary(start int) (any, error) {
	n, bits, err := d.bitBinaryHeader(start)
	if err != nil {
		return nil, err
	}
	b := d.bytesOf(n)
	if bits == 8 || n == 0 {
		return b, nil
	}
	return BitString{Bytes: b, Bits: bits}, nil
}

// node reads the node name that starts pids, ports and references.
func (d *decodeState) node() (Atom, error) {
	if err := d.need(1, "node"); err != nil {
		return "", err
	}
	at := d.off
	tag := d.u8()
	switch tag {
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return "", err
		}
		return Atom(atomText(raw, latin1)), nil
	}
	return "", d.fail(at, ErrInvalid, "node name must be an atom")
}

func (d *decodeState) pid(tag byte) (Pid, error) {
	node, err := d.node()
	if err != nil {
		return Pid{}, err
	}
	size := 9
	if tag == tagNewPid {
		size = 12
	}
	if err := d.need(size, "pid"); err != nil {
		return Pid{}, err
	}
	p := Pid{Node: node, ID: d.u32(), Serial: d.u32()}
	if tag == tagNewPid {
		p.Creation = d.u32()
	} else {
		p.Creation = uint32(d.u8())
	}
	return p, nil
}

func (d *decodeState) port(tag byte) (Port, error) {
	node, err := d.node()
	if err != nil {
		return Port{}, err
	}
	p := Port{Node: node}
	switch tag {
	case tagPort:
		if err := d.need(5, "port"); err != nil {
			return Port{}, err
		}
		p.ID, p.Creation = uint64(d.u32()), uint32(d.u8())
	case tagNewPort:
		if err := d.need(8, "port"); err != nil {
			return Port{}, err
		}
		p.ID, p.Creation = uint64(d.u32()), d.u32()
	default:
		if err := d.need(12, "port"); err != nil {
			return Port{}, err
		}
		p.ID = binary.BigEndian.Uint64(d.data[d.off:])
		d.off += 8
		p.Creation = d.u32()
	}
	return p, nil
}

func (d *decodeState) ref(tag byte) (Ref, error) {
	at := d.off - 1
	words := 1
	if tag != tagReference {
		if err := d.need(2, "reference length"); err != nil {
			return Ref{}, err
		}
		words = d.u16()
		if words < 1 || words > maxRefWords {
			return Ref{}, d.fail(at, ErrInvalid, "reference of "+strconv.Itoa(words)+" words")
		}
	}
	node, err := d.node()
	if err != nil {
		return Ref{}, err
	}
	r := Ref{Node: node}
	if tag == tagReference {
		if err := d.need(5, "reference"); err != nil {
			return Ref{}, err
		}
		r.ID = []uint32{d.u32()}
		r.Creation = uint32(d.u8())
		return r, nil
	}
	creation := 1
	if tag == tagNewerReference {
		creation = 4
	}
	if err := d.need(creation+4*words, "reference"); err != nil {
		return Ref{}, err
	}
	if tag == tagNewerReference {
		r.Creation = d.u32()
	} else {
		r.Creation = uint32(d.u8())
	}
	r.ID = make([]uint32, words)
	for i := range r.ID {
		r.ID[i] = d.u32()
	}
	return r, nil
}

// atomTerm reads a term that must be an atom (in exports and funs).
func (d *decodeState) atomTerm(what string) (Atom, error) {
	at := d.off
	if err := d.need(1, what); err != nil {
		return "", err
	}
	tag := d.u8()
	switch tag {
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		raw, latin1, err := d.atomBytes(tag)
		if err != nil {
			return "", err
		}
		return Atom(atomText(raw, latin1)), nil
	}
	return "", d.fail(at, ErrInvalid, what+" must be an atom")
}

// smallIntTerm reads a term that must be an integer in [lo, hi].
func (d *decodeState) smallIntTerm(what string, lo, hi int64) (int64, error) {
	at := d.off
	v, err := d.value()
	if err != nil {
		return 0, err
	}
	i, ok := v.(int64)
	if !ok || i < lo || i > hi {
		return 0, d.fail(at, ErrInvalid, what+" out of range")
	}
	return i, nil
}

func (d *decodeState) export() (Export, error) {
	mod, err := d.atomTerm("export module")
	if err != nil {
		return Export{}, err
	}
	fn, err := d.atomTerm("export function")
	if err != nil {
		return Export{}, err
	}
	arity, err := d.smallIntTerm("export arity", 0, 255)
	if err != nil {
		return Export{}, err
	}
	return Export{Module: mod, Function: fn, Arity: uint8(arity)}, nil
}

func (d *decodeState) fun(start int) (Fun, error) {
	if err := d.need(4+1+16+4+4, "fun"); err != nil {
		return Fun{}, err
	}
	sizeAt := d.off
	// The size is checked against the contents once they are read, not
	// against the bytes there are first: a fun whose contents end before
	// its size says is invalid, not truncated, however many bytes follow
	// (Walk and Skip read a fun by its contents, and must agree).
	size := int64(d.u32())
	f := Fun{Arity: d.u8()}
	copy(f.Uniq[:], d.data[d.off:d.off+16])
	d.off += 16
	f.Index = d.u32()
	numFree := int(d.u32())
	if numFree > len(d.data)-d.off {
		return Fun{}, d.fail(sizeAt, ErrTruncated, "fun free variables")
	}
	var err error
	if f.Module, err = d.atomTerm("fun module"); err != nil {
		return Fun{}, err
	}
	if f.OldIndex, err = d.smallIntTerm("fun old index", math.MinInt32, math.MaxInt32); err != nil {
		return Fun{}, err
	}
	if f.OldUniq, err = d.smallIntTerm("fun old uniq", math.MinInt32, math.MaxInt32); err != nil {
		return Fun{}, err
	}
	at := d.off
	if err := d.need(1, "fun pid"); err != nil {
		return Fun{}, err
	}
	switch tag := d.u8(); tag {
	case tagPid, tagNewPid:
		if f.Pid, err = d.pid(tag); err != nil {
			return Fun{}, err
		}
	default:
		return Fun{}, d.fail(at, ErrInvalid, "fun pid must be a pid")
	}
	if err := d.enter(start); err != nil {
		return Fun{}, err
	}
	if numFree > 0 {
		f.FreeVars = make([]any, numFree)
		for i := range f.FreeVars {
			if f.FreeVars[i], err = d.value(); err != nil {
				return Fun{}, err
			}
		}
	}
	d.depth--
	if int64(d.off-sizeAt) != size {
		return Fun{}, d.fail(sizeAt, ErrInvalid, "fun of "+strconv.FormatInt(size, 10)+" bytes: its contents take "+strconv.Itoa(d.off-sizeAt))
	}
	return f, nil
}
