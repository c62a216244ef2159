package erlterm

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The building blocks below are for protocols that frame terms of a known
// shape by hand on a hot path (taipan's wire writes every call request and
// reads every reply header this way): they write and read single term
// headers with no reflection and no allocation. Their bytes are exactly
// what Append writes, with the default EncodeOptions, for the same values
// (so a hand-framed term and an encoded one are interchangeable, which
// snakes' differential fuzz target checks). Anything of an unknown shape
// should go through Append and Unmarshal.

// Version is the byte every external term starts with.
const Version = versionMagic

// AppendTupleHeader appends the header of a tuple of arity elements
// (SMALL_TUPLE_EXT up to 255, LARGE_TUPLE_EXT above); the elements follow.
func AppendTupleHeader(dst []byte, arity int) []byte {
	if arity <= math.MaxUint8 {
		return append(dst, tagSmallTuple, byte(arity))
	}
	dst = append(dst, tagLargeTuple)
	return binary.BigEndian.AppendUint32(dst, uint32(arity))
}

// AppendASCIIAtom appends an atom whose name is ASCII and at most 255
// bytes long, as Append writes it (ATOM_EXT); ok is false for any other
// name, which Append handles.
func AppendASCIIAtom(dst []byte, name string) (out []byte, ok bool) {
	if len(name) > maxAtomChars {
		return dst, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return dst, false
		}
	}
	dst = append(dst, tagAtom, 0, byte(len(name)))
	return append(dst, name...), true
}

// AppendBinary appends s as a binary (BINARY_EXT), as Append writes a Go
// string; ok is false when s is too long for the format (4 GiB).
func AppendBinary(dst []byte, s string) (out []byte, ok bool) {
	if uint64(len(s)) > math.MaxUint32 {
		return dst, false
	}
	dst = append(dst, tagBinary)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...), true
}

// AppendUint appends a non-negative integer in the shortest form Erlang
// uses (SMALL_INTEGER_EXT, INTEGER_EXT, SMALL_BIG_EXT), as Append writes a
// uint64.
func AppendUint(dst []byte, v uint64) []byte {
	switch {
	case v <= math.MaxUint8:
		return append(dst, tagSmallInteger, byte(v))
	case v <= math.MaxInt32:
		dst = append(dst, tagInteger)
		return binary.BigEndian.AppendUint32(dst, uint32(v))
	}
	n := (bits.Len64(v) + 7) / 8
	dst = append(dst, tagSmallBig, byte(n), 0)
	for ; n > 0; n-- {
		dst = append(dst, byte(v))
		v >>= 8
	}
	return dst
}

// ReadTupleHeader reads a tuple header at the front of b: the tuple's
// arity and the header's length in bytes. ok is false when b does not
// start with a whole tuple header.
func ReadTupleHeader(b []byte) (arity, n int, ok bool) {
	switch {
	case len(b) >= 2 && b[0] == tagSmallTuple:
		return int(b[1]), 2, true
	case len(b) >= 5 && b[0] == tagLargeTuple:
		a := binary.BigEndian.Uint32(b[1:])
		if uint64(a) > math.MaxInt32 {
			return 0, 0, false
		}
		return int(a), 5, true
	}
	return 0, 0, false
}

// ReadAtomName reads an atom at the front of b (any of the four atom
// tags) and returns its name's bytes, which alias b, and the term's length
// in bytes. ok is false when b does not start with a whole atom. The name
// is not checked: a latin-1 atom's bytes are latin-1, a UTF-8 one's are
// meant to be UTF-8.
func ReadAtomName(b []byte) (name []byte, n int, ok bool) {
	if len(b) < 2 {
		return nil, 0, false
	}
	var size, head int
	switch b[0] {
	case tagAtom, tagAtomUTF8:
		if len(b) < 3 {
			return nil, 0, false
		}
		size, head = int(binary.BigEndian.Uint16(b[1:])), 3
	case tagSmallAtom, tagSmallAtomUTF8:
		size, head = int(b[1]), 2
	default:
		return nil, 0, false
	}
	if len(b) < head+size {
		return nil, 0, false
	}
	return b[head : head+size], head + size, true
}

// ReadUint reads a non-negative integer that fits in a uint64 at the front
// of b (SMALL_INTEGER_EXT, INTEGER_EXT, SMALL_BIG_EXT of up to 8 bytes) and
// the term's length in bytes. ok is false for anything else, negative
// integers included.
func ReadUint(b []byte) (v uint64, n int, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	switch b[0] {
	case tagSmallInteger:
		return uint64(b[1]), 2, true
	case tagInteger:
		if len(b) < 5 {
			return 0, 0, false
		}
		i := int32(binary.BigEndian.Uint32(b[1:]))
		if i < 0 {
			return 0, 0, false
		}
		return uint64(i), 5, true
	case tagSmallBig:
		if len(b) < 3 {
			return 0, 0, false
		}
		size := int(b[1])
		if size > 8 || b[2] != 0 || len(b) < 3+size {
			return 0, 0, false
		}
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[3+i])
		}
		return v, 3 + size, true
	}
	return 0, 0, false
}
