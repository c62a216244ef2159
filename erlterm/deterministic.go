package erlterm

import (
	"bytes"
	"cmp"
	"math/big"
	"reflect"
	"slices"
)

// sortedMap writes a map's entries in a fixed order, for
// EncodeOptions.Deterministic: keys ordered as Erlang orders terms for the
// common key kinds (numbers < atoms < … < tuples < maps < lists <
// binaries; numbers by value, atoms by text, binaries by bytes), ties and
// other kinds by their encoding. For maps of up to 32 keys of one such
// kind this is the order term_to_binary writes, so the bytes match
// Erlang's.
func (e *encodeState) sortedMap(entries Map, t reflect.Type) error {
	type keyed struct {
		class int
		enc   []byte // the key encoded canonically ([]byte as BINARY)
		entry MapEntry
	}
	keys := make([]keyed, len(entries))
	for i, kv := range entries {
		// Each key is encoded once, with this encoder's options, and the
		// bytes are reused for the output: encoding it again would make
		// nested map keys cost exponential time.
		sub := encodeState{maxDepth: e.maxDepth, depth: e.depth, utf8Atoms: e.utf8Atoms,
			bytesAsBinary: e.bytesAsBinary, deterministic: true, refuseOpaque: e.refuseOpaque}
		if err := sub.value(kv.Key); err != nil {
			return err
		}
		keys[i] = keyed{class: termClass(sub.buf[0]), enc: sub.buf, entry: kv}
	}
	compare := func(a, b keyed) int {
		if c := cmp.Compare(a.class, b.class); c != 0 {
			return c
		}
		switch a.class {
		case classNumber:
			if c := compareNumbers(a.entry.Key, b.entry.Key); c != 0 {
				return c
			}
		case classAtom:
			return bytes.Compare(termPayload(a.enc), termPayload(b.enc))
		case classBinary:
			// BINARY and BIT_BINARY of whole bytes are the same binary.
			if c := bytes.Compare(termPayload(a.enc), termPayload(b.enc)); c != 0 {
				return c
			}
			return cmp.Compare(lastByteBits(a.enc), lastByteBits(b.enc))
		}
		return bytes.Compare(a.enc, b.enc)
	}
	slices.SortStableFunc(keys, compare)
	for i := 1; i < len(keys); i++ {
		if compare(keys[i-1], keys[i]) == 0 {
			return &EncodeError{Type: t, Err: errDuplicateKey}
		}
	}
	if err := e.mapHeader(len(keys), t); err != nil {
		return err
	}
	for _, k := range keys {
		e.buf = append(e.buf, k.enc...)
		if err := e.value(k.entry.Value); err != nil {
			return err
		}
	}
	return nil
}

// lastByteBits is the bit count of an encoded binary's last byte: 8 for
// BINARY.
func lastByteBits(enc []byte) byte {
	if enc[0] == tagBitBinary && len(enc) > 5 {
		if enc[5] == 0 {
			return 8 // the empty binary
		}
		return enc[5]
	}
	return 8
}

// Erlang's order of term kinds.
const (
	classNumber = iota
	classAtom
	classRef
	classFun
	classPort
	classPid
	classTuple
	classMap
	classNil
	classList
	classBinary
)

func termClass(tag byte) int {
	switch tag {
	case tagSmallInteger, tagInteger, tagSmallBig, tagLargeBig, tagNewFloat, tagFloat:
		return classNumber
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		return classAtom
	case tagReference, tagNewReference, tagNewerReference:
		return classRef
	case tagNewFun, tagExport:
		return classFun
	case tagPort, tagNewPort, tagV4Port:
		return classPort
	case tagPid, tagNewPid:
		return classPid
	case tagSmallTuple, tagLargeTuple:
		return classTuple
	case tagMap:
		return classMap
	case tagNil:
		return classNil
	case tagString, tagList:
		return classList
	}
	return classBinary
}

// termPayload returns the text of an encoded atom or the bytes of an
// encoded binary.
func termPayload(enc []byte) []byte {
	switch enc[0] {
	case tagAtom, tagAtomUTF8:
		return enc[3:]
	case tagSmallAtom, tagSmallAtomUTF8:
		return enc[2:]
	case tagBinary:
		return enc[5:]
	case tagBitBinary:
		return enc[6:]
	}
	return enc
}

// compareNumbers orders two Go numbers by value.
func compareNumbers(a, b any) int {
	x, y := toBigFloat(a), toBigFloat(b)
	if x == nil || y == nil {
		return 0
	}
	return x.Cmp(y)
}

func toBigFloat(v any) *big.Float {
	switch n := v.(type) {
	case *big.Int:
		return new(big.Float).SetInt(n)
	case big.Int:
		return new(big.Float).SetInt(&n)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return new(big.Float).SetInt64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Float).SetUint64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return big.NewFloat(rv.Float())
	}
	return nil
}

// entriesOf lists a Go map's entries, for sortedMap.
func entriesOf[K comparable](m map[K]any) Map {
	entries := make(Map, 0, len(m))
	for k, v := range m {
		entries = append(entries, MapEntry{Key: k, Value: v})
	}
	return entries
}
